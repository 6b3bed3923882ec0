package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"minik8s/pkg/api"
)

func TestFailoverStep(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	tests := []struct {
		name string
		a    attempt
		want step
	}{
		{"200 stays", attempt{Method: "GET", Path: "/api/v1/pods", Status: 200, Replayable: true}, step{}},
		{"404 stays", attempt{Method: "GET", Path: "/api/v1/pods/x", Status: 404, Replayable: true}, step{}},
		{"429 stays (the client's retry-after handles it)", attempt{Method: "POST", Status: 429, Replayable: true}, step{}},
		{"500 stays", attempt{Method: "POST", Status: 500, Replayable: true}, step{}},
		{"connection refused: POST resent", attempt{Method: "POST", Err: refused, Replayable: true}, step{MoveOn: true, Retry: true}},
		{"connection refused, body not replayable", attempt{Method: "POST", Err: refused}, step{MoveOn: true}},
		{"dns failure counts as dial", attempt{Method: "PUT", Err: &net.DNSError{Err: "no such host", Name: "x"}, Replayable: true}, step{MoveOn: true, Retry: true}},
		{"reset after sending: GET resent", attempt{Method: "GET", Err: reset, Replayable: true}, step{MoveOn: true, Retry: true}},
		{"reset after sending: POST not resent", attempt{Method: "POST", Err: reset, Replayable: true}, step{MoveOn: true}},
		{"EOF: DELETE not resent", attempt{Method: "DELETE", Err: io.ErrUnexpectedEOF, Replayable: true}, step{MoveOn: true}},
		{"503: moves and resends", attempt{Method: "POST", Path: "/api/v1/namespaces/a/pods", Status: 503, Replayable: true}, step{MoveOn: true, Retry: true}},
		{"503 of a service proxy is the backend's", attempt{Method: "GET", Path: "/api/v1/namespaces/a/services/s/proxy/x", Status: 503, Replayable: true}, step{}},
		{"503 of a pod proxy root", attempt{Method: "GET", Path: "/api/v1/namespaces/a/pods/p/proxy", Status: 503, Replayable: true}, step{}},
		{"caller cancelled", attempt{Method: "GET", Err: fmt.Errorf("x: %w", context.Canceled), Replayable: true}, step{}},
		{"caller deadline", attempt{Method: "GET", Err: context.DeadlineExceeded, Replayable: true}, step{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := failoverStep(tt.a); got != tt.want {
				t.Errorf("failoverStep(%+v) = %+v, want %+v", tt.a, got, tt.want)
			}
		})
	}
}

func TestParseEndpoints(t *testing.T) {
	primary, _ := url.Parse("https://10.0.0.1:6443")
	eps, err := parseEndpoints(primary, []string{"https://10.0.0.1:6443", "10.0.0.2:6443", "https://10.0.0.3:6443/", "https://10.0.0.3:6443"})
	if err == nil || !strings.Contains(err.Error(), `"10.0.0.2:6443": scheme must be https`) {
		t.Fatalf("a bare host:port (http) next to an https server: err %v", err)
	}
	eps, err = parseEndpoints(primary, []string{"https://10.0.0.1:6443", "https://10.0.0.2:6443", "https://10.0.0.3:6443/", "https://10.0.0.3:6443"})
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, u := range eps {
		hosts = append(hosts, u.Host)
	}
	if got := strings.Join(hosts, ","); got != "10.0.0.1:6443,10.0.0.2:6443,10.0.0.3:6443" {
		t.Errorf("endpoints %s, want the primary first and no duplicates", got)
	}
	if _, err := parseEndpoints(primary, []string{"https://"}); err == nil || !strings.Contains(err.Error(), "no host") {
		t.Errorf("an endpoint without a host: err %v", err)
	}
}

// deadServer is the URL of a port nothing listens on.
func deadServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// podServer answers every request with a pod named after the server and
// counts requests by method.
type podServer struct {
	*httptest.Server
	name  string
	posts atomic.Int32
	gets  atomic.Int32
}

