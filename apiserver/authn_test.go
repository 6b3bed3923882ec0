package apiserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// buildAuthn: nothing configured is no authentication; each source is
// read at start-up and a broken one stops the apiserver with its error.
func TestBuildAuthn(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(key)
	keyFile := write("sa.key", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})))
	tokens := write("tokens.csv", "t,alice,1\n")
	tests := []struct {
		name      string
		set       func(*Options)
		wantNil   bool
		wantErr   string
		signer    bool
		tokens    bool
		audiences []string
	}{
		{name: "nothing", set: func(*Options) {}, wantNil: true},
		{name: "token file", set: func(o *Options) { o.TokenAuthFile = tokens }, tokens: true},
		{name: "signing key verifies too", set: func(o *Options) { o.ServiceAccountSigningKeyFile = keyFile }, signer: true, tokens: true},
		{name: "audiences", set: func(o *Options) { o.ServiceAccountKeyFiles = []string{keyFile}; o.APIAudiences = []string{"a", "b"} },
			tokens: true, audiences: []string{"a", "b"}},
		{name: "bad token file", set: func(o *Options) { o.TokenAuthFile = write("bad.csv", "t,alice\n") },
			wantErr: "line 1: must have at least 3 columns"},
		{name: "missing client CA", set: func(o *Options) { o.ClientCAFile = filepath.Join(dir, "nope.crt") }, wantErr: "reading client CA file"},
		{name: "client CA without certificates", set: func(o *Options) { o.ClientCAFile = tokens }, wantErr: "no certificates found"},
		{name: "bad key file", set: func(o *Options) { o.ServiceAccountKeyFiles = []string{tokens} }, wantErr: "does not contain any valid RSA or ECDSA public keys"},
		{name: "no issuer", set: func(o *Options) { o.ServiceAccountSigningKeyFile = keyFile; o.ServiceAccountIssuer = "" },
			wantErr: "--service-account-issuer is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			tc.set(&o)
			c, err := buildAuthn(o, nil)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (c == nil) != tc.wantNil {
				t.Fatalf("chain %v, want nil %v", c, tc.wantNil)
			}
			if c == nil {
				return
			}
			if (c.signer != nil) != tc.signer || (c.tokens != nil) != tc.tokens {
				t.Fatalf("signer %v tokens %v", c.signer != nil, c.tokens != nil)
			}
			want := tc.audiences
			if want == nil {
				want = []string{o.ServiceAccountIssuer}
			}
			if !slices.Equal(c.audiences, want) {
				t.Fatalf("audiences %v, want %v", c.audiences, want)
			}
		})
	}
}
