package ingress

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"minik8s/pkg/api"
)

// BenchmarkProxy compares requests sent straight to a backend with the
// same requests through the ingress proxy, both on loopback with
// keep-alive clients (the data path's overhead; the lab bench measures it
// between namespaces).
func BenchmarkProxy(b *testing.B) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "hello from the backend\n")
	}))
	defer backend.Close()
	ing := testIngress("bench", 0, "", map[string][]testPath{"shop.example": {{"/", "Prefix", "web"}, {"/api", "Prefix", "api"}}})
	p := NewProxy(ProxyConfig{})
	p.SetTable(tableTo([]*api.Ingress{ing}, map[string][]string{"web": {strings.TrimPrefix(backend.URL, "http://")}}))
	srv := httptest.NewServer(p)
	defer srv.Close()
	defer p.Transport.CloseIdleConnections()

	run := func(b *testing.B, url string) {
		tr := &http.Transport{MaxIdleConnsPerHost: 64}
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				req.Host = "shop.example"
				resp, err := c.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
	}
	b.Run("direct", func(b *testing.B) { run(b, backend.URL+"/") })
	b.Run("ingress", func(b *testing.B) { run(b, srv.URL+"/") })
}
