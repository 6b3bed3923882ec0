package authentication

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/user"
)

type ca struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

var serial int64

func newCert(t *testing.T, parent *ca, tmpl x509.Certificate) *ca {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(time.Hour)
	}
	signer, signKey := &tmpl, key
	if parent != nil {
		signer, signKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, signer, &key.PublicKey, signKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &ca{cert: c, key: key}
}

func caTemplate(cn string) x509.Certificate {
	return x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
}

func clientTemplate(cn string, orgs ...string) x509.Certificate {
	return x509.Certificate{Subject: pkix.Name{CommonName: cn, Organization: orgs},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
}

func TestX509(t *testing.T) {
	root := newCert(t, nil, caTemplate("minik8s-ca"))
	other := newCert(t, nil, caTemplate("other-ca"))
	inter := newCert(t, root, caTemplate("intermediate"))
	good := newCert(t, root, clientTemplate("alice", "dev", "ops"))
	viaInter := newCert(t, inter, clientTemplate("bob"))
	wrongCA := newCert(t, other, clientTemplate("mallory", "system:masters"))
	expiredT := clientTemplate("old")
	expiredT.NotBefore, expiredT.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
	expired := newCert(t, root, expiredT)
	serverOnlyT := clientTemplate("server")
	serverOnlyT.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	serverOnly := newCert(t, root, serverOnlyT)
	noCN := newCert(t, root, clientTemplate("", "dev"))

	pool := x509.NewCertPool()
	pool.AddCert(root.cert)
	a := &X509{Roots: pool}
	tests := []struct {
		name       string
		chain      []*x509.Certificate
		tls        bool
		wantUser   string
		wantGroups []string
		wantErr    string
	}{
		{name: "plain http", tls: false},
		{name: "tls without client cert", tls: true},
		{name: "good", tls: true, chain: []*x509.Certificate{good.cert}, wantUser: "alice", wantGroups: []string{"dev", "ops"}},
		{name: "via intermediate", tls: true, chain: []*x509.Certificate{viaInter.cert, inter.cert}, wantUser: "bob"},
		{name: "intermediate missing", tls: true, chain: []*x509.Certificate{viaInter.cert}, wantErr: "certificate signed by unknown authority"},
		{name: "wrong CA", tls: true, chain: []*x509.Certificate{wrongCA.cert}, wantErr: "certificate signed by unknown authority"},
		{name: "expired", tls: true, chain: []*x509.Certificate{expired.cert}, wantErr: "certificate has expired or is not yet valid"},
		{name: "no client auth usage", tls: true, chain: []*x509.Certificate{serverOnly.cert}, wantErr: "certificate specifies an incompatible key usage"},
		{name: "no common name", tls: true, chain: []*x509.Certificate{noCN.cert}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api", nil)
			r.TLS = nil
			if tc.tls {
				r.TLS = &tls.ConnectionState{PeerCertificates: tc.chain}
			}
			u, ok, err := a.AuthenticateRequest(r)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.HasPrefix(err.Error(), "verifying certificate SN=") {
					t.Fatalf("err = %v, want ...%s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantUser == "" {
				if ok {
					t.Fatalf("authenticated as %+v", u)
				}
				return
			}
			if !ok || u.Name != tc.wantUser || !slices.Equal(u.Groups, tc.wantGroups) {
				t.Fatalf("got %+v %v, want %s %v", u, ok, tc.wantUser, tc.wantGroups)
			}
		})
	}
}

func TestParseTokenFile(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		token   string
		want    *user.Info
		wantErr string
	}{
		{name: "groups", data: "tok1,alice,u1,\"dev,ops\"\n", token: "tok1", want: &user.Info{Name: "alice", UID: "u1", Groups: []string{"dev", "ops"}}},
		{name: "no groups", data: "tok2,bob,u2\n", token: "tok2", want: &user.Info{Name: "bob", UID: "u2"}},
		{name: "one group unquoted", data: "tok3,carol,u3,admins\n", token: "tok3", want: &user.Info{Name: "carol", UID: "u3", Groups: []string{"admins"}}},
		{name: "unknown token", data: "tok1,alice,u1\n", token: "nope"},
		{name: "empty token skipped", data: ",nobody,u0\ntok1,alice,u1\n", token: "", want: nil},
		{name: "last duplicate wins", data: "t,a,1\nt,b,2\n", token: "t", want: &user.Info{Name: "b", UID: "2"}},
		{name: "too few columns", data: "t,a,1\nt2,b\n", wantErr: "line 2: must have at least 3 columns (token, user name, user uid), found 2"},
		{name: "bad quoting", data: "t,a,1,\"x\n", wantErr: "extraneous or missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tf, err := ParseTokenFile(strings.NewReader(tc.data))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u, ok, err := tf.AuthenticateToken(context.Background(), tc.token)
			if err != nil || ok != (tc.want != nil) {
				t.Fatalf("ok %v err %v", ok, err)
			}
			if tc.want != nil && (u.Name != tc.want.Name || u.UID != tc.want.UID || !slices.Equal(u.Groups, tc.want.Groups)) {
				t.Fatalf("got %+v, want %+v", u, tc.want)
			}
		})
	}
}

func TestBearerUnionGroupAdder(t *testing.T) {
	tf, _ := ParseTokenFile(strings.NewReader("good,alice,u1,dev\n"))
	failing := authenticator.TokenFunc(func(context.Context, string) (*user.Info, bool, error) {
		return nil, false, errBadToken
	})
	a := AuthenticatedGroupAdder{Authenticator: Union{BearerToken{Token: UnionToken{failing, tf}}}}
	tests := []struct {
		name, header string
		wantUser     string
		wantErr      string
	}{
		{name: "no header"},
		{name: "basic auth is not ours", header: "Basic YWxpY2U6eA=="},
		{name: "empty bearer", header: "Bearer "},
		{name: "good", header: "Bearer good", wantUser: "alice"},
		{name: "lower-case scheme", header: "bearer good", wantUser: "alice"},
		{name: "unknown token", header: "Bearer bad", wantErr: "token expired"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api", nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			u, ok, err := a.AuthenticateRequest(r)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || ok != (tc.wantUser != "") {
				t.Fatalf("ok %v err %v", ok, err)
			}
			if ok && (u.Name != tc.wantUser || !slices.Equal(u.Groups, []string{"dev", user.AllAuthenticated})) {
				t.Fatalf("user %+v", u)
			}
		})
	}
	// A token nobody knows, and no authenticator erring: invalid bearer token.
	r := httptest.NewRequest(http.MethodGet, "/api", nil)
	r.Header.Set("Authorization", "Bearer bad")
	if _, _, err := (BearerToken{Token: tf}).AuthenticateRequest(r); err == nil || err.Error() != "invalid bearer token" {
		t.Fatalf("err = %v", err)
	}
	if err := aggregate([]error{errBadToken, errInvalidBearerToken}); err.Error() != "[token expired, invalid bearer token]" {
		t.Fatalf("aggregate = %v", err)
	}
}

var errBadToken = &tokenErr{"token expired"}

type tokenErr struct{ s string }

func (e *tokenErr) Error() string { return e.s }
