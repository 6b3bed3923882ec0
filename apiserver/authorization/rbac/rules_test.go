package rbac

import (
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
)

// Cases after Kubernetes' rbac TestRuleMatches.
func TestRuleAllows(t *testing.T) {
	res := func(verb, group, resource, sub, name string) authorizer.Attributes {
		return authorizer.Attributes{ResourceRequest: true, Verb: verb, APIGroup: group, Resource: resource, Subresource: sub, Name: name}
	}
	nonRes := func(verb, path string) authorizer.Attributes { return authorizer.Attributes{Verb: verb, Path: path} }
	tests := []struct {
		name string
		rule api.PolicyRule
		a    authorizer.Attributes
		want bool
	}{
		{"star verb", api.PolicyRule{Verbs: []string{"*"}, APIGroups: []string{""}, Resources: []string{"pods"}}, res("get", "", "pods", "", ""), true},
		{"wrong verb", api.PolicyRule{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"pods"}}, res("get", "", "pods", "", ""), false},
		{"wrong group", api.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{"apps"}, Resources: []string{"pods"}}, res("get", "", "pods", "", ""), false},
		{"star group", api.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{"*"}, Resources: []string{"deployments"}}, res("get", "apps", "deployments", "", ""), true},
		{"subresource needs its own grant", api.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}, res("get", "", "pods", "log", "p"), false},
		{"subresource", api.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods/log"}}, res("get", "", "pods", "log", "p"), true},
		{"star slash subresource", api.PolicyRule{Verbs: []string{"update"}, APIGroups: []string{"*"}, Resources: []string{"*/scale"}}, res("update", "apps", "deployments", "scale", "d"), true},
		{"star slash other subresource", api.PolicyRule{Verbs: []string{"update"}, APIGroups: []string{"*"}, Resources: []string{"*/scale"}}, res("update", "apps", "deployments", "status", "d"), false},
		{"star resource covers subresources", api.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"*"}}, res("get", "", "pods", "log", "p"), true},
		{"resource names match", api.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{"a", "b"}}, res("get", "", "pods", "", "b"), true},
		{"resource names miss", api.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{"a"}}, res("get", "", "pods", "", "c"), false},
		{"resource names and a list", api.PolicyRule{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{"a"}}, res("list", "", "pods", "", ""), false},
		{"non-resource exact", api.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}, nonRes("get", "/healthz"), true},
		{"non-resource prefix", api.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/api/*"}}, nonRes("get", "/api/v1"), true},
		{"non-resource other", api.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}, nonRes("get", "/version"), false},
		{"non-resource rule on a resource request", api.PolicyRule{Verbs: []string{"get"}, NonResourceURLs: []string{"*"}}, res("get", "", "pods", "", ""), false},
		{"resource rule on a non-resource request", api.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{"*"}, Resources: []string{"*"}}, nonRes("get", "/healthz"), false},
	}
	for _, tt := range tests {
		if got := RuleAllows(tt.a, &tt.rule); got != tt.want {
			t.Errorf("%s: RuleAllows = %v, want %v", tt.name, got, tt.want)
		}
	}
}
