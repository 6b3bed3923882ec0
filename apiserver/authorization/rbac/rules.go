// Package rbac is Kubernetes' RBAC authorizer: rules of Roles and
// ClusterRoles, granted by RoleBindings and ClusterRoleBindings, matched
// against a request's attributes.
package rbac

import (
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
)

// RulesAllow reports whether any of rules allows the request, as
// Kubernetes' rbac.RulesAllow.
func RulesAllow(a authorizer.Attributes, rules ...api.PolicyRule) bool {
	for i := range rules {
		if RuleAllows(a, &rules[i]) {
			return true
		}
	}
	return false
}

// RuleAllows reports whether rule allows the request (Kubernetes'
// rbac.RuleAllows): verb and API group and resource (or "*/sub") and name
// for resource requests; verb and URL (a trailing * is a prefix) for the
// others.
func RuleAllows(a authorizer.Attributes, rule *api.PolicyRule) bool {
	if !matches(rule.Verbs, a.Verb) {
		return false
	}
	if a.ResourceRequest {
		combined := a.Resource
		if a.Subresource != "" {
			combined += "/" + a.Subresource
		}
		return matches(rule.APIGroups, a.APIGroup) &&
			resourceMatches(rule, combined, a.Subresource) &&
			(len(rule.ResourceNames) == 0 || contains(rule.ResourceNames, a.Name))
	}
	for _, u := range rule.NonResourceURLs {
		if u == "*" || u == a.Path || (strings.HasSuffix(u, "*") && strings.HasPrefix(a.Path, strings.TrimRight(u, "*"))) {
			return true
		}
	}
	return false
}

func matches(list []string, v string) bool {
	for _, x := range list {
		if x == "*" || x == v {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func resourceMatches(rule *api.PolicyRule, combined, sub string) bool {
	for _, r := range rule.Resources {
		switch {
		case r == "*" || r == combined:
			return true
		case sub != "" && len(r) == len(sub)+2 && strings.HasPrefix(r, "*/") && strings.HasSuffix(r, sub):
			return true
		}
	}
	return false
}
