package apiserver

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRouter(t *testing.T) {
	tests := []struct {
		method, path            string
		ok                      bool
		resource, ns, name, sub string
	}{
		{"GET", "/api/v1/pods", true, "pods", "", "", ""},
		{"GET", "/api/v1/pods/", true, "pods", "", "", ""},
		{"GET", "/api/v1/namespaces/default/pods", true, "pods", "default", "", ""},
		{"POST", "/api/v1/namespaces/default/pods", true, "pods", "default", "", ""},
		{"GET", "/api/v1/namespaces/default/pods/web", true, "pods", "default", "web", ""},
		{"PUT", "/api/v1/namespaces/default/pods/web/status", true, "pods", "default", "web", "status"},
		{"POST", "/api/v1/namespaces/default/pods/web/binding", true, "pods", "default", "web", "binding"},
		{"GET", "/api/v1/namespaces/default/pods/web/log", true, "pods", "default", "web", "log"},
		{"POST", "/api/v1/namespaces/default/pods/web/exec", true, "pods", "default", "web", "exec"},
		{"GET", "/api/v1/namespaces", true, "namespaces", "", "", ""},
		{"DELETE", "/api/v1/namespaces/kube-system", true, "namespaces", "", "kube-system", ""},
		{"GET", "/api/v1/namespaces/kube-system/status", true, "namespaces", "", "kube-system", "status"},
		{"GET", "/api/v1/nodes/n1", true, "nodes", "", "n1", ""},
		{"PATCH", "/api/v1/nodes/n1/status", true, "nodes", "", "n1", "status"},
		{"GET", "/apis/apps/v1/namespaces/ns1/deployments/d", true, "deployments", "ns1", "d", ""},
		{"PUT", "/apis/apps/v1/namespaces/ns1/deployments/d/scale", true, "deployments", "ns1", "d", "scale"},
		{"GET", "/apis/apps/v1/deployments", true, "deployments", "", "", ""},
		{"GET", "/apis/autoscaling/v2/namespaces/a/horizontalpodautoscalers", true, "horizontalpodautoscalers", "a", "", ""},
		{"GET", "/api/v1/pods/web", false, "", "", "", ""},
		{"GET", "/api/v1/namespaces/default/nodes/n1", false, "", "", "", ""},
		{"GET", "/api/v1/deployments", false, "", "", "", ""},
		{"GET", "/apis/apps/v1/pods", false, "", "", "", ""},
		{"GET", "/api/v1/namespaces/default/pods/web/status/x", false, "", "", "", ""},
		{"GET", "/api/v1/namespaces/default/pods/web/nosuch", false, "", "", "", ""},
		{"GET", "/api/v1/nodes/n1/binding", false, "", "", "", ""},
		{"GET", "/apis/apps/v1/namespaces/a/deployments/d/binding", false, "", "", "", ""},
		{"GET", "/api/v1/namespaces/default/services/s/scale", false, "", "", "", ""},
		{"GET", "/api/v2/pods", false, "", "", "", ""},
		{"GET", "/api/v1//pods", false, "", "", "", ""},
		{"GET", "/nosuch", false, "", "", "", ""},
	}
	var got *route
	s := &Server{}
	e := s.newRouter(func(w http.ResponseWriter, r *http.Request, rt route, sr *subresource) {
		if (sr != nil) != (rt.sub != "") {
			t.Errorf("%s: subresource %v with sub %q", r.URL.Path, sr != nil, rt.sub)
		}
		got = &rt
		w.WriteHeader(299)
	})
	for _, tt := range tests {
		got = nil
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if ok := got != nil; ok != tt.ok {
			t.Errorf("%s %s: routed=%v (code %d), want %v", tt.method, tt.path, ok, rec.Code, tt.ok)
			continue
		}
		if !tt.ok {
			if rec.Code != http.StatusNotFound {
				t.Errorf("%s %s: code %d, want 404", tt.method, tt.path, rec.Code)
			}
			continue
		}
		if got.info.Resource != tt.resource || got.namespace != tt.ns || got.name != tt.name || got.sub != tt.sub {
			t.Errorf("%s %s: got %s ns=%q name=%q sub=%q", tt.method, tt.path, got.info.Resource, got.namespace, got.name, got.sub)
		}
	}
}

// BenchmarkRouter is the cost of routing one resource request.
func BenchmarkRouter(b *testing.B) {
	e := (&Server{}).newRouter(func(w http.ResponseWriter, r *http.Request, rt route, sr *subresource) {})
	req := httptest.NewRequest("GET", "/apis/apps/v1/namespaces/default/deployments/web/scale", nil)
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		e.ServeHTTP(w, req)
	}
}
