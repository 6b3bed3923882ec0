package compat

// The real clients over TLS: the apiserver serves only HTTPS with a
// cluster PKI made by `minik8s certs` (testserver.StartTLS), and the real
// kubectl, the Python client and our kubectl use a kubeconfig with the CA
// and an embedded client certificate, never --insecure-skip-tls-verify.

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mclient "minik8s/pkg/client"
	"minik8s/pkg/pki"
)

// startTLSCluster is startCluster over HTTPS with the admin's kubeconfig.
func startTLSCluster(t *testing.T) *cluster {
	t.Helper()
	// No token signing: pods need no ServiceAccount here (no
	// controller-manager makes them), so ServiceAccount admission is off.
	ts := testserver.StartTLS(t, func(o *apiserver.Options) { o.ServiceAccountSigningKeyFile = "" })
	return &cluster{ts: ts, kubeconfig: ts.PKI.Kubeconfig(t, "kubernetes-admin", "system:masters")}
}

func TestRealKubectlOverTLS(t *testing.T) {
	need(t, "kubectl")
	c := startTLSCluster(t)
	data, err := os.ReadFile(c.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "insecure-skip-tls-verify") || !strings.Contains(string(data), "server: https://127.0.0.1:") {
		t.Fatalf("kubeconfig:\n%s", data)
	}
	out := c.sameTable(t, "get", "ns")
	mustMatch(t, "get ns", `(?m)^kube-system\s+Active\s+`, out)
	c.ok(t, "", "create", "namespace", "tls-check")
	c.sameOutput(t, "get", "ns", "tls-check", "-o", "name")
	// kubectl version talks to the server over TLS.
	mustMatch(t, "version", `(?m)^Server Version: v1\.`, c.ok(t, "", "version"))
	// config view masks the embedded key material as the real kubectl.
	c.sameOutput(t, "config", "view")
	c.sameOutput(t, "config", "view", "--minify", "-o", "json")
}

// TestWrongCAOverTLS: a kubeconfig whose CA did not sign the serving
// certificate fails with the real kubectl's x509 error, ours the same.
func TestWrongCAOverTLS(t *testing.T) {
	need(t, "kubectl")
	c := startTLSCluster(t)
	other, err := pki.NewCA("other", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(c.kubeconfig)
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if k, _, ok := strings.Cut(l, "certificate-authority-data: "); ok {
			lines[i] = k + "certificate-authority-data: " + base64.StdEncoding.EncodeToString(pki.CertPEM(other.Cert))
		}
	}
	if err := os.WriteFile(c.kubeconfig, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errs, err := c.kubectl(t, "", "get", "ns")
	if exitCode(err) != 1 || !strings.Contains(errs, "x509: certificate signed by unknown authority") {
		t.Fatalf("real kubectl with a wrong CA: %v: %s", err, errs)
	}
	_, oerrs, oerr := c.ours(t, "get", "ns")
	if exitCode(oerr) != 1 || !strings.Contains(oerrs, "x509: certificate signed by unknown authority") {
		t.Fatalf("our kubectl with a wrong CA: %v: %s", oerr, oerrs)
	}
	if strings.TrimSpace(oerrs) != strings.TrimSpace(lastLine(errs)) {
		t.Errorf("error differs:\nreal: %s\nours: %s", errs, oerrs)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

const pythonTLS = `
import sys
from kubernetes import client, config
config.load_kube_config(config_file=sys.argv[1])
cfg = client.Configuration.get_default_copy()
assert cfg.host.startswith("https://"), cfg.host
assert cfg.verify_ssl, "verify_ssl is off"
names = [ns.metadata.name for ns in client.CoreV1Api().list_namespace().items]
assert "kube-system" in names, names
print("python tls: namespaces", " ".join(sorted(names)))
`

func TestPythonClientOverTLS(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		py = need(t, "python3")
	}
	if err := exec.Command(py, "-c", "import kubernetes").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-kubernetes is required in CI: %v", err)
		}
		t.Skipf("python3-kubernetes not installed: %v", err)
	}
	c := startTLSCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c", pythonTLS, c.kubeconfig).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "python tls: namespaces") {
		t.Fatalf("python client over TLS: %v\n%s", err, out)
	}
	// The full python client check (pods: create, watch, delete) over TLS.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel2()
	c.ok(t, "", "create", "namespace", "pytls")
	out, err = exec.CommandContext(ctx2, py, "python_client.py", c.kubeconfig, "pytls").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "python client: all checks passed") {
		t.Fatalf("python_client.py over TLS: %v\n%s", err, out)
	}
}

