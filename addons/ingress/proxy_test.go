package ingress

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"minik8s/pkg/api"
)

// echoBackend answers with its name, the request's path, Host and
// forwarding headers, and counts the connections it accepted.
type echoBackend struct {
	*httptest.Server
	conns atomic.Int32
}

func newEchoBackend(t *testing.T, name string) *echoBackend {
	t.Helper()
	b := &echoBackend{}
	b.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s host=%s xff=%s xfh=%s xfp=%s ae=%s", name, r.URL.RequestURI(), r.Host,
			r.Header.Get("X-Forwarded-For"), r.Header.Get("X-Forwarded-Host"), r.Header.Get("X-Forwarded-Proto"), r.Header.Get("Accept-Encoding"))
	}))
	b.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			b.conns.Add(1)
		}
	}
	b.Start()
	t.Cleanup(b.Close)
	return b
}

func (b *echoBackend) addr() string { return strings.TrimPrefix(b.URL, "http://") }

// tableTo routes each service name to the listed targets.
func tableTo(ings []*api.Ingress, targets map[string][]string) *Table {
	return BuildTable(ings, func(_ string, s *api.IngressServiceBackend) ([]string, string) {
		if ts, ok := targets[s.Name]; ok && len(ts) > 0 {
			return ts, ""
		}
		return nil, "no ready endpoints"
	})
}

func newTestProxy(t *testing.T) (*Proxy, *httptest.Server) {
	t.Helper()
	p := NewProxy(ProxyConfig{Logf: t.Logf})
	srv := httptest.NewServer(p)
	t.Cleanup(func() {
		srv.Close()
		p.Transport.CloseIdleConnections()
	})
	return p, srv
}

func get(t *testing.T, c *http.Client, url, host string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Host = host
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s (host %s): %v", url, host, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestProxyRoutesAndForwards(t *testing.T) {
	app, api2 := newEchoBackend(t, "app"), newEchoBackend(t, "api")
	ing := testIngress("shop", 0, "", map[string][]testPath{
		"shop.example": {{"/", "Prefix", "app"}, {"/api", "Prefix", "api"}, {"/down", "Prefix", "down"}},
	})
	p, srv := newTestProxy(t)
	p.SetTable(tableTo([]*api.Ingress{ing}, map[string][]string{"app": {app.addr()}, "api": {api2.addr()}}))

	cases := []struct {
		host, path string
		code       int
		body       string
	}{
		{"shop.example", "/", 200, "app / host=shop.example xff=127.0.0.1 xfh=shop.example xfp=http ae="},
		{"shop.example:80", "/api/items?id=3", 200, "api /api/items?id=3 host=shop.example:80 xff=127.0.0.1 xfh=shop.example:80 xfp=http"},
		{"shop.example", "/apix", 200, "app /apix "},
		{"other.example", "/", 404, "default backend - 404"},
		{"shop.example", "/down/x", 503, "503 Service Temporarily Unavailable"},
	}
	// A client that asks for no encoding: the proxy must not add one.
	plain := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, c := range cases {
		code, body := get(t, plain, srv.URL+c.path, c.host)
		if code != c.code || !strings.HasPrefix(body, c.body) {
			t.Errorf("%s%s: %d %q, want %d %q...", c.host, c.path, code, body, c.code, c.body)
		}
	}
	if _, body := get(t, plain, srv.URL+"/", "shop.example"); !strings.HasSuffix(body, " ae=") {
		t.Errorf("the proxy added an Accept-Encoding: %q", body)
	}
	if _, body := get(t, srv.Client(), srv.URL+"/", "shop.example"); !strings.HasSuffix(body, " ae=gzip") {
		t.Errorf("the client's Accept-Encoding was not passed on: %q", body)
	}
}

func TestProxyRoundRobinAndBadGateway(t *testing.T) {
	a, b := newEchoBackend(t, "a"), newEchoBackend(t, "b")
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	ing := testIngress("rr", 0, "", map[string][]testPath{"": {{"/", "Prefix", "web"}, {"/dead", "Prefix", "dead"}}})
	p, srv := newTestProxy(t)
	p.SetTable(tableTo([]*api.Ingress{ing}, map[string][]string{"web": {a.addr(), b.addr()}, "dead": {deadAddr}}))
	seen := map[string]int{}
	for range 10 {
		_, body := get(t, srv.Client(), srv.URL+"/", "x")
		seen[strings.Fields(body)[0]]++
	}
	if seen["a"] != 5 || seen["b"] != 5 {
		t.Errorf("round-robin spread %v, want 5 and 5", seen)
	}
	if code, _ := get(t, srv.Client(), srv.URL+"/dead", "x"); code != http.StatusBadGateway {
		t.Errorf("dead target: %d, want 502", code)
	}
}

