package apiserver

import (
	"context"
	"fmt"
	"time"

	"minik8s/apiserver/authorization/rbac"
	"minik8s/pkg/auth/authorizer"
)

// newRBACAuthorizer returns the RBAC authorizer over the Roles, ClusterRoles
// and bindings in storage: it reconciles the bootstrap policy
// (rbac_bootstrap.go), starts the watched cache the authorizer reads
// (rbac_cache.go) and waits for its first list.
func (s *Server) newRBACAuthorizer(ctx context.Context) (authorizer.Authorizer, error) {
	initCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.reconcileBootstrapPolicy(initCtx); err != nil {
		return nil, fmt.Errorf("bootstrap policy: %w", err)
	}
	c := newRBACCache()
	go c.run(ctx, s.store)
	if err := c.waitSynced(initCtx); err != nil {
		return nil, err
	}
	s.rbac = c
	return rbac.New(c), nil
}
