package apiserver

import (
	"context"
	"fmt"
	"net/http"

	"minik8s/apiserver/authorization/rbac"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

// Escalation prevention, as Kubernetes' RBAC registries: a user may write a
// Role or ClusterRole only with rules it holds itself (or the `escalate`
// verb on it), and a binding only to a role whose rules it holds (or the
// `bind` verb on it). system:masters may do anything. Requests without a
// user are the apiserver's own (bootstrap policy).

// checkEscalation returns a 403 when writing obj would grant its writer
// more than it holds.
func (s *Server) checkEscalation(ctx context.Context, obj api.Object) error {
	u, ok := user.From(ctx)
	if !ok || u.InGroup(user.SystemPrivilegedGroup) {
		return nil
	}
	m := obj.GetObjectMeta()
	var rules []api.PolicyRule
	var resource string
	switch o := obj.(type) {
	case *api.Role:
		resource, rules = "roles", o.Rules
	case *api.ClusterRole:
		resource, rules = "clusterroles", o.Rules
		if o.AggregationRule != nil {
			// Kubernetes: an aggregated role may hold anything, so only
			// full authority may write one.
			rules = []api.PolicyRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}},
				{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}}
		}
	case *api.RoleBinding:
		return s.checkBind(ctx, u, "rolebindings", m.Namespace, m.Name, o.RoleRef)
	case *api.ClusterRoleBinding:
		return s.checkBind(ctx, u, "clusterrolebindings", "", m.Name, o.RoleRef)
	default:
		return nil
	}
	if s.authorized(ctx, u, "escalate", resource, m.Namespace, m.Name) {
		return nil
	}
	return s.confirmNoEscalation(u, resource, m.Namespace, m.Name, rules)
}

// checkBind: the `bind` verb on the referenced role, or holding its rules.
func (s *Server) checkBind(ctx context.Context, u *user.Info, resource, namespace, name string, ref api.RoleRef) error {
	refResource := "roles"
	if ref.Kind == "ClusterRole" {
		refResource = "clusterroles"
	}
	if s.authorized(ctx, u, "bind", refResource, namespace, ref.Name) {
		return nil
	}
	if s.rbac == nil {
		return errForbiddenRBAC(resource, name, "cannot bind without the bind verb (RBAC is not enabled)")
	}
	rules, err := rbac.Resolver{L: s.rbac}.RoleRefRules(ref, namespace)
	if err != nil {
		return errForbiddenRBAC(resource, name, err.Error())
	}
	return s.confirmNoEscalation(u, resource, namespace, name, rules)
}

// authorized asks the server's authorizer about a verb on an RBAC object.
func (s *Server) authorized(ctx context.Context, u *user.Info, verb, resource, namespace, name string) bool {
	d, _, _ := s.authz.Authorize(ctx, authorizer.Attributes{User: u, Verb: verb, ResourceRequest: true, APIGroup: api.RBACGroup,
		APIVersion: "v1", Resource: resource, Namespace: namespace, Name: name})
	return d == authorizer.DecisionAllow
}

// confirmNoEscalation is Kubernetes' ConfirmNoEscalation: the user's own
// rules in the namespace must cover rules.
func (s *Server) confirmNoEscalation(u *user.Info, resource, namespace, name string, rules []api.PolicyRule) error {
	var owner []api.PolicyRule
	var errs []error
	if s.rbac != nil {
		owner, errs = rbac.Resolver{L: s.rbac}.RulesFor(u, namespace)
	}
	ok, missing := rbac.Covers(owner, rules)
	if ok {
		return nil
	}
	return errForbiddenRBAC(resource, name, rbac.EscalationMessage(u.Name, u.Groups, missing, errs))
}

// errForbiddenRBAC is errors.NewForbidden(rbac resource, name, err).
func errForbiddenRBAC(resource, name, msg string) error {
	gr := resource + "." + api.RBACGroup
	return newStatusError(http.StatusForbidden, reasonForbidden, fmt.Sprintf("%s %q is forbidden: %s", gr, name, msg),
		&api.StatusDetails{Name: name, Group: api.RBACGroup, Kind: resource})
}
