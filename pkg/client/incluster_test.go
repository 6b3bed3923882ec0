package client

import (
	"errors"
	"os"
	"testing"
)

func TestInClusterConfig(t *testing.T) {
	files := func(m map[string]string) func(string) ([]byte, error) {
		return func(p string) ([]byte, error) {
			if v, ok := m[p]; ok {
				return []byte(v), nil
			}
			return nil, &os.PathError{Op: "open", Path: p, Err: os.ErrNotExist}
		}
	}
	none := files(nil)
	sa := files(map[string]string{
		"/var/run/secrets/kubernetes.io/serviceaccount/token":     "eyJtoken",
		"/var/run/secrets/kubernetes.io/serviceaccount/ca.crt":    "-----BEGIN CERTIFICATE-----",
		"/var/run/secrets/kubernetes.io/serviceaccount/namespace": "kube-system",
	})
	tokenOnly := files(map[string]string{"/var/run/secrets/kubernetes.io/serviceaccount/token": "eyJtoken"})
	denied := func(p string) ([]byte, error) { return nil, &os.PathError{Op: "open", Path: p, Err: os.ErrPermission} }
	svc := map[string]string{"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
	for _, tc := range []struct {
		desc                    string
		env                     map[string]string
		read                    func(string) ([]byte, error)
		server, ns, caFile, tok string
		tokenFile               string
		err                     error
	}{
		{"a service account: HTTPS with its CA and token", svc, sa, "https://10.96.0.1:443", "kube-system",
			"/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "eyJtoken", "/var/run/secrets/kubernetes.io/serviceaccount/token", nil},
		{"a token without a CA: the system roots", svc, tokenOnly, "https://10.96.0.1:443", "", "", "eyJtoken", "/var/run/secrets/kubernetes.io/serviceaccount/token", nil},
		{"no service account: the plain-HTTP cluster", svc, none, "http://10.96.0.1:443", "", "", "", "", nil},
		{"IPv6", map[string]string{"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"}, sa, "https://[fd00::1]:443", "kube-system",
			"/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "eyJtoken", "/var/run/secrets/kubernetes.io/serviceaccount/token", nil},
		{"POD_NAMESPACE", map[string]string{"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443", "POD_NAMESPACE": "team-a"}, none, "http://10.96.0.1:443", "team-a", "", "", "", nil},
		{"the namespace file wins", map[string]string{"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443", "POD_NAMESPACE": "team-a"}, sa, "https://10.96.0.1:443", "kube-system",
			"/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "eyJtoken", "/var/run/secrets/kubernetes.io/serviceaccount/token", nil},
		{"an unreadable token", svc, denied, "", "", "", "", "", os.ErrPermission},
		{"no port", map[string]string{"KUBERNETES_SERVICE_HOST": "10.96.0.1"}, none, "", "", "", "", "", ErrNotInCluster},
		{"not in a pod", nil, none, "", "", "", "", "", ErrNotInCluster},
	} {
		cfg, err := inClusterConfig(func(k string) string { return tc.env[k] }, tc.read)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: err %v, want %v", tc.desc, err, tc.err)
			continue
		}
		if err == nil && (cfg.Server != tc.server || cfg.Namespace != tc.ns || cfg.Source != "in-cluster" || cfg.TLS.CAFile != tc.caFile ||
			cfg.BearerToken != tc.tok || cfg.BearerTokenFile != tc.tokenFile || cfg.TLS.Insecure) {
			t.Errorf("%s: %+v", tc.desc, cfg)
		}
	}
	if _, err := New(&Config{Server: "http://10.96.0.1:443"}); err != nil {
		t.Errorf("New: %v", err)
	}
}

func TestLoadAddonConfig(t *testing.T) {
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
	t.Setenv("KUBERNETES_SERVICE_PORT", "443")
	cfg, err := LoadAddonConfig(LoadOptions{})
	want := "http://10.96.0.1:443" // this test process has no service account token
	if _, statErr := os.Stat(serviceAccountTokenFile); statErr == nil {
		want = "https://10.96.0.1:443"
	}
	if err != nil || cfg.Server != want {
		t.Fatalf("in a pod: %+v, %v; want the kubernetes Service", cfg, err)
	}
	cfg, err = LoadAddonConfig(LoadOptions{Server: "http://127.0.0.1:6443"})
	if err != nil || cfg.Server != "http://127.0.0.1:6443" {
		t.Fatalf("--server: %+v, %v; want the flag to win", cfg, err)
	}
}
