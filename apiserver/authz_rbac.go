package apiserver

import (
	"context"
	"errors"

	"minik8s/pkg/auth/authorizer"
)

// newRBACAuthorizer returns the RBAC authorizer over the Roles, ClusterRoles
// and bindings in storage.
//
// Seam: the RBAC helper fills this in.
func (s *Server) newRBACAuthorizer(ctx context.Context) (authorizer.Authorizer, error) {
	return nil, errors.New("not implemented yet")
}
