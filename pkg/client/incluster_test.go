package client

import (
	"errors"
	"os"
	"testing"
)

func TestInClusterConfig(t *testing.T) {
	noFile := func(string) ([]byte, error) { return nil, os.ErrNotExist }
	nsFile := func(p string) ([]byte, error) {
		if p != serviceAccountNamespaceFile {
			t.Errorf("read %s", p)
		}
		return []byte("kube-system"), nil
	}
	for _, tc := range []struct {
		desc       string
		env        map[string]string
		read       func(string) ([]byte, error)
		server, ns string
		err        error
	}{
		{"the kubernetes Service", map[string]string{"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}, noFile, "http://10.96.0.1:443", "", nil},
		{"IPv6", map[string]string{"KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"}, noFile, "http://[fd00::1]:443", "", nil},
		{"POD_NAMESPACE", map[string]string{"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443", "POD_NAMESPACE": "team-a"}, noFile, "http://10.96.0.1:443", "team-a", nil},
		{"service account namespace file wins", map[string]string{"KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443", "POD_NAMESPACE": "team-a"}, nsFile, "http://10.96.0.1:443", "kube-system", nil},
		{"no port", map[string]string{"KUBERNETES_SERVICE_HOST": "10.96.0.1"}, noFile, "", "", ErrNotInCluster},
		{"not in a pod", nil, noFile, "", "", ErrNotInCluster},
	} {
		cfg, err := inClusterConfig(func(k string) string { return tc.env[k] }, tc.read)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: err %v, want %v", tc.desc, err, tc.err)
			continue
		}
		if err == nil && (cfg.Server != tc.server || cfg.Namespace != tc.ns || cfg.Source != "in-cluster") {
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
	if err != nil || cfg.Server != "http://10.96.0.1:443" {
		t.Fatalf("in a pod: %+v, %v; want the kubernetes Service", cfg, err)
	}
	cfg, err = LoadAddonConfig(LoadOptions{Server: "http://127.0.0.1:6443"})
	if err != nil || cfg.Server != "http://127.0.0.1:6443" {
		t.Fatalf("--server: %+v, %v; want the flag to win", cfg, err)
	}
}
