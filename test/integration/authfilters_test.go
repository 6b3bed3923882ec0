package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/user"
)

// headerAuthenticator authenticates "Authorization: Bearer user:NAME" as
// NAME (tests only), and refuses "Bearer bad".
var headerAuthenticator = authenticator.RequestFunc(func(r *http.Request) (*user.Info, bool, error) {
	h := r.Header.Get("Authorization")
	if h == "Bearer bad" {
		return nil, false, io.ErrUnexpectedEOF
	}
	name, ok := strings.CutPrefix(h, "Bearer user:")
	if !ok {
		return nil, false, nil
	}
	return &user.Info{Name: name, Groups: []string{user.AllAuthenticated}}, true, nil
})

// The filter chain answers 401 and 403 with Kubernetes' Status objects.
func TestAuthFiltersStatus(t *testing.T) {
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.Authenticator = headerAuthenticator
		o.AuthorizationMode = []string{"AlwaysDeny"}
		o.AnonymousAuth = false
	})
	get := func(path, auth string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatalf("%s: decoding the Status: %v", path, err)
		}
		return resp.StatusCode, st
	}
	tests := []struct {
		path, auth string
		code       int
		msg        string
	}{
		{"/api/v1/namespaces/default/pods", "", 401, "Unauthorized"},
		{"/api/v1/namespaces/default/pods", "Bearer bad", 401, "Unauthorized"},
		{"/api/v1/namespaces/default/pods", "Bearer user:bob", 403,
			`pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "default": Everything is forbidden.`},
		{"/apis/apps/v1/namespaces/ns1/deployments/d/scale", "Bearer user:bob", 403,
			`deployments.apps "d" is forbidden: User "bob" cannot get resource "deployments/scale" in API group "apps" in the namespace "ns1": Everything is forbidden.`},
		{"/api/v1/nodes", "Bearer user:bob", 403,
			`nodes is forbidden: User "bob" cannot list resource "nodes" in API group "" at the cluster scope: Everything is forbidden.`},
		{"/version", "Bearer user:bob", 403, `forbidden: User "bob" cannot get path "/version": Everything is forbidden.`},
	}
	for _, tt := range tests {
		code, st := get(tt.path, tt.auth)
		if code != tt.code || st["kind"] != "Status" || st["message"] != tt.msg || st["code"] != float64(tt.code) {
			t.Errorf("GET %s (%q): %d %v, want %d %q", tt.path, tt.auth, code, st, tt.code, tt.msg)
		}
	}
}
