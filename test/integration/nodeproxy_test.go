package integration

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"minik8s/apiserver/testserver"
)

// TestNodeProxy: /api/v1/nodes/{name}/proxy/{path} reaches the node's
// kubelet (InternalIP, daemon endpoint port) with the path and query, for
// GET and POST, and the caller's Authorization header stays at the
// apiserver; a node without InternalIP is a 400, an unknown node a 404.
func TestNodeProxy(t *testing.T) {
	kubelet := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s?%s auth=%q body=%s", r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), b)
	}))
	defer kubelet.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(kubelet.URL, "http://"))
	ts := testserver.Start(t)
	mustDo(t, 201, "POST", ts.URL+"/api/v1/nodes", "application/json",
		`{"metadata":{"name":"n1"},"status":{"addresses":[{"type":"InternalIP","address":"127.0.0.1"}],"daemonEndpoints":{"kubeletEndpoint":{"Port":`+port+`}}}}`)
	mustDo(t, 201, "POST", ts.URL+"/api/v1/nodes", "application/json", `{"metadata":{"name":"n2"}}`)

	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/nodes/n1/proxy/netinfo?x=1", nil)
	req.Header.Set("Authorization", "Bearer secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `GET /netinfo?x=1 auth="" body=`; resp.StatusCode != 200 || string(b) != want {
		t.Errorf("GET: %d %q, want %q", resp.StatusCode, b, want)
	}
	if b := mustDo(t, 200, "POST", ts.URL+"/api/v1/nodes/n1/proxy/netinfo/probe", "application/json", `{"ip":"10.0.0.1"}`); string(b) != `POST /netinfo/probe? auth="" body={"ip":"10.0.0.1"}` {
		t.Errorf("POST: %q", b)
	}
	if code, b := do(t, "GET", ts.URL+"/api/v1/nodes/n2/proxy/netinfo", "", ""); code != 400 || !strings.Contains(string(b), "node n2 has no InternalIP") {
		t.Errorf("no InternalIP: %d %s", code, b)
	}
	if code, b := do(t, "GET", ts.URL+"/api/v1/nodes/n3/proxy/netinfo", "", ""); code != 404 || !strings.Contains(string(b), `nodes \"n3\" not found`) {
		t.Errorf("unknown node: %d %s", code, b)
	}
}
