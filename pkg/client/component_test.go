package client

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"minik8s/pkg/pki"
)

func TestNewForComponent(t *testing.T) {
	ts, ca := tlsServer(t)
	kp, _ := ca.Issue(pki.Client("system:kube-scheduler"), time.Now())
	key, _ := pki.KeyPEM(kp.Key)
	dir := t.TempDir()
	writePEM(t, dir, "ca.crt", pki.CertPEM(ca.Cert))
	writePEM(t, dir, "s.crt", pki.CertPEM(kp.Cert))
	writePEM(t, dir, "s.key", key)
	kc := NewKubeconfig("https://127.0.0.1:1", "")
	kc.Clusters[0].Cluster.CertificateAuthority = "ca.crt"
	kc.Users[0].User = map[string]any{"client-certificate": "s.crt", "client-key": "s.key"}
	data, _ := kc.YAML()
	path := filepath.Join(dir, "scheduler.kubeconfig")
	os.WriteFile(path, data, 0o600)

	// --apiserver at its default: the kubeconfig's server (port 1: refused).
	c, err := NewForComponent(path, DefaultServer, Config{UserAgent: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Server() != "https://127.0.0.1:1" {
		t.Errorf("server %s", c.Server())
	}
	// --apiserver set: it overrides the server, the credentials stay.
	c, err = NewForComponent(path, ts.URL, Config{UserAgent: "x"})
	if err != nil {
		t.Fatal(err)
	}
	body, err := c.Do(context.Background(), http.MethodGet, "/", nil, nil)
	if err != nil || string(body) != `{"cn":"system:kube-scheduler","auth":""}` {
		t.Fatalf("%s %v", body, err)
	}
	// No kubeconfig: --apiserver alone.
	c, err = NewForComponent("", "http://10.0.0.1:6443", Config{})
	if err != nil || c.Server() != "http://10.0.0.1:6443" {
		t.Fatalf("%v %v", c, err)
	}
	if _, err := NewForComponent(filepath.Join(dir, "missing"), DefaultServer, Config{}); err == nil {
		t.Error("a missing kubeconfig was accepted")
	}
}
