package rbac

import (
	"context"
	"fmt"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
)

// Authorizer is Kubernetes' RBACAuthorizer: it allows a request when a
// rule granted to the user allows it, with the reason naming the binding,
// and has no opinion otherwise (the reason then lists the errors met).
type Authorizer struct{ Resolver Resolver }

var _ authorizer.Authorizer = (*Authorizer)(nil)

// New returns the authorizer over l.
func New(l Lister) *Authorizer { return &Authorizer{Resolver: Resolver{L: l}} }

// Authorize implements authorizer.Authorizer.
func (z *Authorizer) Authorize(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	var reason string
	var errs []string
	allowed := false
	z.Resolver.VisitRulesFor(a.User, a.Namespace, func(src fmt.Stringer, rule *api.PolicyRule, err error) bool {
		if rule != nil && RuleAllows(a, rule) {
			allowed, reason = true, "RBAC: allowed by "+src.String()
			return false
		}
		if err != nil {
			errs = append(errs, err.Error())
		}
		return true
	})
	if allowed {
		return authorizer.DecisionAllow, reason, nil
	}
	if len(errs) > 0 {
		return authorizer.DecisionNoOpinion, "RBAC: " + aggregate(errs), nil
	}
	return authorizer.DecisionNoOpinion, "", nil
}

// aggregate prints errors as utilerrors.NewAggregate does: one as itself,
// several as "[a, b]".
func aggregate(errs []string) string {
	if len(errs) == 1 {
		return errs[0]
	}
	return "[" + strings.Join(errs, ", ") + "]"
}
