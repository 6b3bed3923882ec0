package apiserver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"minik8s/apiserver/authorization/rbac"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

// uiLister serves the bootstrap RBAC policy plus extra objects.
type uiLister struct {
	crs  []*api.ClusterRole
	crbs []*api.ClusterRoleBinding
}

func (l *uiLister) GetRole(ns, name string) (*api.Role, error) {
	return nil, fmt.Errorf(`role.rbac.authorization.k8s.io %q not found`, name)
}
func (l *uiLister) GetClusterRole(name string) (*api.ClusterRole, error) {
	for _, r := range l.crs {
		if r.Name == name {
			return r, nil
		}
	}
	return nil, fmt.Errorf(`clusterrole.rbac.authorization.k8s.io %q not found`, name)
}
func (l *uiLister) ListRoleBindings(string) ([]*api.RoleBinding, error) { return nil, nil }
func (l *uiLister) ListClusterRoleBindings() ([]*api.ClusterRoleBinding, error) {
	return l.crbs, nil
}

// /ui is a non-resource URL behind the apiserver's filters, as Kubernetes
// serves its non-resource paths: no credentials is 401 without
// --anonymous-auth and Kubernetes' 403 for system:anonymous with it; a
// user RBAC grants nothing is 403 naming the path; system:masters (the
// admin) is served; a ClusterRole with nonResourceURLs /ui and /ui/* lets
// a user in.
func TestUIAuthorization(t *testing.T) {
	lister := &uiLister{crs: rbac.ClusterRoles(), crbs: rbac.ClusterRoleBindings()}
	lister.crs = append(lister.crs, &api.ClusterRole{ObjectMeta: api.ObjectMeta{Name: "ui-viewer"},
		Rules: []api.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/ui", "/ui/*"}}}})
	lister.crbs = append(lister.crbs, &api.ClusterRoleBinding{ObjectMeta: api.ObjectMeta{Name: "ui-viewer"},
		RoleRef:  api.RoleRef{APIGroup: api.RBACGroup, Kind: "ClusterRole", Name: "ui-viewer"},
		Subjects: []api.Subject{{Kind: "User", APIGroup: api.RBACGroup, Name: "carol"}}})
	users := map[string]*user.Info{
		"admin": {Name: "kubernetes-admin", Groups: []string{user.SystemPrivilegedGroup, user.AllAuthenticated}},
		"bob":   {Name: "bob", Groups: []string{user.AllAuthenticated}},
		"carol": {Name: "carol", Groups: []string{user.AllAuthenticated}},
	}
	authn := authenticator.RequestFunc(func(r *http.Request) (*user.Info, bool, error) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return nil, false, nil
		}
		if u, ok := users[tok]; ok {
			return u, true, nil
		}
		return nil, false, fmt.Errorf("invalid bearer token")
	})
	for _, anonymous := range []bool{true, false} {
		s := &Server{opts: Options{Authenticator: authn, AnonymousAuth: anonymous},
			authz: authorizer.Union{privilegedGroups(user.SystemPrivilegedGroup), rbac.New(lister)}}
		h := s.withFilters(s.newRouter(func(w http.ResponseWriter, r *http.Request, rt route, sr *subresource) {}))
		tests := []struct {
			token, path string
			code        int
			msg         string
		}{
			{"", "/ui/", map[bool]int{true: 403, false: 401}[anonymous],
				map[bool]string{true: `forbidden: User "system:anonymous" cannot get path "/ui/"`, false: "Unauthorized"}[anonymous]},
			{"", "/ui/app.js", map[bool]int{true: 403, false: 401}[anonymous], ""},
			{"wrong", "/ui/", 401, "Unauthorized"},
			{"bob", "/ui/", 403, `forbidden: User "bob" cannot get path "/ui/"`},
			{"bob", "/ui", 403, `forbidden: User "bob" cannot get path "/ui"`},
			{"admin", "/ui/", 200, ""},
			{"admin", "/ui/app.js", 200, ""},
			{"admin", "/ui", 301, ""},
			{"carol", "/ui/", 200, ""},
			{"carol", "/ui/netmap.js", 200, ""},
		}
		for _, tc := range tests {
			t.Run(fmt.Sprintf("anonymous=%v/%s%s", anonymous, tc.token, tc.path), func(t *testing.T) {
				r := httptest.NewRequest("GET", tc.path, nil)
				if tc.token != "" {
					r.Header.Set("Authorization", "Bearer "+tc.token)
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != tc.code {
					t.Fatalf("code %d, want %d: %s", w.Code, tc.code, w.Body)
				}
				if tc.code >= 400 {
					var st api.Status
					if err := json.Unmarshal(w.Body.Bytes(), &st); err != nil {
						t.Fatalf("not a Status: %v: %s", err, w.Body)
					}
					if int(st.Code) != tc.code || (tc.msg != "" && st.Message != tc.msg) {
						t.Errorf("Status %d %q, want %d %q", st.Code, st.Message, tc.code, tc.msg)
					}
				}
				if tc.code == 200 && !strings.HasPrefix(w.Header().Get("Content-Type"), "text/") {
					t.Errorf("Content-Type %q", w.Header().Get("Content-Type"))
				}
			})
		}
	}
}