// TestProxyKeepAlive: sequential requests reuse one upstream connection,
// and a table swap keeps the client's connection open.
func TestProxyKeepAlive(t *testing.T) {
	one, two := newEchoBackend(t, "one"), newEchoBackend(t, "two")
	ing := testIngress("ka", 0, "", map[string][]testPath{"": {{"/", "Prefix", "web"}}})
	p, srv := newTestProxy(t)
	p.SetTable(tableTo([]*api.Ingress{ing}, map[string][]string{"web": {one.addr()}}))
	client := srv.Client()
	var reused atomic.Int32
	do := func() string {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) {
				if i.Reused {
					reused.Add(1)
				}
			},
		}))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Fields(string(b))[0]
	}
	for range 20 {
		if got := do(); got != "one" {
			t.Fatalf("served by %s", got)
		}
	}
	if n := one.conns.Load(); n != 1 {
		t.Errorf("backend accepted %d connections for 20 sequential requests, want 1 (keep-alive)", n)
	}
	p.SetTable(tableTo([]*api.Ingress{ing}, map[string][]string{"web": {two.addr()}}))
	if got := do(); got != "two" {
		t.Errorf("after the swap served by %s, want two", got)
	}
	if n := reused.Load(); n != 20 {
		t.Errorf("client reused its connection %d times of 20 (the swap must not close it)", n)
	}
}

// TestProxyStreams: a chunk the backend flushes reaches the client before
// the response ends.
func TestProxyStreams(t *testing.T) {
	release := make(chan struct{})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		io.WriteString(w, "second\n")
	}))
	t.Cleanup(backend.Close)
	ing := testIngress("stream", 0, "", map[string][]testPath{"": {{"/", "Prefix", "s"}}})
	p, srv := newTestProxy(t)
	p.SetTable(tableTo([]*api.Ingress{ing}, map[string][]string{"s": {strings.TrimPrefix(backend.URL, "http://")}}))
	resp, err := srv.Client().Get(srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	got := make(chan string, 1)
	go func() {
		line, _ := br.ReadString('\n')
		got <- line
	}()
	select {
	case line := <-got:
		if line != "first\n" {
			t.Errorf("first line %q", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the flushed chunk did not arrive while the response was open")
	}
	close(release)
	rest, _ := io.ReadAll(br)
	if string(rest) != "second\n" {
		t.Errorf("rest %q", rest)
	}
}

// TestProxyWebSocket: an Upgrade request is switched through the proxy and
// bytes flow both ways on the hijacked connection.
func TestProxyWebSocket(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") || !strings.Contains(strings.ToLower(r.Header.Get("Connection")), "upgrade") {
			http.Error(w, "not an upgrade", http.StatusBadRequest)
			return
		}
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		rw.Flush()
		// Echo lines back upper-cased until EOF.
		for {
			line, err := rw.ReadString('\n')
			if err != nil {
				return
			}
			rw.WriteString(strings.ToUpper(line))
			rw.Flush()
		}
	}))
	t.Cleanup(backend.Close)
	ing := testIngress("ws", 0, "", map[string][]testPath{"": {{"/ws", "Prefix", "ws"}}})
	p, srv := newTestProxy(t)
	p.SetTable(tableTo([]*api.Ingress{ing}, map[string][]string{"ws": {strings.TrimPrefix(backend.URL, "http://")}}))

	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprint(conn, "GET /ws HTTP/1.1\r\nHost: chat.example\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d, want 101", resp.StatusCode)
	}
	for _, msg := range []string{"hello\n", "again\n"} {
		io.WriteString(conn, msg)
		line, err := br.ReadString('\n')
		if err != nil || line != strings.ToUpper(msg) {
			t.Fatalf("echo of %q: %q, %v", msg, line, err)
		}
	}
}