func newPodServer(t *testing.T, name string, h func(w http.ResponseWriter, r *http.Request) bool) *podServer {
	t.Helper()
	s := &podServer{name: name}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			s.posts.Add(1)
		} else {
			s.gets.Add(1)
		}
		if h != nil && h(w, r) {
			return
		}
		body, _ := io.ReadAll(r.Body)
		if r.Method == http.MethodPost && !strings.Contains(string(body), `"name":"p"`) {
			http.Error(w, "body lost: "+string(body), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
		}
		fmt.Fprintf(w, `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default","annotations":{"server":%q}}}`, name)
	}))
	t.Cleanup(s.Close)
	return s
}

// servedBy(t)(obj, err) is the name of the server that answered.
func servedBy(t *testing.T) func(api.Object, error) string {
	return func(obj api.Object, err error) string {
		t.Helper()
		if err != nil {
			t.Fatalf("request failed: %v", err)
		}
		return obj.GetObjectMeta().Annotations["server"]
	}
}

func newPod() *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default"}}
}

func TestFailoverMovesOnFromADeadServer(t *testing.T) {
	live := newPodServer(t, "live", nil)
	c, err := New(&Config{Server: deadServer(t), Servers: []string{live.URL}})
	if err != nil {
		t.Fatal(err)
	}
	var logged []string
	c.http.Transport.(*failoverTransport).logf = func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }
	ctx := context.Background()
	pods := podInfo(t)
	// A create to a refused connection was never sent: it is sent to the next.
	if by := servedBy(t)(c.doObject(ctx, pods, http.MethodPost, pods.Path("default", ""), nil, mustEncode(t, newPod()), nil)); by != "live" {
		t.Fatalf("create served by %q, want live", by)
	}
	if len(logged) != 1 || !strings.Contains(logged[0], "switching to "+strings.TrimPrefix(live.URL, "http://")) {
		t.Errorf("log %q, want one switch to the live server", logged)
	}
	// Later requests go straight to the live server (no dial of the dead one).
	for i := 0; i < 3; i++ {
		obj, err := c.Get(ctx, pods, "default", "p")
		if by := servedBy(t)(obj, err); by != "live" {
			t.Fatalf("get served by %q", by)
		}
	}
	if len(logged) != 1 {
		t.Errorf("the client went back to the dead server: %q", logged)
	}
	if live.posts.Load() != 1 || live.gets.Load() != 3 {
		t.Errorf("live server saw %d POSTs, %d GETs; want 1, 3", live.posts.Load(), live.gets.Load())
	}
	// Upgraded connections (exec, attach, port-forward) dial the server
	// requests moved to, not the configured dead one.
	if got := c.CurrentServer(); got != live.URL {
		t.Errorf("CurrentServer %q, want the live %q (Server stays %q)", got, live.URL, c.Server())
	}
}

