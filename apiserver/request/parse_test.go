package request

import (
	"net/http/httptest"
	"reflect"
	"testing"
)

// Cases from Kubernetes' requestinfo_test.go (TestGetAPIRequestInfo and
// TestGetNonAPIRequestInfo).
func TestNewRequestInfo(t *testing.T) {
	tests := []struct {
		method, url                                                  string
		verb, prefix, group, version, namespace, resource, sub, name string
		parts                                                        []string
	}{
		{"GET", "/api/v1/namespaces", "list", "api", "", "v1", "", "namespaces", "", "", []string{"namespaces"}},
		{"GET", "/api/v1/namespaces/other", "get", "api", "", "v1", "other", "namespaces", "", "other", []string{"namespaces", "other"}},
		{"GET", "/api/v1/namespaces/other/pods", "list", "api", "", "v1", "other", "pods", "", "", []string{"pods"}},
		{"GET", "/api/v1/namespaces/other/pods/foo", "get", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo"}},
		{"HEAD", "/api/v1/namespaces/other/pods/foo", "get", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo"}},
		{"GET", "/api/v1/pods", "list", "api", "", "v1", "", "pods", "", "", []string{"pods"}},
		{"GET", "/api/v1/namespaces/other/pods/foo", "get", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo"}},
		{"GET", "/api/v1/namespaces/other/pods?watch=true", "watch", "api", "", "v1", "other", "pods", "", "", []string{"pods"}},
		{"GET", "/api/v1/namespaces/other/pods?fieldSelector=metadata.name%3Dfoo&watch=true", "watch", "api", "", "v1", "other", "pods", "", "foo", []string{"pods"}},
		{"GET", "/api/v1/watch/pods", "watch", "api", "", "v1", "", "pods", "", "", []string{"pods"}},
		{"GET", "/api/v1/watch/namespaces/other/pods", "watch", "api", "", "v1", "other", "pods", "", "", []string{"pods"}},
		{"GET", "/api/v1/namespaces/other/pods/foo/log", "get", "api", "", "v1", "other", "pods", "log", "foo", []string{"pods", "foo", "log"}},
		{"POST", "/api/v1/namespaces/other/pods", "create", "api", "", "v1", "other", "pods", "", "", []string{"pods"}},
		{"PUT", "/api/v1/namespaces/other/pods/foo", "update", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo"}},
		{"PATCH", "/api/v1/namespaces/other/pods/foo", "patch", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo"}},
		{"DELETE", "/api/v1/namespaces/other/pods/foo", "delete", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo"}},
		{"DELETE", "/api/v1/namespaces/other/pods", "deletecollection", "api", "", "v1", "other", "pods", "", "", []string{"pods"}},
		{"POST", "/api/v1/namespaces/other/pods/foo/exec", "create", "api", "", "v1", "other", "pods", "exec", "foo", []string{"pods", "foo", "exec"}},
		{"GET", "/api/v1/namespaces/other/pods/foo/proxy/a/b", "get", "api", "", "v1", "other", "pods", "proxy", "foo", []string{"pods", "foo", "proxy", "a", "b"}},
		{"GET", "/api/v1/proxy/namespaces/other/pods/foo/a", "proxy", "api", "", "v1", "other", "pods", "", "foo", []string{"pods", "foo", "a"}},
		{"PUT", "/api/v1/namespaces/other/finalize", "update", "api", "", "v1", "other", "namespaces", "finalize", "other", []string{"namespaces", "other", "finalize"}},
		{"PUT", "/api/v1/namespaces/other/status", "update", "api", "", "v1", "other", "namespaces", "status", "other", []string{"namespaces", "other", "status"}},
		{"GET", "/apis/apps/v1/namespaces/other/deployments/d/scale", "get", "apis", "apps", "v1", "other", "deployments", "scale", "d", []string{"deployments", "d", "scale"}},
		{"POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", "create", "apis", "rbac.authorization.k8s.io", "v1", "", "clusterroles", "", "", []string{"clusterroles"}},
		{"GET", "/api/v1/nodes/n1/proxy/stats", "get", "api", "", "v1", "", "nodes", "proxy", "n1", []string{"nodes", "n1", "proxy", "stats"}},
	}
	for _, tt := range tests {
		got := NewRequestInfo(httptest.NewRequest(tt.method, tt.url, nil))
		want := &RequestInfo{IsResourceRequest: true, Path: got.Path, Verb: tt.verb, APIPrefix: tt.prefix, APIGroup: tt.group,
			APIVersion: tt.version, Namespace: tt.namespace, Resource: tt.resource, Subresource: tt.sub, Name: tt.name, Parts: tt.parts,
			FieldSelector: got.FieldSelector}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s:\n got %+v\nwant %+v", tt.method, tt.url, got, want)
		}
	}

	if got := NewRequestInfo(httptest.NewRequest("GET", "/api/v1/pods?fieldSelector=spec.nodeName%3Dn1&labelSelector=a%3Db", nil)); got.FieldSelector != "spec.nodeName=n1" || got.LabelSelector != "a=b" {
		t.Errorf("selectors: %+v", got)
	}

	for _, tt := range []struct{ method, url, verb string }{
		{"GET", "/api", "get"}, {"GET", "/apis", "get"}, {"GET", "/api/v1", "get"}, {"GET", "/apis/apps", "get"},
		{"GET", "/apis/apps/v1", "get"}, {"GET", "/healthz", "get"}, {"GET", "/version", "get"},
		{"POST", "/foo/bar", "post"}, {"GET", "/openapi/v2", "get"}, {"DELETE", "/other", "delete"},
	} {
		got := NewRequestInfo(httptest.NewRequest(tt.method, tt.url, nil))
		if got.IsResourceRequest || got.Verb != tt.verb || got.Path != tt.url {
			t.Errorf("%s %s: %+v, want a non-resource request with verb %s", tt.method, tt.url, got, tt.verb)
		}
	}
}
