package integration

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

type testCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func (c testCert) tls() tls.Certificate {
	return tls.Certificate{Certificate: [][]byte{c.cert.Raw}, PrivateKey: c.key, Leaf: c.cert}
}

func makeCert(t *testing.T, parent *testCert, tmpl *x509.Certificate) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl.SerialNumber = serial
	if tmpl.NotAfter.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	}
	signer, signKey := tmpl, key
	if parent != nil {
		signer, signKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return testCert{cert: c, key: key}
}

func caCert(t *testing.T, cn string) testCert {
	return makeCert(t, nil, &x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature})
}

func clientCert(t *testing.T, ca testCert, cn string, orgs []string, notAfter time.Time) testCert {
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: cn, Organization: orgs},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if !notAfter.IsZero() {
		tmpl.NotBefore, tmpl.NotAfter = notAfter.Add(-time.Hour), notAfter
	}
	return makeCert(t, &ca, tmpl)
}

// x509 end to end: the apiserver's handler behind a TLS listener that
// only requests client certificates (as the apiserver's own listener): the
// cluster CA's certificates authenticate as CN/O; another CA's or an
// expired one is a 401; none is anonymous (here: refused).
func TestAuthnX509OverTLS(t *testing.T) {
	ca, other := caCert(t, "minik8s-ca"), caCert(t, "other-ca")
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.ClientCAFile = caFile
		o.AnonymousAuth = false
	})
	srv := httptest.NewUnstartedServer(ts.Server())
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	call := func(cert *testCert) (int, []byte) {
		t.Helper()
		tr := srv.Client().Transport.(*http.Transport).Clone()
		if cert != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{cert.tls()}
		}
		c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		resp, err := c.Post(srv.URL+"/apis/authentication.k8s.io/v1/selfsubjectreviews", "application/json", strings.NewReader(`{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	admin := clientCert(t, ca, "kubernetes-admin", []string{"system:masters"}, time.Time{})
	code, b := call(&admin)
	if code != 201 {
		t.Fatalf("admin: %d %s", code, b)
	}
	u := decodeInto[api.SelfSubjectReview](t, b).Status.UserInfo
	if u.Username != "kubernetes-admin" || !slices.Equal(u.Groups, []string{"system:masters", "system:authenticated"}) {
		t.Fatalf("admin is %+v", u)
	}
	node := clientCert(t, ca, "system:node:node1", []string{"system:nodes"}, time.Time{})
	if code, b = call(&node); code != 201 || decodeInto[api.SelfSubjectReview](t, b).Status.UserInfo.Username != "system:node:node1" {
		t.Fatalf("node: %d %s", code, b)
	}
	wrongCA := clientCert(t, other, "mallory", []string{"system:masters"}, time.Time{})
	expired := clientCert(t, ca, "old", nil, time.Now().Add(-time.Minute))
	for name, c := range map[string]*testCert{"wrong CA": &wrongCA, "expired": &expired, "none": nil} {
		code, b := call(c)
		if code != 401 {
			t.Fatalf("%s: %d %s", name, code, b)
		}
		if st := status(t, b); st.Message != "Unauthorized" || st.Reason != "Unauthorized" {
			t.Fatalf("%s: %+v", name, st)
		}
	}
}
