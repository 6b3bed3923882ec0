package client

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeKubeconfig(t *testing.T, dir, name, server, ns string) string {
	t.Helper()
	b, err := NewKubeconfig(server, ns).YAML()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	flagFile := writeKubeconfig(t, dir, "flag.yaml", "http://flag:1", "ns-flag")
	envFile := writeKubeconfig(t, dir, "env.yaml", "http://env:2", "")
	home := filepath.Join(dir, "home")
	writeKubeconfig(t, home, ".kube/config", "http://home:3", "ns-home")
	sys := writeKubeconfig(t, dir, "sys/admin.kubeconfig", "127.0.0.1:4", "")
	emptyHome := filepath.Join(dir, "nohome")
	missing := filepath.Join(dir, "missing")

	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "KUBECONFIG" {
				return v
			}
			return ""
		}
	}
	tests := []struct {
		name       string
		o          LoadOptions
		wantServer string
		wantNS     string
		wantErr    string
	}{
		{"server flag wins, namespace from kubeconfig", LoadOptions{Server: "http://explicit:9", Kubeconfig: flagFile, Getenv: env(envFile), Home: home, SystemPath: sys}, "http://explicit:9", "ns-flag", ""},
		{"kubeconfig flag over env", LoadOptions{Kubeconfig: flagFile, Getenv: env(envFile), Home: home, SystemPath: sys}, "http://flag:1", "ns-flag", ""},
		{"env over home", LoadOptions{Getenv: env(envFile), Home: home, SystemPath: sys}, "http://env:2", "", ""},
		{"env list takes first existing", LoadOptions{Getenv: env(missing + string(os.PathListSeparator) + envFile), Home: home, SystemPath: sys}, "http://env:2", "", ""},
		{"home over system", LoadOptions{Getenv: env(""), Home: home, SystemPath: sys}, "http://home:3", "ns-home", ""},
		{"system file, scheme added", LoadOptions{Getenv: env(""), Home: emptyHome, SystemPath: sys}, "http://127.0.0.1:4", "", ""},
		{"default", LoadOptions{Getenv: env(""), Home: emptyHome, SystemPath: missing}, DefaultServer, "", ""},
		{"missing explicit kubeconfig fails", LoadOptions{Kubeconfig: missing, Getenv: env(""), Home: home, SystemPath: sys}, "", "", "no such file"},
		{"missing KUBECONFIG fails", LoadOptions{Getenv: env(missing), Home: home, SystemPath: sys}, "", "", "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(tt.o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Server != tt.wantServer || cfg.Namespace != tt.wantNS {
				t.Fatalf("got server %q ns %q, want %q %q", cfg.Server, cfg.Namespace, tt.wantServer, tt.wantNS)
			}
		})
	}
}

func TestParseKubeconfig(t *testing.T) {
	const real = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: LS0t
    server: https://192.168.1.10:6443
  name: kubernetes
- cluster:
    server: http://other:6443
  name: other
contexts:
- context:
    cluster: kubernetes
    user: kubernetes-admin
    namespace: lab
  name: kubernetes-admin@kubernetes
current-context: kubernetes-admin@kubernetes
preferences: {}
users:
- name: kubernetes-admin
  user:
    client-certificate-data: LS0t
`
	kc, err := ParseKubeconfig([]byte(real))
	if err != nil {
		t.Fatal(err)
	}
	server, ns, err := kc.Current()
	if err != nil {
		t.Fatal(err)
	}
	if server != "https://192.168.1.10:6443" || ns != "lab" {
		t.Fatalf("got %q %q", server, ns)
	}
	if kc.Users[0].User["client-certificate-data"] != "LS0t" {
		t.Fatalf("user fields not kept: %v", kc.Users[0].User)
	}

	kc.CurrentContext = "nope"
	if _, _, err := kc.Current(); err == nil || !strings.Contains(err.Error(), `"nope" not found`) {
		t.Fatalf("err = %v", err)
	}
	if _, err := ParseKubeconfig([]byte("kind: Pod\n")); err == nil {
		t.Fatal("kind Pod accepted")
	}
}

func TestNewKubeconfigRoundTrip(t *testing.T) {
	b, err := NewKubeconfig("http://127.0.0.1:6443", "").YAML()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"apiVersion: v1", "kind: Config", "current-context: minik8s", "server: http://127.0.0.1:6443", "- name: admin\n  user: {}"} {
		if !strings.Contains(s, want) {
			t.Errorf("kubeconfig lacks %q:\n%s", want, s)
		}
	}
	kc, err := ParseKubeconfig(b)
	if err != nil {
		t.Fatal(err)
	}
	if server, _, err := kc.Current(); err != nil || server != "http://127.0.0.1:6443" {
		t.Fatalf("round trip: %q %v", server, err)
	}
}
