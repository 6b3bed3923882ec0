package apiserver

import (
	"context"
	"errors"
	"fmt"

	"minik8s/apiserver/authorization/rbac"
	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
)

// reconcileBootstrapPolicy creates the bootstrap ClusterRoles and
// ClusterRoleBindings that are missing and adds what the stored ones lack
// (rbac.ReconcileClusterRole decides), as Kubernetes' rbac/bootstrap-roles
// post-start hook.
func (s *Server) reconcileBootstrapPolicy(ctx context.Context) error {
	roles, _ := api.ForResource(api.RBACGroup, "v1", "clusterroles")
	bindings, _ := api.ForResource(api.RBACGroup, "v1", "clusterrolebindings")
	for _, want := range rbac.ClusterRoles() {
		err := s.reconcileOne(ctx, roles, want.Name, func(have api.Object) (api.Object, bool) {
			h, _ := have.(*api.ClusterRole)
			return rbac.ReconcileClusterRole(h, want)
		})
		if err != nil {
			return fmt.Errorf("clusterrole %s: %w", want.Name, err)
		}
	}
	for _, want := range rbac.ClusterRoleBindings() {
		err := s.reconcileOne(ctx, bindings, want.Name, func(have api.Object) (api.Object, bool) {
			h, _ := have.(*api.ClusterRoleBinding)
			return rbac.ReconcileClusterRoleBinding(h, want)
		})
		if err != nil {
			return fmt.Errorf("clusterrolebinding %s: %w", want.Name, err)
		}
	}
	return nil
}

// reconcileOne reads the named object (nil if missing), asks plan what to
// store, and creates or updates it (a conflict with another writer retries).
func (s *Server) reconcileOne(ctx context.Context, info *api.ResourceInfo, name string, plan func(have api.Object) (api.Object, bool)) error {
	for {
		have, rev, err := s.getObject(ctx, info, "", name)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		want, write := plan(have)
		if !write {
			return nil
		}
		if have == nil {
			_, err = s.createObject(ctx, info, want)
			var se *statusError
			if errors.As(err, &se) && se.status.Reason == reasonAlreadyExists {
				continue
			}
			return err
		}
		b, err := encodeStored(want)
		if err != nil {
			return err
		}
		_, err = s.store.Update(ctx, storageKey(info, "", name), b, rev)
		if errors.Is(err, storage.ErrConflict) {
			continue
		}
		return err
	}
}
