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
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/kubectl"
)

// lockedBuffer collects a process's output while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startPortForward runs `kubectl port-forward` (the real one or ours)
// until the test ends; it returns the local port of the first
// "Forwarding from" line and the output so far.
func (c *cluster) startPortForward(t *testing.T, real bool, args ...string) (int, *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan struct{})
	errb := &lockedBuffer{}
	full := append([]string{"--kubeconfig", c.kubeconfig, "port-forward"}, args...)
	if real {
		cmd := exec.CommandContext(ctx, need(t, "kubectl"), full...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		cmd.Stdout, cmd.Stderr = pw, errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { _ = cmd.Wait(); pw.Close(); close(done) }()
	} else {
		cmd := kubectl.NewCommand()
		cmd.SetOut(pw)
		cmd.SetErr(errb)
		cmd.SetArgs(full)
		go func() { _ = cmd.ExecuteContext(ctx); pw.Close(); close(done) }()
	}
	t.Cleanup(func() { cancel(); <-done })
	rd := bufio.NewReader(pr)
	line, err := rd.ReadString('\n')
	m := regexp.MustCompile(`^Forwarding from 127\.0\.0\.1:(\d+) -> \d+\n$`).FindStringSubmatch(line)
	if err != nil || m == nil {
		t.Fatalf("port-forward (real %v) printed %q, stderr %q: %v", real, line, errb.String(), err)
	}
	out := &lockedBuffer{}
	out.Write([]byte(line))
	go func() { _, _ = io.Copy(out, rd) }()
	port, _ := strconv.Atoi(m[1])
	return port, out
}

// TestPortForwardMatchesRealKubectl: `kubectl port-forward` (the real one,
// which tries a WebSocket tunnel and falls back to SPDY, and ours) reaches
// a pod's server through the apiserver and the kubelet's SPDY
// portforward endpoint, for pod/NAME and svc/NAME targets.
func TestPortForwardMatchesRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	mc, rt := startFakeKubelet(t, c)
	rt.SetNoNetNS()
	createRunningPod(t, mc, "web")
	// The fake's pods have no network namespace: the kubelet dials the
	// host's 127.0.0.1, where this server plays the pod's.
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
	// A service whose port 80 targets the pod's port, selecting the pod.
	svc := fmt.Sprintf(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"websvc"},"spec":{"selector":{"run":"web"},"ports":[{"port":80,"targetPort":%d}]}}`, remote)
	if _, err := doJSON(c.ts.URL+"/api/v1/namespaces/default/services", svc); err != nil {
		t.Fatal(err)
	}
	patch(t, c.ts.URL+"/api/v1/namespaces/default/pods/web", `{"metadata":{"labels":{"run":"web"}}}`)

	for _, real := range []bool{true, false} {
		for _, target := range []struct{ obj, port string }{{"pod/web", strconv.Itoa(remote)}, {"svc/websvc", "80"}} {
			port, out := c.startPortForward(t, real, "--address", "127.0.0.1", target.obj, ":"+target.port)
			for i := 0; i < 2; i++ {
				code, body := getNoKeepAlive(t, fmt.Sprintf("http://127.0.0.1:%d/x%d", port, i))
				if code != 200 || body != fmt.Sprintf("pod says /x%d", i) {
					t.Fatalf("port-forward (real %v) %s: %d %q\n%s", real, target.obj, code, body, out.String())
				}
			}
			want := fmt.Sprintf("Forwarding from 127.0.0.1:%d -> %d\nHandling connection for %d\nHandling connection for %d\n", port, remote, port, port)
			if got := waitOutput(out, want); got != want {
				t.Fatalf("port-forward (real %v) printed %q, want %q", real, got, want)
			}
		}
	}
}

// getNoKeepAlive GETs over a new connection each time.
func getNoKeepAlive(t *testing.T, u string) (int, string) {
	t.Helper()
	cl := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	resp, err := cl.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitOutput(b *lockedBuffer, want string) string {
	for i := 0; i < 50 && b.String() != want; i++ {
		time.Sleep(100 * time.Millisecond)
	}
	return b.String()
}

func patch(t *testing.T, u, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPatch, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/merge-patch+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PATCH %s: %d %s", u, resp.StatusCode, b)
	}
}
