package rbac

import (
	"context"
	"errors"
	"strings"
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

// staticLister serves fixed lists (Kubernetes' StaticRoles).
type staticLister struct {
	roles   []*api.Role
	rbs     []*api.RoleBinding
	crs     []*api.ClusterRole
	crbs    []*api.ClusterRoleBinding
	listErr error
}

func (s *staticLister) GetRole(ns, name string) (*api.Role, error) {
	for _, r := range s.roles {
		if r.Namespace == ns && r.Name == name {
			return r, nil
		}
	}
	return nil, errors.New(`role.rbac.authorization.k8s.io "` + name + `" not found`)
}
func (s *staticLister) GetClusterRole(name string) (*api.ClusterRole, error) {
	for _, r := range s.crs {
		if r.Name == name {
			return r, nil
		}
	}
	return nil, errors.New(`clusterrole.rbac.authorization.k8s.io "` + name + `" not found`)
}
func (s *staticLister) ListRoleBindings(ns string) ([]*api.RoleBinding, error) {
	var out []*api.RoleBinding
	for _, b := range s.rbs {
		if b.Namespace == ns {
			out = append(out, b)
		}
	}
	return out, nil
}
func (s *staticLister) ListClusterRoleBindings() ([]*api.ClusterRoleBinding, error) {
	return s.crbs, s.listErr
}

func newRule(verbs, groups, resources, urls string) api.PolicyRule {
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	r := api.PolicyRule{Verbs: split(verbs), Resources: split(resources), NonResourceURLs: split(urls)}
	if resources != "" {
		r.APIGroups = strings.Split(groups, ",") // "" is the core group
	}
	return r
}

func newClusterRole(name string, rules ...api.PolicyRule) *api.ClusterRole {
	return &api.ClusterRole{ObjectMeta: api.ObjectMeta{Name: name}, Rules: rules}
}

// subjects: "User:a", "Group:b", "ServiceAccount:ns:name".
func subjects(s ...string) []api.Subject {
	var out []api.Subject
	for _, x := range s {
		parts := strings.Split(x, ":")
		sub := api.Subject{Kind: parts[0], Name: parts[len(parts)-1]}
		if len(parts) == 3 {
			sub.Namespace = parts[1]
		}
		out = append(out, sub)
	}
	return out
}

func newRoleBinding(ns, role, kind string, subs ...string) *api.RoleBinding {
	return &api.RoleBinding{ObjectMeta: api.ObjectMeta{Name: role, Namespace: ns},
		RoleRef: api.RoleRef{APIGroup: api.RBACGroup, Kind: kind, Name: role}, Subjects: subjects(subs...)}
}

func newClusterRoleBinding(role string, subs ...string) *api.ClusterRoleBinding {
	return &api.ClusterRoleBinding{ObjectMeta: api.ObjectMeta{Name: role},
		RoleRef: api.RoleRef{APIGroup: api.RBACGroup, Kind: "ClusterRole", Name: role}, Subjects: subjects(subs...)}
}

func attrs(name, groups, verb, resource, sub, ns string) authorizer.Attributes {
	u := &user.Info{Name: name}
	if groups != "" {
		u.Groups = strings.Split(groups, ",")
	}
	return authorizer.Attributes{User: u, Verb: verb, Resource: resource, Subresource: sub, Namespace: ns, ResourceRequest: true}
}

func urlAttrs(name, groups, verb, path string) authorizer.Attributes {
	a := attrs(name, groups, verb, "", "", "")
	a.ResourceRequest, a.Path = false, path
	return a
}

// Cases after Kubernetes' plugin/pkg/auth/authorizer/rbac TestAuthorizer.
func TestAuthorizer(t *testing.T) {
	tests := []struct {
		name       string
		l          *staticLister
		pass, fail []authorizer.Attributes
	}{
		{
			name: "cluster role bound in a namespace",
			l: &staticLister{crs: []*api.ClusterRole{newClusterRole("admin", newRule("*", "*", "*", ""))},
				rbs: []*api.RoleBinding{newRoleBinding("ns1", "admin", "ClusterRole", "User:admin", "Group:admins")}},
			pass: []authorizer.Attributes{
				attrs("admin", "", "get", "Pods", "", "ns1"),
				attrs("admin", "", "watch", "Pods", "", "ns1"),
				attrs("admin", "group1", "watch", "Foobar", "", "ns1"),
				attrs("joe", "admins", "watch", "Foobar", "", "ns1"),
				attrs("joe", "group1,admins", "watch", "Foobar", "", "ns1"),
			},
			fail: []authorizer.Attributes{
				attrs("admin", "", "GET", "Pods", "", "ns2"),
				attrs("admin", "", "GET", "Nodes", "", ""),
				attrs("admin", "admins", "GET", "Pods", "", "ns2"),
				attrs("admin", "admins", "GET", "Nodes", "", ""),
			},
		},
		{
			name: "non-resource URLs",
			l: &staticLister{
				crs: []*api.ClusterRole{
					newClusterRole("non-resource-url-getter", newRule("get", "", "", "/apis")),
					newClusterRole("non-resource-url", newRule("*", "", "", "/apis")),
					newClusterRole("non-resource-url-prefix", newRule("get", "", "", "/apis/*")),
				},
				crbs: []*api.ClusterRoleBinding{
					newClusterRoleBinding("non-resource-url-getter", "User:foo", "Group:bar"),
					newClusterRoleBinding("non-resource-url", "User:admin", "Group:admin"),
					newClusterRoleBinding("non-resource-url-prefix", "User:prefixed", "Group:prefixed"),
				},
			},
			pass: []authorizer.Attributes{
				urlAttrs("foo", "", "get", "/apis"), urlAttrs("", "bar", "get", "/apis"),
				urlAttrs("admin", "", "get", "/apis"), urlAttrs("", "admin", "get", "/apis"),
				urlAttrs("admin", "", "watch", "/apis"), urlAttrs("", "admin", "watch", "/apis"),
				urlAttrs("prefixed", "", "get", "/apis/v1"), urlAttrs("", "prefixed", "get", "/apis/v1"),
				urlAttrs("prefixed", "", "get", "/apis/v1/foobar"), urlAttrs("", "prefixed", "get", "/apis/v1/foorbar"),
			},
			fail: []authorizer.Attributes{
				urlAttrs("foo", "", "watch", "/apis"), urlAttrs("", "bar", "watch", "/apis"),
				urlAttrs("foo", "", "get", "/api/v1"), urlAttrs("", "bar", "get", "/api/v1"),
				urlAttrs("admin", "", "get", "/api/v1"), urlAttrs("", "admin", "get", "/api/v1"),
				urlAttrs("prefixed", "", "get", "/api/v1"), urlAttrs("", "prefixed", "get", "/api/v1"),
			},
		},
		{
			name: "a resource rule does not cover its subresources",
			l: &staticLister{crs: []*api.ClusterRole{newClusterRole("admin", newRule("*", "*", "pods", ""))},
				rbs: []*api.RoleBinding{newRoleBinding("ns1", "admin", "ClusterRole", "User:admin", "Group:admins")}},
			pass: []authorizer.Attributes{attrs("admin", "", "get", "pods", "", "ns1")},
			fail: []authorizer.Attributes{attrs("admin", "", "get", "pods", "status", "ns1")},
		},
		{
			name: "subresource rules",
			l: &staticLister{crs: []*api.ClusterRole{newClusterRole("admin", newRule("*", "*", "pods/status", ""), newRule("*", "*", "*/scale", ""))},
				rbs: []*api.RoleBinding{newRoleBinding("ns1", "admin", "ClusterRole", "User:admin", "Group:admins")}},
			pass: []authorizer.Attributes{
				attrs("admin", "", "get", "pods", "status", "ns1"),
				attrs("admin", "", "get", "pods", "scale", "ns1"),
				attrs("admin", "", "get", "deployments", "scale", "ns1"),
				attrs("admin", "", "get", "anything", "scale", "ns1"),
			},
			fail: []authorizer.Attributes{attrs("admin", "", "get", "pods", "", "ns1")},
		},
		{
			name: "service accounts, with the binding's namespace by default",
			l: &staticLister{
				roles: []*api.Role{{ObjectMeta: api.ObjectMeta{Name: "reader", Namespace: "ns1"}, Rules: []api.PolicyRule{newRule("get", "", "pods", "")}}},
				rbs: []*api.RoleBinding{newRoleBinding("ns1", "reader", "Role", "ServiceAccount:sa1"),
					newRoleBinding("ns1", "reader", "Role", "ServiceAccount:ns2:sa2")},
			},
			pass: []authorizer.Attributes{
				attrs("system:serviceaccount:ns1:sa1", "", "get", "pods", "", "ns1"),
				attrs("system:serviceaccount:ns2:sa2", "", "get", "pods", "", "ns1"),
			},
			fail: []authorizer.Attributes{
				attrs("system:serviceaccount:ns2:sa1", "", "get", "pods", "", "ns1"),
				attrs("sa1", "", "get", "pods", "", "ns1"),
				attrs("system:serviceaccount:ns1:sa1", "", "get", "pods", "", "ns2"),
			},
		},
	}
	for _, tt := range tests {
		z := New(tt.l)
		for _, a := range tt.pass {
			if d, _, _ := z.Authorize(context.Background(), a); d != authorizer.DecisionAllow {
				t.Errorf("%s: %+v %+v: denied, want allowed", tt.name, *a.User, a)
			}
		}
		for _, a := range tt.fail {
			if d, _, _ := z.Authorize(context.Background(), a); d != authorizer.DecisionNoOpinion {
				t.Errorf("%s: %+v %+v: %v, want no opinion", tt.name, *a.User, a, d)
			}
		}
	}
}

// The reasons are Kubernetes' words.
func TestAuthorizerReasons(t *testing.T) {
	l := &staticLister{
		crs: []*api.ClusterRole{newClusterRole("view", newRule("get", "", "pods", ""))},
		crbs: []*api.ClusterRoleBinding{newClusterRoleBinding("view", "User:bob"),
			{ObjectMeta: api.ObjectMeta{Name: "dangling"}, RoleRef: api.RoleRef{Kind: "ClusterRole", Name: "gone"}, Subjects: subjects("User:eve")}},
		rbs: []*api.RoleBinding{newRoleBinding("ns1", "view", "ClusterRole", "ServiceAccount:sa")},
	}
	tests := []struct {
		a      authorizer.Attributes
		d      authorizer.Decision
		reason string
	}{
		{attrs("bob", "", "get", "pods", "", "ns1"), authorizer.DecisionAllow, `RBAC: allowed by ClusterRoleBinding "view" of ClusterRole "view" to User "bob"`},
		{attrs("system:serviceaccount:ns1:sa", "", "get", "pods", "", "ns1"), authorizer.DecisionAllow,
			`RBAC: allowed by RoleBinding "view/ns1" of ClusterRole "view" to ServiceAccount "sa/ns1"`},
		{attrs("bob", "", "delete", "pods", "", "ns1"), authorizer.DecisionNoOpinion, ""},
		{attrs("eve", "", "get", "pods", "", "ns1"), authorizer.DecisionNoOpinion, `RBAC: clusterrole.rbac.authorization.k8s.io "gone" not found`},
	}
	for _, tt := range tests {
		d, reason, err := New(l).Authorize(context.Background(), tt.a)
		if d != tt.d || reason != tt.reason || err != nil {
			t.Errorf("%s %s: %v %q %v, want %v %q", tt.a.User.Name, tt.a.Verb, d, reason, err, tt.d, tt.reason)
		}
	}
}

// Cases after Kubernetes' TestCoversExactMatch, TestCoversSubresourceWildcard, ….
func TestCovers(t *testing.T) {
	tests := []struct {
		name          string
		owner, wanted []api.PolicyRule
		covers        bool
		missing       int
	}{
		{"exact", []api.PolicyRule{newRule("get", "", "pods", "")}, []api.PolicyRule{newRule("get", "", "pods", "")}, true, 0},
		{"star verb", []api.PolicyRule{newRule("*", "", "pods", "")}, []api.PolicyRule{newRule("get,list", "", "pods", "")}, true, 0},
		{"missing verb", []api.PolicyRule{newRule("get", "", "pods", "")}, []api.PolicyRule{newRule("get,list,watch", "", "pods", "")}, false, 2},
		{"split across rules", []api.PolicyRule{newRule("get", "", "pods", ""), newRule("list", "", "pods", "")}, []api.PolicyRule{newRule("get,list", "", "pods", "")}, true, 0},
		{"subresource wildcard", []api.PolicyRule{newRule("get", "", "*/status", "")}, []api.PolicyRule{newRule("get", "", "pods/status", "")}, true, 0},
		{"subresource wildcard other", []api.PolicyRule{newRule("get", "", "*/status", "")}, []api.PolicyRule{newRule("get", "", "pods/log", "")}, false, 1},
		{"names limit", []api.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{"a"}}},
			[]api.PolicyRule{newRule("get", "", "pods", "")}, false, 1},
		{"urls", []api.PolicyRule{newRule("get", "", "", "/api/*")}, []api.PolicyRule{newRule("get", "", "", "/api/v1,/apis")}, false, 1},
		{"star everything", []api.PolicyRule{newRule("*", "*", "*", "")}, []api.PolicyRule{newRule("get,escalate", "apps,", "deployments,pods/exec", "")}, true, 0},
	}
	for _, tt := range tests {
		ok, missing := Covers(tt.owner, tt.wanted)
		if ok != tt.covers || len(missing) != tt.missing {
			t.Errorf("%s: %v %v, want %v and %d missing", tt.name, ok, missing, tt.covers, tt.missing)
		}
	}
	_, missing := Covers(nil, []api.PolicyRule{newRule("get,list", "", "secrets", "")})
	want := "user \"bob\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\" \"list\"]}"
	if got := EscalationMessage("bob", []string{"system:authenticated"}, missing, nil); got != want {
		t.Errorf("message:\n%s\nwant\n%s", got, want)
	}
}
