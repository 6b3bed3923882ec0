package certs

import (
	"bytes"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/client"
	"minik8s/pkg/pki"
)

func labOptions(dir string) Options {
	return Options{
		StateDir:         dir,
		AdvertiseAddress: net.ParseIP("192.168.77.1"),
		SANs:             []string{"10.0.0.5", "api.example"},
		Nodes:            []Node{{"n1", net.ParseIP("192.168.77.11")}, {"n2", net.ParseIP("192.168.77.12")}},
	}
}

func TestApplyLayoutAndCertificates(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := Apply(labOptions(dir), &out); err != nil {
		t.Fatal(err)
	}
	p := PKIDir(dir)
	ca, err := pki.Load(p, "ca")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	load := func(name string) *x509.Certificate {
		t.Helper()
		kp, err := pki.Load(p, name)
		if err != nil {
			t.Fatal(err)
		}
		return kp.Cert
	}
	// Serving certificates: every name a client uses verifies.
	serving := map[string][]string{
		"apiserver":        {"127.0.0.1", "192.168.77.1", "10.96.0.1", "10.0.0.5", "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "api.example"},
		"etcd/server":      {"localhost", "127.0.0.1"},
		"nodes/n1/kubelet": {"n1", "192.168.77.11"},
		"nodes/n2/kubelet": {"n2", "192.168.77.12"},
	}
	for name, hosts := range serving {
		c := load(name)
		for _, h := range hosts {
			if _, err := c.Verify(x509.VerifyOptions{DNSName: h, Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
				t.Errorf("%s for %s: %v", name, h, err)
			}
		}
	}
	if _, err := load("nodes/n1/kubelet").Verify(x509.VerifyOptions{DNSName: "192.168.77.12", Roots: pool}); err == nil {
		t.Error("n1's kubelet certificate is valid for n2's address")
	}
	// Client certificates: CN user, O groups, client auth only.
	clients := map[string][2]string{
		"apiserver-kubelet-client": {"kube-apiserver-kubelet-client", "system:masters"},
		"apiserver-etcd-client":    {"kube-apiserver-etcd-client", ""},
		"admin":                    {"kubernetes-admin", "system:masters"},
		"controller-manager":       {"system:kube-controller-manager", ""},
		"scheduler":                {"system:kube-scheduler", ""},
		"kube-proxy":               {"system:kube-proxy", ""},
		"nodes/n1/kubelet-client":  {"system:node:n1", "system:nodes"},
		"nodes/n2/kubelet-client":  {"system:node:n2", "system:nodes"},
	}
	for name, want := range clients {
		c := load(name)
		if c.Subject.CommonName != want[0] || strings.Join(c.Subject.Organization, ",") != want[1] {
			t.Errorf("%s: CN=%q O=%v, want %v", name, c.Subject.CommonName, c.Subject.Organization, want)
		}
		if !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) {
			t.Errorf("%s: usages %v", name, c.ExtKeyUsage)
		}
		if _, err := c.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Every file 0600, every directory 0700.
	err = filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || path == dir {
			return err
		}
		want := os.FileMode(0o600)
		if info.IsDir() {
			want = 0o700
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", path, info.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"pki/sa.key", "pki/sa.pub", "admin.kubeconfig", "controller-manager.kubeconfig", "scheduler.kubeconfig", "kube-proxy.kubeconfig", "nodes/n1/kubelet.kubeconfig", "nodes/n2/kubelet.kubeconfig"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestKubeconfigsLoad(t *testing.T) {
	dir := t.TempDir()
	if err := Apply(labOptions(dir), &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ file, server, user string }{
		{"admin.kubeconfig", "https://127.0.0.1:6443", "kubernetes-admin"},
		{"scheduler.kubeconfig", "https://127.0.0.1:6443", "system:kube-scheduler"},
		{"kube-proxy.kubeconfig", "https://192.168.77.1:6443", "system:kube-proxy"},
		{"nodes/n2/kubelet.kubeconfig", "https://192.168.77.1:6443", "system:node:n2"},
	}
	for _, tt := range tests {
		cfg, err := client.LoadConfig(client.LoadOptions{Kubeconfig: filepath.Join(dir, tt.file)})
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if cfg.Server != tt.server {
			t.Errorf("%s: server %q, want %q", tt.file, cfg.Server, tt.server)
		}
		tc, err := cfg.TLS.ClientConfig()
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if tc.RootCAs == nil || len(tc.Certificates) != 1 {
			t.Fatalf("%s: no CA or client certificate", tt.file)
		}
		leaf, _ := x509.ParseCertificate(tc.Certificates[0].Certificate[0])
		if leaf.Subject.CommonName != tt.user {
			t.Errorf("%s: CN %q, want %q", tt.file, leaf.Subject.CommonName, tt.user)
		}
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(path)
			m[path] = string(b)
		}
		return nil
	})
	return m
}

func TestApplyIdempotentAndRenewal(t *testing.T) {
	dir := t.TempDir()
	o := labOptions(dir)
	if err := Apply(o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	var out bytes.Buffer
	if err := Apply(o, &out); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, dir); !mapsEqual(before, after) {
		t.Errorf("a second run changed files:\n%s", out.String())
	}
	if strings.Contains(out.String(), "Generating") {
		t.Errorf("a second run generated something:\n%s", out.String())
	}

	// A new node and a new SAN: only those certificates change.
	o.Nodes = append(o.Nodes, Node{"n3", net.ParseIP("192.168.77.13")})
	o.SANs = append(o.SANs, "10.0.0.6")
	out.Reset()
	if err := Apply(o, &out); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, dir)
	changed := diffKeys(before, after, dir)
	want := []string{"nodes/n3/kubelet-client.crt", "nodes/n3/kubelet-client.key", "nodes/n3/kubelet.crt", "nodes/n3/kubelet.key", "nodes/n3/kubelet.kubeconfig", "pki/apiserver.crt", "pki/apiserver.key"}
	for i, w := range want {
		if strings.HasPrefix(w, "nodes/n3/kubelet.") || strings.HasPrefix(w, "nodes/n3/kubelet-") {
			if !strings.HasSuffix(w, ".kubeconfig") {
				want[i] = "pki/" + w
			}
		}
	}
	slices.Sort(want)
	if !slices.Equal(changed, want) {
		t.Errorf("changed %v, want %v", changed, want)
	}

	// --renew reissues every leaf, keeps the CA and the SA keys, and the
	// kubeconfigs follow.
	o.Renew = true
	if err := Apply(o, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	renewed := snapshot(t, dir)
	for _, keep := range []string{"pki/ca.crt", "pki/ca.key", "pki/sa.key", "pki/sa.pub"} {
		if renewed[filepath.Join(dir, keep)] != after[filepath.Join(dir, keep)] {
			t.Errorf("--renew changed %s", keep)
		}
	}
	for _, ch := range []string{"pki/admin.crt", "admin.kubeconfig", "pki/nodes/n1/kubelet.crt", "nodes/n1/kubelet.kubeconfig"} {
		if renewed[filepath.Join(dir, ch)] == after[filepath.Join(dir, ch)] {
			t.Errorf("--renew kept %s", ch)
		}
	}

	// A leaf due within 30 days is renewed without --renew.
	o.Renew = false
	o.Now = func() time.Time { return time.Now().Add(pki.LeafValidity - 10*24*time.Hour) }
	out.Reset()
	if err := Apply(o, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `Renewing "admin" certificate and key (expires within 30 days)`) {
		t.Errorf("no renewal of an expiring leaf:\n%s", out.String())
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func diffKeys(a, b map[string]string, dir string) []string {
	var out []string
	for k, v := range b {
		if a[k] != v {
			rel, _ := filepath.Rel(dir, k)
			out = append(out, rel)
		}
	}
	slices.Sort(out)
	return out
}

func TestCheckExpiration(t *testing.T) {
	dir := t.TempDir()
	if err := Apply(Options{StateDir: dir, Nodes: []Node{{"n1", net.ParseIP("10.1.1.1")}}}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := CheckExpiration(dir, time.Now(), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(out.String(), "\n")
	if !strings.HasPrefix(lines[0], "CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED") {
		t.Errorf("header %q", lines[0])
	}
	for _, name := range []string{"admin ", "apiserver ", "etcd/server ", "nodes/n1/kubelet-client "} {
		if !strings.Contains(out.String(), "\n"+name) {
			t.Errorf("no row for %s:\n%s", name, out.String())
		}
	}
	if !strings.Contains(out.String(), "364d            ca                      no") || !strings.Contains(out.String(), "\nca                      ") || !strings.Contains(out.String(), "9y              no") {
		t.Errorf("residual times:\n%s", out.String())
	}
	if err := CheckExpiration(t.TempDir(), time.Now(), &out); err == nil || !strings.Contains(err.Error(), "minik8s certs") {
		t.Errorf("no PKI: %v", err)
	}
}

func TestParseNodes(t *testing.T) {
	got, err := ParseNodes([]string{"a=10.0.0.1", "b=fd00::2"})
	if err != nil || len(got) != 2 || got[1].IP.String() != "fd00::2" {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"a", "=10.0.0.1", "a=not-ip"} {
		if _, err := ParseNodes([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// HA: every kubeconfig lists the other apiservers (":PORT" on its own
// server's host, or HOST:PORT) for client failover; the etcd serving and
// peer certificates carry the members' addresses; a later run without
// endpoints writes the single-server kubeconfigs back.
func TestHAEndpointsAndEtcdSANs(t *testing.T) {
	dir := t.TempDir()
	o := labOptions(dir)
	o.Endpoints = []string{":6444", ":6445", "10.0.0.2:6443"}
	o.EtcdSANs = []string{"10.0.0.2", "etcd2.example"}
	var out bytes.Buffer
	if err := Apply(o, &out); err != nil {
		t.Fatal(err)
	}
	servers := map[string]string{
		"admin.kubeconfig":            "https://127.0.0.1:6443,https://127.0.0.1:6444,https://127.0.0.1:6445,https://10.0.0.2:6443",
		"nodes/n1/kubelet.kubeconfig": "https://192.168.77.1:6443,https://192.168.77.1:6444,https://192.168.77.1:6445,https://10.0.0.2:6443",
		"kube-proxy.kubeconfig":       "https://192.168.77.1:6443,https://192.168.77.1:6444,https://192.168.77.1:6445,https://10.0.0.2:6443",
	}
	for f, want := range servers {
		cfg, err := client.LoadConfig(client.LoadOptions{Kubeconfig: filepath.Join(dir, f)})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(cfg.Servers, ","); got != want {
			t.Errorf("%s: servers %s, want %s", f, got, want)
		}
	}
	ca, err := pki.Load(PKIDir(dir), "ca")
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	for _, name := range []string{"etcd/server", "etcd/peer"} {
		kp, err := pki.Load(PKIDir(dir), name)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"127.0.0.1", "localhost", "10.0.0.2", "etcd2.example"} {
			for _, u := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
				if _, err := kp.Cert.Verify(x509.VerifyOptions{DNSName: h, Roots: pool, KeyUsages: []x509.ExtKeyUsage{u}}); err != nil {
					t.Errorf("%s for %s (usage %v): %v", name, h, u, err)
				}
			}
		}
	}
	// Back to one apiserver: the lists go away.
	o.Endpoints = nil
	out.Reset()
	if err := Apply(o, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `Writing "`+filepath.Join(dir, "admin.kubeconfig")) {
		t.Errorf("admin.kubeconfig not rewritten:\n%s", out.String())
	}
	cfg, err := client.LoadConfig(client.LoadOptions{Kubeconfig: filepath.Join(dir, "admin.kubeconfig")})
	if err != nil || len(cfg.Servers) != 0 {
		t.Errorf("after a run without endpoints: servers %v, %v", cfg.Servers, err)
	}
}

func TestValidateEndpoints(t *testing.T) {
	for _, ok := range []string{":6444", "10.0.0.2:6443", "https://cp2.example:6443", "[fd00::2]:6443"} {
		if err := ValidateEndpoints([]string{ok}); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"10.0.0.2", ":0", ":http", "a/b:1", "10.0.0.2:70000"} {
		err := ValidateEndpoints([]string{bad})
		if err == nil || !strings.Contains(err.Error(), "want HOST:PORT or :PORT") {
			t.Errorf("%q: err %v", bad, err)
		}
	}
}
