package compat

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"minik8s/apiserver"
	"minik8s/kubectl"
)

// startProxy runs a `kubectl proxy --port=0` (the real one if real, else
// ours in-process) until the test ends and returns its address.
func (c *cluster) startProxy(t *testing.T, real bool) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan struct{})
	if real {
		cmd := exec.CommandContext(ctx, need(t, "kubectl"), "--kubeconfig", c.kubeconfig, "proxy", "--port=0")
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		cmd.Stdout = pw
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { _ = cmd.Wait(); pw.Close(); close(done) }()
	} else {
		cmd := kubectl.NewCommand()
		cmd.SetOut(pw)
		cmd.SetErr(io.Discard)
		cmd.SetArgs([]string{"--kubeconfig", c.kubeconfig, "proxy", "--port=0"})
		go func() { _ = cmd.ExecuteContext(ctx); pw.Close(); close(done) }()
	}
	t.Cleanup(func() {
		cancel()
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		<-done
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "Starting to serve on ")
	if err != nil || !ok {
		t.Fatalf("proxy (real %v) printed %q: %v", real, line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	return addr
}

func httpGet(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestProxyMatchesRealKubectl: pods/proxy and services/proxy reach a pod's
// HTTP server (on a loopback pod IP), directly, through the real kubectl's
// `get --raw` and through `kubectl proxy`, the real one and ours, which
// also refuse exec as kubectl's filter does.
func TestProxyMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startClusterWith(t, func(o *apiserver.Options) { o.ProxyAllowLoopback = true })
	mc, rt := startFakeKubelet(t, c)
	rt.SetPodCIDRPrefix("127.0.0.")
	pod := createRunningPod(t, mc, "web")
	ln, err := net.Listen("tcp", net.JoinHostPort(pod.Status.PodIP, "0"))
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s x=%s", r.Method, r.URL.Path, r.URL.Query().Get("x"))
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })

	svc := fmt.Sprintf(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"web"},"spec":{"selector":{"app":"web"},"ports":[{"port":80,"targetPort":%d}]}}`, port)
	eps := fmt.Sprintf(`{"apiVersion":"v1","kind":"Endpoints","metadata":{"name":"web"},"subsets":[{"addresses":[{"ip":%q}],"ports":[{"port":%d}]}]}`, pod.Status.PodIP, port)
	for _, p := range []struct{ path, body string }{{"services", svc}, {"endpoints", eps}} {
		if _, err := doJSON(c.ts.URL+"/api/v1/namespaces/default/"+p.path, p.body); err != nil {
			t.Fatal(err)
		}
	}
	podPath := fmt.Sprintf("/api/v1/namespaces/default/pods/web:%d/proxy/hello?x=1", port)
	svcPath := "/api/v1/namespaces/default/services/web:80/proxy/hello?x=2"
	if out := c.ok(t, "", "get", "--raw", podPath); out != "GET /hello x=1" {
		t.Fatalf("pods/proxy through kubectl get --raw: %q", out)
	}
	if out := c.ok(t, "", "get", "--raw", svcPath); out != "GET /hello x=2" {
		t.Fatalf("services/proxy through kubectl get --raw: %q", out)
	}
	if code, body := httpGet(t, c.ts.URL+"/api/v1/namespaces/default/services/http:web:/proxy/"); code != 200 || body != "GET / x=" {
		t.Fatalf("services/proxy with scheme: %d %q", code, body)
	}
	_, errs, err := c.kubectl(t, "", "get", "--raw", "/api/v1/namespaces/default/services/web:81/proxy/")
	if err == nil || !strings.Contains(errs, `no service port 81 found for service \"web\"`) && !strings.Contains(errs, `no service port 81 found for service "web"`) {
		t.Fatalf("unknown service port: %v %s", err, errs)
	}

	for _, real := range []bool{true, false} {
		addr := c.startProxy(t, real)
		if code, body := httpGet(t, "http://"+addr+svcPath); code != 200 || body != "GET /hello x=2" {
			t.Fatalf("kubectl proxy (real %v): %d %q", real, code, body)
		}
		if code, body := httpGet(t, "http://"+addr+"/api/v1/namespaces/default/pods/web/exec?command=ls"); code != 403 || body != "Forbidden\n" {
			t.Fatalf("kubectl proxy (real %v) exec: %d %q", real, code, body)
		}
	}
}
