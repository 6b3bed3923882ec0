package testserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/user"
	"minik8s/pkg/certs"
	"minik8s/pkg/client"
	"minik8s/pkg/pki"
)

// chainAuthenticator stands in for the x509 authenticator (another
// part): the peer certificate must chain to the CA; CN user, O groups.
func chainAuthenticator(ca *x509.Certificate) authenticator.Request {
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return authenticator.RequestFunc(func(r *http.Request) (*user.Info, bool, error) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			return nil, false, nil
		}
		c := r.TLS.PeerCertificates[0]
		if _, err := c.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			return nil, false, err
		}
		return &user.Info{Name: c.Subject.CommonName, Groups: append(c.Subject.Organization, user.AllAuthenticated)}, true, nil
	})
}

func TestStartTLSServesOnlyHTTPS(t *testing.T) {
	var ca *x509.Certificate
	ts := StartTLS(t, func(o *apiserver.Options) {
		o.AnonymousAuth = false
		o.Authenticator = authenticator.RequestFunc(func(r *http.Request) (*user.Info, bool, error) {
			return chainAuthenticator(ca).AuthenticateRequest(r)
		})
	})
	ca = ts.PKI.CA.Cert
	if !strings.HasPrefix(ts.URL, "https://127.0.0.1:") {
		t.Fatalf("URL %s", ts.URL)
	}
	ctx := context.Background()
	info, _ := api.ForResource("", "v1", "namespaces")

	// The admin kubeconfig and a per-user config both work.
	for _, cfg := range []*client.Config{ts.PKI.AdminConfig(), ts.PKI.ClientConfig(t, "alice", "devs")} {
		c, err := client.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.List(ctx, info, "", client.ListOptions{}); err != nil {
			t.Fatalf("list namespaces: %v", err)
		}
	}
	// Kubeconfig files load with the right server.
	cfg, err := client.LoadConfig(client.LoadOptions{Kubeconfig: ts.PKI.Kubeconfig(t, "bob")})
	if err != nil || cfg.Server != ts.URL {
		t.Fatalf("kubeconfig: %v %v", cfg, err)
	}

	// Plain HTTP to the TLS port: Go's (and kube-apiserver's) 400.
	resp, err := http.Get("http://" + strings.TrimPrefix(ts.URL, "https://") + "/version")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "Client sent an HTTP request to an HTTPS server") {
		t.Errorf("plain HTTP: %d %s", resp.StatusCode, body)
	}

	// The handshake asks for client certificates of the cluster CA but
	// does not verify them: a wrong-CA certificate reaches the
	// authenticator (401), as in Kubernetes.
	var acceptable [][]byte
	tc := &tls.Config{RootCAs: pool(ca), GetClientCertificate: func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
		acceptable = cri.AcceptableCAs
		other, _ := pki.NewCA("other", time.Now())
		kp, _ := other.Issue(pki.Client("mallory", "system:masters"), time.Now())
		return &tls.Certificate{Certificate: [][]byte{kp.Cert.Raw}, PrivateKey: kp.Key}, nil
	}}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tc}}
	resp, err = hc.Get(ts.URL + "/api/v1/namespaces")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), `"reason":"Unauthorized"`) {
		t.Errorf("wrong-CA client: %d %s", resp.StatusCode, body)
	}
	if len(acceptable) != 1 || string(acceptable[0]) != string(ca.RawSubject) {
		t.Errorf("acceptable CAs %q, want the cluster CA", acceptable)
	}
	if resp.TLS.Version < tls.VersionTLS12 || resp.TLS.NegotiatedProtocol == "h2" {
		t.Errorf("TLS version %x protocol %q", resp.TLS.Version, resp.TLS.NegotiatedProtocol)
	}
	// TLS 1.1 is refused.
	_, err = tls.Dial("tcp", strings.TrimPrefix(ts.URL, "https://"), &tls.Config{RootCAs: pool(ca), MaxVersion: tls.VersionTLS11})
	if err == nil {
		t.Error("TLS 1.1 handshake succeeded")
	}

	// A restart comes back on the same https URL.
	ts.Restart(t)
	c, _ := client.New(ts.PKI.AdminConfig())
	if _, _, err := c.List(ctx, info, "", client.ListOptions{}); err != nil {
		t.Fatalf("after restart: %v", err)
	}
}

func pool(ca *x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca)
	return p
}

func servedSANs(t *testing.T, addr string, ca *x509.Certificate) []string {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool(ca)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var out []string
	for _, ip := range conn.ConnectionState().PeerCertificates[0].IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

func TestServingCertReload(t *testing.T) {
	ts := StartTLS(t, nil)
	addr := strings.TrimPrefix(ts.URL, "https://")
	if got := servedSANs(t, addr, ts.PKI.CA.Cert); strings.Contains(strings.Join(got, ","), "10.9.9.9") {
		t.Fatalf("SANs before: %v", got)
	}
	// `minik8s certs` with a new SAN renews the serving certificate; the
	// running apiserver picks it up without a restart.
	if err := certs.Apply(certs.Options{StateDir: ts.PKI.Dir, SANs: []string{"10.9.9.9"}}, io.Discard); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := servedSANs(t, addr, ts.PKI.CA.Cert)
		if strings.Contains(strings.Join(got, ","), "10.9.9.9") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the served certificate still has SANs %v", got)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestNoServingCertRefused(t *testing.T) {
	o := apiserver.DefaultOptions()
	_, err := apiserver.NewServer(o)
	if !errors.Is(err, apiserver.ErrNoServingCert) || !strings.Contains(err.Error(), "--tls-cert-file and --tls-private-key-file are required; make them with `minik8s certs`") {
		t.Fatalf("err = %v", err)
	}
	o.InsecureServing = true
	if _, err := apiserver.NewServer(o); err != nil {
		t.Fatalf("insecure serving: %v", err)
	}
}
