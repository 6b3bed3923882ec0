package apiserver

import (
	"context"
	"fmt"

	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

// newAuthorizer builds the union of the --authorization-mode authorizers,
// in the order given (Kubernetes' authorizer union).
func (s *Server) newAuthorizer(ctx context.Context) (authorizer.Authorizer, error) {
	// system:masters is allowed everything before any mode is asked, as
	// Kubernetes' privileged-groups authorizer.
	u := authorizer.Union{privilegedGroups(user.SystemPrivilegedGroup)}
	for _, m := range s.opts.AuthorizationMode {
		switch m {
		case "AlwaysAllow":
			u = append(u, authorizer.AlwaysAllow)
		case "AlwaysDeny":
			u = append(u, authorizer.AlwaysDeny)
		case "RBAC":
			a, err := s.newRBACAuthorizer(ctx)
			if err != nil {
				return nil, fmt.Errorf("RBAC: %w", err)
			}
			u = append(u, a)
		case "Node":
			a, err := s.newNodeAuthorizer(ctx)
			if err != nil {
				return nil, fmt.Errorf("Node: %w", err)
			}
			u = append(u, a)
		default:
			return nil, fmt.Errorf("--authorization-mode: unknown mode %q (want AlwaysAllow, AlwaysDeny, Node or RBAC)", m)
		}
	}
	if len(u) == 1 {
		return nil, fmt.Errorf("--authorization-mode: at least one mode is required")
	}
	return u, nil
}

// privilegedGroups allows every request of a user in one of groups.
func privilegedGroups(groups ...string) authorizer.Authorizer {
	return authorizer.Func(func(_ context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
		for _, g := range groups {
			if a.User.InGroup(g) {
				return authorizer.DecisionAllow, "", nil
			}
		}
		return authorizer.DecisionNoOpinion, "", nil
	})
}
