package client

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/pki"
)

// tlsServer is an HTTPS server whose certificate is signed by a test CA;
// it answers with the client certificate's CN and the Authorization header.
func tlsServer(t *testing.T) (*httptest.Server, *pki.KeyPair) {
	t.Helper()
	ca, err := pki.NewCA("test-ca", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srvPair, err := ca.Issue(pki.Server("srv", []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn := ""
		if len(r.TLS.PeerCertificates) > 0 {
			cn = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		fmt.Fprintf(w, `{"cn":%q,"auth":%q}`, cn, r.Header.Get("Authorization"))
	}))
	ts.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{srvPair.Cert.Raw}, PrivateKey: srvPair.Key}},
		ClientAuth:   tls.RequestClientCert,
	}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts, ca
}

func writePEM(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestClientTLS(t *testing.T) {
	ts, ca := tlsServer(t)
	alice, err := ca.Issue(pki.Client("alice", "devs"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	aliceKey, _ := pki.KeyPEM(alice.Key)
	otherCA, _ := pki.NewCA("other", time.Now())
	dir := t.TempDir()
	tokenFile := writePEM(t, dir, "token", []byte("file-token\n"))
	caPEM := pki.CertPEM(ca.Cert)
	tests := []struct {
		name    string
		cfg     Config
		want    string // the body, or the error's text
		wantErr bool
	}{
		{"CA data and client cert data", Config{TLS: TLSConfig{CAData: caPEM, CertData: pki.CertPEM(alice.Cert), KeyData: aliceKey}}, `{"cn":"alice","auth":""}`, false},
		{"CA file and client cert files", Config{TLS: TLSConfig{CAFile: writePEM(t, dir, "ca.crt", caPEM), CertFile: writePEM(t, dir, "a.crt", pki.CertPEM(alice.Cert)), KeyFile: writePEM(t, dir, "a.key", aliceKey)}}, `{"cn":"alice","auth":""}`, false},
		{"bearer token", Config{TLS: TLSConfig{CAData: caPEM}, BearerToken: "abc"}, `{"cn":"","auth":"Bearer abc"}`, false},
		{"token file wins", Config{TLS: TLSConfig{CAData: caPEM}, BearerToken: "abc", BearerTokenFile: tokenFile}, `{"cn":"","auth":"Bearer file-token"}`, false},
		{"insecure", Config{TLS: TLSConfig{Insecure: true}}, `{"cn":"","auth":""}`, false},
		{"server name", Config{TLS: TLSConfig{CAData: caPEM, ServerName: "localhost"}}, `{"cn":"","auth":""}`, false},
		{"wrong server name", Config{TLS: TLSConfig{CAData: caPEM, ServerName: "kubernetes"}}, "certificate is valid for localhost, not kubernetes", true},
		{"wrong CA", Config{TLS: TLSConfig{CAData: pki.CertPEM(otherCA.Cert)}}, "x509: certificate signed by unknown authority", true},
		{"no CA: system roots", Config{}, "x509: certificate signed by unknown authority", true},
		{"CA and insecure", Config{TLS: TLSConfig{CAData: caPEM, Insecure: true}}, "specifying a root certificates file with the insecure flag is not allowed", true},
		{"cert without key", Config{TLS: TLSConfig{CAData: caPEM, CertData: pki.CertPEM(alice.Cert)}}, "client-key-data or client-key must be specified", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			cfg.Server = ts.URL
			c, err := New(&cfg)
			var body []byte
			if err == nil {
				body, err = c.Do(context.Background(), http.MethodGet, "/x", nil, nil)
			}
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != tt.want {
				t.Errorf("body %s, want %s", body, tt.want)
			}
			if h := c.UpgradeHeader().Get("Authorization"); (cfg.BearerToken != "") != (h != "") {
				t.Errorf("UpgradeHeader Authorization %q", h)
			}
			if c.TLSClientConfig() == nil {
				t.Error("no TLS config for the streaming dialers")
			}
		})
	}
}

func TestPlainHTTPHasNoTLSConfig(t *testing.T) {
	c, err := New(&Config{Server: "http://127.0.0.1:1", TLS: TLSConfig{CAData: []byte("garbage")}})
	if err != nil {
		t.Fatal(err)
	}
	if c.TLSClientConfig() != nil {
		t.Error("http:// server got a TLS config")
	}
}

func TestKubeconfigCredentials(t *testing.T) {
	ts, ca := tlsServer(t)
	bob, _ := ca.Issue(pki.Client("bob"), time.Now())
	bobKey, _ := pki.KeyPEM(bob.Key)
	dir := t.TempDir()
	writePEM(t, dir, "ca.crt", pki.CertPEM(ca.Cert))
	writePEM(t, filepath.Join(dir), "bob.crt", pki.CertPEM(bob.Cert))
	writePEM(t, dir, "bob.key", bobKey)
	b64 := func(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
	tests := []struct {
		name, cluster, user string
		want                string
		wantErr             string
	}{
		{"relative files", "certificate-authority: ca.crt", "client-certificate: bob.crt\n    client-key: bob.key", `{"cn":"bob","auth":""}`, ""},
		{"data", "certificate-authority-data: " + b64(pki.CertPEM(ca.Cert)), "client-certificate-data: " + b64(pki.CertPEM(bob.Cert)) + "\n    client-key-data: " + b64(bobKey), `{"cn":"bob","auth":""}`, ""},
		{"token", "certificate-authority: " + filepath.Join(dir, "ca.crt"), "token: t0k", `{"cn":"","auth":"Bearer t0k"}`, ""},
		{"missing CA file", "certificate-authority: nope.crt", "token: x", "", "unable to read certificate-authority " + filepath.Join(dir, "nope.crt") + " for c due to"},
		{"missing client cert", "certificate-authority: ca.crt", "client-certificate: nope.crt\n    client-key: bob.key", "", "unable to read client-cert " + filepath.Join(dir, "nope.crt") + " for u due to"},
		{"bad data", "certificate-authority-data: '%%%'", "token: x", "", `cluster "c": certificate-authority-data: illegal base64`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: %s
    %s
users:
- name: u
  user:
    %s
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`, ts.URL, tt.cluster, tt.user)
			path := writePEM(t, dir, "kubeconfig", []byte(kc))
			cfg, err := LoadConfig(LoadOptions{Kubeconfig: path})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			body, err := c.Do(context.Background(), http.MethodGet, "/", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != tt.want {
				t.Errorf("body %s, want %s", body, tt.want)
			}
		})
	}
}