// TestExecAndPortForwardOverTLS: the streaming paths (exec over
// WebSocket, port-forward over SPDY) through the HTTPS apiserver, the real
// kubectl and ours, with the admin kubeconfig.
func TestExecAndPortForwardOverTLS(t *testing.T) {
	need(t, "kubectl")
	c := startTLSCluster(t)
	_, rt := startFakeKubelet(t, c)
	rt.SetNoNetNS()
	createRunningPod(t, c.adminClient(t), "web")
	for _, real := range []bool{true, false} {
		run := c.ours
		if real {
			run = func(t *testing.T, args ...string) (string, string, error) { return c.kubectl(t, "", args...) }
		}
		out, errs, err := run(t, "exec", "web", "--", "echo", "over", "tls")
		if err != nil || out != "over tls\n" {
			t.Fatalf("exec (real %v): %v %q %q", real, err, out, errs)
		}
		_, errs, err = run(t, "exec", "web", "--", "sh", "-c", "exit 3")
		if exitCode(err) != 3 || errs != "command terminated with exit code 3\n" {
			t.Fatalf("exec exit 3 (real %v): %v %q", real, err, errs)
		}
	}
	// port-forward: the kubelet dials the host's 127.0.0.1 for the pod.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	remote := ln.Addr().(*net.TCPAddr).Port
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "pod says %s", r.URL.Path)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	for _, real := range []bool{true, false} {
		port, out := c.startPortForward(t, real, "--address", "127.0.0.1", "pod/web", ":"+strconv.Itoa(remote))
		code, body := getNoKeepAlive(t, fmt.Sprintf("http://127.0.0.1:%d/tls", port))
		if code != 200 || body != "pod says /tls" {
			t.Fatalf("port-forward (real %v): %d %q\n%s", real, code, body, out.String())
		}
	}
}

// TestProxyOverTLS: `kubectl proxy` (plain HTTP on loopback) forwards to
// the HTTPS apiserver with the kubeconfig's CA and client certificate.
func TestProxyOverTLS(t *testing.T) {
	need(t, "kubectl")
	c := startTLSCluster(t)
	for _, real := range []bool{true, false} {
		addr := c.startProxy(t, real)
		code, body := httpGet(t, "http://"+addr+"/api/v1/namespaces/kube-system")
		if code != 200 || !strings.Contains(body, `"name":"kube-system"`) {
			t.Fatalf("proxy (real %v): %d %s", real, code, body)
		}
	}
}

// adminClient is a client with the cluster's admin identity: the fake
// kubelet's own (system:node:node1) may not create pods on a TLS cluster,
// as the NodeRestriction admission says.
func (c *cluster) adminClient(t *testing.T) *mclient.Client {
	t.Helper()
	cfg := &mclient.Config{Server: c.ts.URL}
	if c.ts.PKI != nil {
		cfg = c.ts.PKI.AdminConfig()
	}
	mc, err := mclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c.ts.PKI != nil {
		// A TLS cluster signs ServiceAccount tokens, so its pods need
		// their ServiceAccount (the controller-manager is not running).
		sa := &api.ServiceAccount{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}, ObjectMeta: api.ObjectMeta{Name: "default"}}
		if _, err := mclient.Typed[*api.ServiceAccount](mc, "default").Create(context.Background(), sa); err != nil && !mclient.IsAlreadyExists(err) {
			t.Fatal(err)
		}
	}
	return mc
}
