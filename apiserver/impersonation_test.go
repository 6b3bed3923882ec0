package apiserver

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

func TestImpersonationsOf(t *testing.T) {
	tests := []struct {
		name    string
		hdr     http.Header
		want    []impersonation
		wantErr string
	}{
		{name: "none", hdr: http.Header{}},
		{name: "user", hdr: http.Header{"Impersonate-User": {"bob"}}, want: []impersonation{{Kind: "User", Name: "bob"}}},
		{name: "service account", hdr: http.Header{"Impersonate-User": {"system:serviceaccount:ns:sa"}},
			want: []impersonation{{Kind: "ServiceAccount", Namespace: "ns", Name: "sa"}}},
		{name: "all", hdr: http.Header{"Impersonate-User": {"bob"}, "Impersonate-Group": {"g1", "g2"}, "Impersonate-Uid": {"u"},
			"Impersonate-Extra-Acme.com%2fproject": {"p1"}},
			want: []impersonation{{Kind: "User", Name: "bob"}, {Kind: "Group", Name: "g1"}, {Kind: "Group", Name: "g2"},
				{Kind: "UserExtra", Name: "p1", Key: "acme.com/project"}, {Kind: "UID", Name: "u"}}},
		{name: "group without user", hdr: http.Header{"Impersonate-Group": {"system:masters"}},
			wantErr: "requested [{Group  system:masters    }] without impersonating a user"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := impersonationsOf(tc.hdr)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("got %v %v, want %v", got, err, tc.want)
			}
		})
	}
}

func TestImpersonatedUser(t *testing.T) {
	tests := []struct {
		name   string
		reqs   []impersonation
		user   string
		groups []string
	}{
		{"user", []impersonation{{Kind: "User", Name: "bob"}}, "bob", []string{"system:authenticated"}},
		{"sa", []impersonation{{Kind: "ServiceAccount", Namespace: "ns", Name: "x"}}, "system:serviceaccount:ns:x",
			[]string{"system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated"}},
		{"sa with groups", []impersonation{{Kind: "ServiceAccount", Namespace: "ns", Name: "x"}, {Kind: "Group", Name: "g"}},
			"system:serviceaccount:ns:x", []string{"g", "system:authenticated"}},
		{"explicit unauthenticated", []impersonation{{Kind: "User", Name: "bob"}, {Kind: "Group", Name: "system:unauthenticated"}},
			"bob", []string{"system:unauthenticated"}},
		{"anonymous", []impersonation{{Kind: "User", Name: "system:anonymous"}}, "system:anonymous", []string{"system:unauthenticated"}},
	}
	for _, tc := range tests {
		u := impersonatedUser(tc.reqs)
		if u.Name != tc.user || !slices.Equal(u.Groups, tc.groups) {
			t.Errorf("%s: %+v, want %s %v", tc.name, u, tc.user, tc.groups)
		}
	}
}

// The filter chain: impersonating needs the verb impersonate on each
// thing impersonated, else Kubernetes' 403; allowed, the request runs as
// the impersonated user and the headers are gone.
func TestImpersonationFilter(t *testing.T) {
	// alice may impersonate user bob and group dev, nothing else.
	authz := authorizer.Func(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		if a.Verb != "impersonate" {
			return authorizer.DecisionAllow, "", nil
		}
		if a.User.Name == "alice" && ((a.Resource == "users" && a.Name == "bob") || (a.Resource == "groups" && a.Name == "dev")) {
			return authorizer.DecisionAllow, "", nil
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
	s := &Server{authz: authz, opts: Options{Authenticator: authenticator.RequestFunc(func(r *http.Request) (*user.Info, bool, error) {
		return &user.Info{Name: "alice", Groups: []string{"system:authenticated"}}, true, nil
	})}}
	var seen *user.Info
	var seenHeaders http.Header
	h := s.withFilters(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = user.From(r.Context())
		seenHeaders = r.Header.Clone()
	}))
	tests := []struct {
		name string
		hdr  map[string][]string
		code int
		msg  string
		user string
	}{
		{name: "allowed", hdr: map[string][]string{"Impersonate-User": {"bob"}, "Impersonate-Group": {"dev"}}, code: 200, user: "bob"},
		{name: "other user", hdr: map[string][]string{"Impersonate-User": {"carol"}}, code: 403,
			msg: `users "carol" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope`},
		{name: "other group", hdr: map[string][]string{"Impersonate-User": {"bob"}, "Impersonate-Group": {"system:masters"}}, code: 403,
			msg: `groups "system:masters" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope`},
		{name: "service account", hdr: map[string][]string{"Impersonate-User": {"system:serviceaccount:kube-system:admin"}}, code: 403,
			msg: `serviceaccounts "admin" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"`},
		{name: "uid", hdr: map[string][]string{"Impersonate-User": {"bob"}, "Impersonate-Uid": {"1234"}}, code: 403,
			msg: `uids.authentication.k8s.io "1234" is forbidden: User "alice" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope`},
		{name: "extra", hdr: map[string][]string{"Impersonate-User": {"bob"}, "Impersonate-Extra-Scopes": {"admin"}}, code: 403,
			msg: `userextras.authentication.k8s.io "admin" is forbidden: User "alice" cannot impersonate resource "userextras/scopes" in API group "authentication.k8s.io" at the cluster scope`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen, seenHeaders = nil, nil
			r := httptest.NewRequest("GET", "/api/v1/namespaces/default/pods", nil)
			r.Header.Set("Authorization", "Bearer secret")
			for k, v := range tc.hdr {
				r.Header[k] = v
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.code {
				t.Fatalf("code %d, want %d: %s", w.Code, tc.code, w.Body)
			}
			if tc.code != 200 {
				var st struct{ Message string }
				_ = json.Unmarshal(w.Body.Bytes(), &st)
				if st.Message != tc.msg || seen != nil {
					t.Fatalf("message %q, want %q", st.Message, tc.msg)
				}
				return
			}
			if seen.Name != tc.user || !slices.Equal(seen.Groups, []string{"dev", "system:authenticated"}) {
				t.Fatalf("ran as %+v", seen)
			}
			for _, k := range []string{"Authorization", "Impersonate-User", "Impersonate-Group"} {
				if seenHeaders.Get(k) != "" {
					t.Fatalf("header %s reached the handler", k)
				}
			}
		})
	}
}
