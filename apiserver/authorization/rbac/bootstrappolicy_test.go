package rbac

import (
	"context"
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

// Every bootstrap binding's role exists, names are unique, and rules are
// well-formed (verbs, and groups with resources or URLs, never both).
func TestBootstrapPolicySanity(t *testing.T) {
	roles := map[string]bool{}
	for _, r := range ClusterRoles() {
		if roles[r.Name] {
			t.Errorf("clusterrole %s twice", r.Name)
		}
		roles[r.Name] = true
		if r.Annotations[AutoUpdateAnnotation] != "true" || r.Labels[BootstrapLabel] != BootstrapLabelValue {
			t.Errorf("clusterrole %s: missing the bootstrap label or autoupdate annotation", r.Name)
		}
		for i, rule := range r.Rules {
			if len(rule.Verbs) == 0 || (len(rule.NonResourceURLs) > 0) == (len(rule.Resources) > 0) || (len(rule.Resources) > 0) != (len(rule.APIGroups) > 0) {
				t.Errorf("clusterrole %s rule %d malformed: %+v", r.Name, i, rule)
			}
		}
	}
	for _, b := range ClusterRoleBindings() {
		if !roles[b.RoleRef.Name] || b.RoleRef.Kind != "ClusterRole" || len(b.Subjects) == 0 {
			t.Errorf("clusterrolebinding %s: role %s/%s missing or no subjects", b.Name, b.RoleRef.Kind, b.RoleRef.Name)
		}
	}
}

// The bootstrap policy grants what Kubernetes' does: masters everything,
// anonymous only health and version, the authenticated discovery and
// self reviews, components their work.
func TestBootstrapPolicyGrants(t *testing.T) {
	l := &staticLister{crs: ClusterRoles(), crbs: ClusterRoleBindings()}
	z := New(l)
	anon := &user.Info{Name: user.Anonymous, Groups: []string{user.AllUnauthenticated}}
	bob := &user.Info{Name: "bob", Groups: []string{user.AllAuthenticated}}
	res := func(u *user.Info, verb, group, resource, sub, ns string) authorizer.Attributes {
		return authorizer.Attributes{User: u, Verb: verb, ResourceRequest: true, APIGroup: group, Resource: resource, Subresource: sub, Namespace: ns}
	}
	url := func(u *user.Info, path string) authorizer.Attributes {
		return authorizer.Attributes{User: u, Verb: "get", Path: path}
	}
	name := func(n string, groups ...string) *user.Info {
		return &user.Info{Name: n, Groups: append(groups, user.AllAuthenticated)}
	}
	tests := []struct {
		a    authorizer.Attributes
		want bool
	}{
		{res(name("root", user.SystemPrivilegedGroup), "delete", "apps", "deployments", "", "x"), true},
		{url(name("root", user.SystemPrivilegedGroup), "/anything"), true},
		{url(anon, "/healthz"), true},
		{url(anon, "/livez"), true},
		{url(anon, "/readyz"), true},
		{url(anon, "/version"), true},
		{url(anon, "/api"), false},
		{url(anon, "/apis/apps/v1"), false},
		{url(anon, "/metrics"), false},
		{res(anon, "list", "", "pods", "", "default"), false},
		{url(bob, "/api"), true},
		{url(bob, "/apis/apps/v1"), true},
		{res(bob, "create", api.AuthorizationGroup, "selfsubjectaccessreviews", "", ""), true},
		{res(bob, "list", "", "pods", "", "default"), false},
		{res(name(user.KubeScheduler), "create", "", "pods", "binding", "default"), true},
		{res(name(user.KubeScheduler), "watch", "", "nodes", "", ""), true},
		{res(name(user.KubeScheduler), "get", "", "secrets", "", "default"), false},
		{res(name(user.KubeProxy), "watch", "discovery.k8s.io", "endpointslices", "", ""), true},
		{res(name(user.KubeProxy), "create", "", "pods", "", "default"), false},
		{res(name(user.KubeControllerManager), "create", "apps", "replicasets", "", "default"), true},
		{res(name(user.KubeControllerManager), "delete", "", "pods", "", "default"), true},
		{res(name(user.KubeControllerManager), "update", "apps", "deployments", "status", "default"), true},
		{res(name(user.KubeControllerManager), "create", "discovery.k8s.io", "endpointslices", "", "default"), true},
		{res(name(user.KubeControllerManager), "escalate", api.RBACGroup, "clusterroles", "", ""), true},
		{res(name(user.KubeControllerManager), "escalate", api.RBACGroup, "roles", "", "default"), false},
		{res(name(user.KubeControllerManager), "bind", api.RBACGroup, "clusterroles", "", ""), false},
		{res(name("mon", user.MonitoringGroup), "get", "", "", "", ""), false},
	}
	for _, tt := range tests {
		d, _, _ := z.Authorize(context.Background(), tt.a)
		if (d == authorizer.DecisionAllow) != tt.want {
			t.Errorf("%s %s %s/%s%s: %v, want allowed=%v", tt.a.User.Name, tt.a.Verb, tt.a.Resource, tt.a.Subresource, tt.a.Path, d, tt.want)
		}
	}
}

// Reconciling adds what is missing and leaves autoupdate=false alone.
func TestReconcileClusterRole(t *testing.T) {
	want := clusterRole("r", nil, newRule("get,list", "", "pods", ""))
	if got, write := ReconcileClusterRole(nil, want); !write || got != want {
		t.Errorf("missing role: %v %v, want a create", got, write)
	}
	have := clusterRole("r", nil, newRule("get", "", "pods", ""), newRule("get", "", "secrets", ""))
	got, write := ReconcileClusterRole(have, want)
	if !write || len(got.Rules) != 3 || got.Rules[2].Verbs[0] != "list" || got.Rules[1].Resources[0] != "secrets" {
		t.Errorf("role lacking a verb: %v %+v, want the list rule added and the extra rule kept", write, got.Rules)
	}
	if _, write := ReconcileClusterRole(got, want); write {
		t.Error("reconciled role: want no write")
	}
	frozen := clusterRole("r", nil)
	frozen.Annotations[AutoUpdateAnnotation] = "false"
	if _, write := ReconcileClusterRole(frozen, want); write {
		t.Error("autoupdate=false: want no write")
	}
	agg := aggregated("view", nil, AggregateToView)
	haveAgg := aggregated("view", nil, AggregateToView)
	haveAgg.Rules = []api.PolicyRule{newRule("get", "", "pods", "")}
	if _, write := ReconcileClusterRole(haveAgg, agg); write {
		t.Error("aggregated role with aggregated rules: want no write")
	}
	b := clusterRoleBinding("x", groupSubject("g1"))
	hb := clusterRoleBinding("x", userSubject("u"))
	got2, write := ReconcileClusterRoleBinding(hb, b)
	if !write || len(got2.Subjects) != 2 {
		t.Errorf("binding: %v %+v, want the group added", write, got2.Subjects)
	}
}