func TestCurrentServerWithoutFailover(t *testing.T) {
	c, err := New(&Config{Server: "https://10.0.0.1:6443/base"})
	if err != nil {
		t.Fatal(err)
	}
	if c.CurrentServer() != c.Server() || c.Server() != "https://10.0.0.1:6443/base" {
		t.Errorf("one server: CurrentServer %q, Server %q", c.CurrentServer(), c.Server())
	}
	c, err = New(&Config{Server: "https://10.0.0.1:6443/base", Servers: []string{"https://10.0.0.2:6444"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CurrentServer(); got != "https://10.0.0.1:6443/base" {
		t.Errorf("before any failover CurrentServer is the configured server: %q", got)
	}
}

func TestFailoverOn503AndBrokenConnections(t *testing.T) {
	var unavailable atomic.Bool
	unavailable.Store(true)
	var breakNext atomic.Bool
	first := newPodServer(t, "first", func(w http.ResponseWriter, r *http.Request) bool {
		if breakNext.Load() {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close() // the request arrived; no answer comes
			}
			return true
		}
		if unavailable.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	second := newPodServer(t, "second", nil)
	c, err := New(&Config{Server: first.URL, Servers: []string{second.URL}})
	if err != nil {
		t.Fatal(err)
	}
	c.http.Transport.(*failoverTransport).logf = nil
	ctx := context.Background()
	pods := podInfo(t)
	if by := servedBy(t)(c.doObject(ctx, pods, http.MethodPost, pods.Path("default", ""), nil, mustEncode(t, newPod()), nil)); by != "second" {
		t.Fatalf("create after a 503 served by %q, want second (body resent)", by)
	}
	if first.posts.Load() != 1 || second.posts.Load() != 1 {
		t.Errorf("POSTs first %d second %d, want 1 and 1", first.posts.Load(), second.posts.Load())
	}

	// Back on first (second now refuses): a POST whose connection broke
	// after it was sent is not resent (it may have been applied)...
	unavailable.Store(false)
	breakNext.Store(true)
	second.Close()
	c2, _ := New(&Config{Server: first.URL, Servers: []string{second.URL}})
	c2.http.Transport.(*failoverTransport).logf = nil
	_, err = c2.doObject(ctx, pods, http.MethodPost, pods.Path("default", ""), nil, mustEncode(t, newPod()), nil)
	if err == nil {
		t.Fatal("a POST whose connection broke succeeded")
	}
	if first.posts.Load() != 2 {
		t.Errorf("first saw %d POSTs, want 2 (sent once more, not resent)", first.posts.Load())
	}
	// ... and the next request goes to the next endpoint (refused there:
	// then back to first, which works again).
	breakNext.Store(false)
	obj, err := c2.Get(ctx, pods, "default", "p")
	if by := servedBy(t)(obj, err); by != "first" {
		t.Fatalf("get served by %q, want first after the second refused", by)
	}
}

func TestFailoverGivesUpWhenAllFail(t *testing.T) {
	c, err := New(&Config{Server: deadServer(t), Servers: []string{deadServer(t), deadServer(t)}})
	if err != nil {
		t.Fatal(err)
	}
	c.http.Transport.(*failoverTransport).logf = nil
	_, err = c.Get(context.Background(), podInfo(t), "default", "p")
	var op *net.OpError
	if err == nil || !errors.As(err, &op) || op.Op != "dial" {
		t.Fatalf("every server down: err %v, want the dial error", err)
	}
}

func TestKubeconfigEndpointsExtension(t *testing.T) {
	dir := t.TempDir()
	kc := NewKubeconfig("https://10.0.0.1:6443", "")
	kc.Clusters[0].Cluster = kc.Clusters[0].Cluster.WithAPIServerEndpoints([]string{"https://10.0.0.1:6443", "https://10.0.0.2:6443"})
	kc.Clusters[0].Cluster.Extensions = append(kc.Clusters[0].Cluster.Extensions, NamedExtension{Name: "cluster_info", Extension: map[string]any{"provider": "other"}})
	b, err := kc.YAML()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"name: minik8s.io/apiserver-endpoints", "- https://10.0.0.2:6443", "provider: other"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("kubeconfig lacks %q:\n%s", want, b)
		}
	}
	path := filepath.Join(dir, "kc")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(LoadOptions{Kubeconfig: path})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server != "https://10.0.0.1:6443" || strings.Join(cfg.Servers, ",") != "https://10.0.0.1:6443,https://10.0.0.2:6443" {
		t.Errorf("server %s servers %v", cfg.Server, cfg.Servers)
	}
	cfg, err = LoadConfig(LoadOptions{Kubeconfig: path, Server: "https://10.0.0.9:6443"})
	if err != nil || len(cfg.Servers) != 0 {
		t.Errorf("--server keeps a failover list: %v %v", cfg.Servers, err)
	}
	// Removing the list keeps the other extension.
	c := kc.Clusters[0].Cluster.WithAPIServerEndpoints(nil)
	if len(c.Extensions) != 1 || c.Extensions[0].Name != "cluster_info" {
		t.Errorf("extensions after removing the list: %+v", c.Extensions)
	}
	bad := strings.Replace(string(b), "- https://10.0.0.2:6443", "- 7", 1)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(LoadOptions{Kubeconfig: path}); err == nil || !strings.Contains(err.Error(), "server 7 is not a URL") {
		t.Errorf("a bad server in the list: err %v", err)
	}
}

func podInfo(t *testing.T) *api.ResourceInfo {
	t.Helper()
	info, ok := api.ForResource("", "v1", "pods")
	if !ok {
		t.Fatal("no pods resource")
	}
	return info
}

func mustEncode(t *testing.T, obj any) []byte {
	t.Helper()
	b, err := encode(obj)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
