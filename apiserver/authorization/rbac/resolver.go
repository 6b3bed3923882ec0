package rbac

import (
	"fmt"

	"minik8s/pkg/api"
	"minik8s/pkg/auth/user"
)

// Lister is what the resolver reads: the Roles, ClusterRoles and bindings,
// from a watched cache (apiserver/rbac_cache.go) or from fixed lists (tests).
// A missing role is an error naming it as Kubernetes' listers do.
type Lister interface {
	GetRole(namespace, name string) (*api.Role, error)
	GetClusterRole(name string) (*api.ClusterRole, error)
	ListRoleBindings(namespace string) ([]*api.RoleBinding, error)
	ListClusterRoleBindings() ([]*api.ClusterRoleBinding, error)
}

// Visitor sees each rule that applies (with the binding it comes from) or
// each error met resolving them; returning false stops the visit.
type Visitor func(source fmt.Stringer, rule *api.PolicyRule, err error) bool

// Resolver finds the rules that apply to a user, as Kubernetes'
// DefaultRuleResolver: the ClusterRoleBindings, then (for a namespace) the
// RoleBindings there, whose subjects match the user.
type Resolver struct{ L Lister }

// VisitRulesFor calls visit for each rule granted to u in namespace (""
// = cluster-wide bindings only).
func (r Resolver) VisitRulesFor(u *user.Info, namespace string, visit Visitor) {
	crbs, err := r.L.ListClusterRoleBindings()
	if err != nil {
		if !visit(nil, nil, err) {
			return
		}
	} else {
		for _, b := range crbs {
			i, ok := appliesTo(u, b.Subjects, "")
			if !ok {
				continue
			}
			rules, err := r.RoleRefRules(b.RoleRef, "")
			if err != nil {
				if !visit(nil, nil, err) {
					return
				}
				continue
			}
			src := bindingSource{kind: "ClusterRoleBinding", name: b.Name, ref: b.RoleRef, subject: describeSubject(&b.Subjects[i], "")}
			for j := range rules {
				if !visit(src, &rules[j], nil) {
					return
				}
			}
		}
	}
	if namespace == "" {
		return
	}
	rbs, err := r.L.ListRoleBindings(namespace)
	if err != nil {
		visit(nil, nil, err)
		return
	}
	for _, b := range rbs {
		i, ok := appliesTo(u, b.Subjects, namespace)
		if !ok {
			continue
		}
		rules, err := r.RoleRefRules(b.RoleRef, namespace)
		if err != nil {
			if !visit(nil, nil, err) {
				return
			}
			continue
		}
		src := bindingSource{kind: "RoleBinding", name: b.Name + "/" + b.Namespace, ref: b.RoleRef, subject: describeSubject(&b.Subjects[i], b.Namespace)}
		for j := range rules {
			if !visit(src, &rules[j], nil) {
				return
			}
		}
	}
}

// RulesFor returns every rule granted to u in namespace, and the errors
// met (the rules found are still valid: RBAC only adds).
func (r Resolver) RulesFor(u *user.Info, namespace string) ([]api.PolicyRule, []error) {
	var rules []api.PolicyRule
	var errs []error
	r.VisitRulesFor(u, namespace, func(_ fmt.Stringer, rule *api.PolicyRule, err error) bool {
		if rule != nil {
			rules = append(rules, *rule)
		}
		if err != nil {
			errs = append(errs, err)
		}
		return true
	})
	return rules, errs
}

// RoleRefRules resolves a binding's roleRef to its role's rules.
func (r Resolver) RoleRefRules(ref api.RoleRef, namespace string) ([]api.PolicyRule, error) {
	switch ref.Kind {
	case "Role":
		role, err := r.L.GetRole(namespace, ref.Name)
		if err != nil {
			return nil, err
		}
		return role.Rules, nil
	case "ClusterRole":
		role, err := r.L.GetClusterRole(ref.Name)
		if err != nil {
			return nil, err
		}
		return role.Rules, nil
	}
	return nil, fmt.Errorf("unsupported role reference kind: %q", ref.Kind)
}

// bindingSource describes where a rule comes from, as Kubernetes'
// (cluster)roleBindingDescriber.
type bindingSource struct {
	kind, name string
	ref        api.RoleRef
	subject    string
}

func (b bindingSource) String() string {
	return fmt.Sprintf("%s %q of %s %q to %s", b.kind, b.name, b.ref.Kind, b.ref.Name, b.subject)
}

func describeSubject(s *api.Subject, bindingNamespace string) string {
	if s.Kind == api.ServiceAccountKind {
		ns := s.Namespace
		if ns == "" {
			ns = bindingNamespace
		}
		return fmt.Sprintf("%s %q", s.Kind, s.Name+"/"+ns)
	}
	return fmt.Sprintf("%s %q", s.Kind, s.Name)
}

// appliesTo returns the index of the first subject that is u.
func appliesTo(u *user.Info, subjects []api.Subject, namespace string) (int, bool) {
	for i := range subjects {
		if SubjectMatches(u, &subjects[i], namespace) {
			return i, true
		}
	}
	return 0, false
}

// SubjectMatches reports whether subject s is the user u: a User by name,
// a Group by u's groups, a ServiceAccount as
// system:serviceaccount:NAMESPACE:NAME (the namespace defaults to the
// binding's).
func SubjectMatches(u *user.Info, s *api.Subject, namespace string) bool {
	if u == nil {
		return false
	}
	switch s.Kind {
	case api.UserKind:
		return u.Name == s.Name
	case api.GroupKind:
		return u.InGroup(s.Name)
	case api.ServiceAccountKind:
		ns := s.Namespace
		if ns == "" {
			ns = namespace
		}
		return ns != "" && u.Name == user.ServiceAccountUsernamePrefix+ns+":"+s.Name
	}
	return false
}
