package ingress

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOptions(t *testing.T) {
	o := DefaultOptions()
	o.NodeName, o.Namespace = "n1", ""
	if err := o.Complete(); err != nil || o.Namespace != "kube-system" {
		t.Fatalf("Complete: %v, namespace %q", err, o.Namespace)
	}
	if err := o.Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	bad := o
	bad.HTTPPort, bad.HealthPort, bad.PublishSelector = 0, 0, "a in ("
	err := bad.Validate()
	if err == nil || !strings.Contains(err.Error(), "--http-port 0") || !strings.Contains(err.Error(), "--publish-selector") {
		t.Errorf("bad options: %v", err)
	}

	t.Setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
	t.Setenv("KUBERNETES_SERVICE_PORT", "443")
	cfg, err := o.clientConfig()
	if err != nil || cfg.Server != "http://10.96.0.1:443" {
		t.Errorf("in-cluster: %+v, %v", cfg, err)
	}
	o.Server = "http://127.0.0.1:6443"
	if cfg, err := o.clientConfig(); err != nil || cfg.Server != "http://127.0.0.1:6443" {
		t.Errorf("--server wins: %+v, %v", cfg, err)
	}
}

func TestHealthHandler(t *testing.T) {
	ready := false
	h := HealthHandler(func() bool { return ready })
	for _, want := range []int{http.StatusServiceUnavailable, http.StatusOK} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		if rec.Code != want {
			t.Errorf("ready=%v: %d, want %d", ready, rec.Code, want)
		}
		ready = true
	}
}
