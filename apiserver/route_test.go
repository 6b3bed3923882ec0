package apiserver

import "testing"

func TestParseResourcePath(t *testing.T) {
	tests := []struct {
		path                    string
		ok                      bool
		resource, ns, name, sub string
	}{
		{"/api/v1/pods", true, "pods", "", "", ""},
		{"/api/v1/namespaces/default/pods", true, "pods", "default", "", ""},
		{"/api/v1/namespaces/default/pods/web", true, "pods", "default", "web", ""},
		{"/api/v1/namespaces/default/pods/web/status", true, "pods", "default", "web", "status"},
		{"/api/v1/namespaces/default/pods/web/binding", true, "pods", "default", "web", "binding"},
		{"/api/v1/namespaces", true, "namespaces", "", "", ""},
		{"/api/v1/namespaces/kube-system", true, "namespaces", "", "kube-system", ""},
		{"/api/v1/namespaces/kube-system/status", true, "namespaces", "", "kube-system", "status"},
		{"/api/v1/nodes/n1", true, "nodes", "", "n1", ""},
		{"/api/v1/nodes/n1/status", true, "nodes", "", "n1", "status"},
		{"/apis/apps/v1/namespaces/ns1/deployments/d", true, "deployments", "ns1", "d", ""},
		{"/apis/apps/v1/deployments", true, "deployments", "", "", ""},
		{"/apis/autoscaling/v2/namespaces/a/horizontalpodautoscalers", true, "horizontalpodautoscalers", "a", "", ""},
		{"/api/v1/pods/web", false, "", "", "", ""},
		{"/api/v1/namespaces/default/nodes/n1", false, "", "", "", ""},
		{"/api/v1/deployments", false, "", "", "", ""},
		{"/apis/apps/v1/pods", false, "", "", "", ""},
		{"/api/v1/namespaces/default/pods/web/status/x", false, "", "", "", ""},
		{"/api/v2/pods", false, "", "", "", ""},
		{"/api/v1//pods", false, "", "", "", ""},
		{"/healthz", false, "", "", "", ""},
	}
	for _, tt := range tests {
		r, ok := parseResourcePath(tt.path)
		if ok != tt.ok {
			t.Errorf("%s: ok=%v, want %v", tt.path, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if r.info.Resource != tt.resource || r.namespace != tt.ns || r.name != tt.name || r.sub != tt.sub {
			t.Errorf("%s: got %s ns=%q name=%q sub=%q", tt.path, r.info.Resource, r.namespace, r.name, r.sub)
		}
	}
}
