package testserver

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/pkg/certs"
	"minik8s/pkg/client"
	"minik8s/pkg/pki"
)

// PKI is a test cluster's PKI, made by `minik8s certs` into Dir (the state
// directory: Dir/pki/ca.crt, Dir/admin.kubeconfig, ...).
type PKI struct {
	Dir    string
	CA     *pki.KeyPair
	Server string // the apiserver's https:// URL

	mu     sync.Mutex
	issued map[string]*pki.KeyPair // user+groups → pair, one per test server
}

// StartTLS starts a server that serves only HTTPS with a new PKI (CA,
// serving certificate for 127.0.0.1 and localhost, ServiceAccount keys,
// --client-ca-file) made in a temporary directory. configure may change
// the options after the TLS ones are set.
func StartTLS(t testing.TB, configure func(*apiserver.Options)) *TestServer {
	t.Helper()
	return StartTLSWithPKI(t, NewPKI(t, certs.Options{}), configure)
}

// StartTLSWithPKI is StartTLS with a PKI the caller made (e.g. with node
// certificates and a lab address: NewPKI).
func StartTLSWithPKI(t testing.TB, p *PKI, configure func(*apiserver.Options)) *TestServer {
	t.Helper()
	return StartWithOptions(t, func(o *apiserver.Options) {
		o.InsecureServing = false
		p.Apply(o)
		if configure != nil {
			configure(o)
		}
	}).withPKI(p)
}

func (ts *TestServer) withPKI(p *PKI) *TestServer {
	ts.PKI, p.Server = p, ts.URL
	return ts
}

// NewPKI makes a cluster PKI with `minik8s certs` o (its StateDir: a
// temporary directory unless set). The kubeconfigs it writes name port
// 6443 unless o.Port: components take --apiserver as well.
func NewPKI(t testing.TB, o certs.Options) *PKI {
	t.Helper()
	if o.StateDir == "" {
		o.StateDir = t.TempDir()
	}
	dir := o.StateDir
	if err := certs.Apply(o, io.Discard); err != nil {
		t.Fatalf("making the test PKI: %v", err)
	}
	ca, err := pki.Load(certs.PKIDir(dir), "ca")
	if err != nil {
		t.Fatalf("loading the test CA: %v", err)
	}
	return &PKI{Dir: dir, CA: ca, issued: map[string]*pki.KeyPair{}}
}

// File is a path under the PKI directory, e.g. File("ca.crt").
func (p *PKI) File(name string) string { return filepath.Join(certs.PKIDir(p.Dir), name) }

// CAFile is the CA certificate's path.
func (p *PKI) CAFile() string { return p.File("ca.crt") }

// Apply sets the apiserver's TLS, client CA, ServiceAccount key and
// kubelet client options to this PKI's files, as scripts/up.sh does.
func (p *PKI) Apply(o *apiserver.Options) {
	o.TLSCertFile, o.TLSPrivateKeyFile = p.File("apiserver.crt"), p.File("apiserver.key")
	o.ClientCAFile = p.CAFile()
	o.ServiceAccountKeyFiles = []string{p.File(pki.ServiceAccountPublic)}
	o.ServiceAccountSigningKeyFile = p.File(pki.ServiceAccountKey)
	o.KubeletClientCertificate, o.KubeletClientKey = p.File("apiserver-kubelet-client.crt"), p.File("apiserver-kubelet-client.key")
	o.KubeletCertificateAuthority = p.CAFile()
}

// Issue returns a client certificate pair (CN user, O groups) signed by
// the CA; the same pair for the same identity.
func (p *PKI) Issue(t testing.TB, user string, groups ...string) *pki.KeyPair {
	t.Helper()
	key := user + "\x00" + strings.Join(groups, "\x00")
	p.mu.Lock()
	defer p.mu.Unlock()
	if kp := p.issued[key]; kp != nil {
		return kp
	}
	kp, err := p.CA.Issue(pki.Client(user, groups...), time.Now())
	if err != nil {
		t.Fatalf("issuing a client certificate for %s: %v", user, err)
	}
	p.issued[key] = kp
	return kp
}

// IssueServing returns a serving certificate for the given IPs (and
// DNS names), e.g. a test kubelet's.
func (p *PKI) IssueServing(t testing.TB, cn string, ips []net.IP, dnsNames ...string) *pki.KeyPair {
	t.Helper()
	kp, err := p.CA.Issue(pki.Server(cn, dnsNames, ips), time.Now())
	if err != nil {
		t.Fatalf("issuing a serving certificate for %s: %v", cn, err)
	}
	return kp
}

// ClientConfig is a client configuration for the server that
// authenticates as user in groups with a client certificate.
func (p *PKI) ClientConfig(t testing.TB, user string, groups ...string) *client.Config {
	t.Helper()
	kp := p.Issue(t, user, groups...)
	key, err := pki.KeyPEM(kp.Key)
	if err != nil {
		t.Fatal(err)
	}
	return &client.Config{
		Server: p.Server, Timeout: 30 * time.Second, Source: "testserver",
		TLS: client.TLSConfig{CAData: pki.CertPEM(p.CA.Cert), CertData: pki.CertPEM(kp.Cert), KeyData: key},
	}
}

// AdminConfig is the cluster admin's client configuration
// (kubernetes-admin in system:masters, from Dir/admin.kubeconfig).
func (p *PKI) AdminConfig() *client.Config {
	cfg, err := client.LoadConfig(client.LoadOptions{Kubeconfig: p.AdminKubeconfig(), Server: p.Server})
	if err != nil {
		panic("testserver: loading the admin kubeconfig: " + err.Error())
	}
	cfg.Timeout = 30 * time.Second
	return cfg
}

// AdminKubeconfig is the admin kubeconfig's path. Its server is
// https://127.0.0.1:6443: pass --server (or use Kubeconfig) for the test
// server's port.
func (p *PKI) AdminKubeconfig() string { return filepath.Join(p.Dir, "admin.kubeconfig") }

// Kubeconfig writes a kubeconfig file for the server that authenticates
// as user in groups with an embedded client certificate, and returns its
// path (for the real kubectl and the Python client).
func (p *PKI) Kubeconfig(t testing.TB, user string, groups ...string) string {
	t.Helper()
	data, err := certs.Kubeconfig(p.Server, user, p.CA, p.Issue(t, user, groups...))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(t.TempDir(), "kubeconfig-*")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := pki.WriteFile(f.Name(), data); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}
