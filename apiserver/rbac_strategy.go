package apiserver

import (
	"context"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// rbacStrategy is the registry behaviour of Roles, ClusterRoles and their
// bindings: Kubernetes' defaulting and validation (roleRef immutable), and
// escalation prevention before the write (rbac_escalation.go).
type rbacStrategy struct{ defaultStrategy }

func init() {
	for _, r := range []string{"roles", "clusterroles", "rolebindings", "clusterrolebindings"} {
		strategies[r+"."+api.RBACGroup] = rbacStrategy{}
	}
}

func (rbacStrategy) PrepareForCreate(_ *api.ResourceInfo, obj api.Object) {
	validation.DefaultRBAC(obj)
}
func (rbacStrategy) PrepareForUpdate(obj, _ api.Object) { validation.DefaultRBAC(obj) }
func (rbacStrategy) Validate(obj api.Object) validation.ErrorList {
	return validation.ValidateRBAC(obj)
}
func (rbacStrategy) ValidateUpdate(obj, old api.Object) validation.ErrorList {
	return append(validation.ValidateRBAC(obj), validation.ValidateRBACUpdate(obj, old)...)
}
func (rbacStrategy) BeginCreate(ctx context.Context, s *Server, obj api.Object) (finishFunc, error) {
	return nil, s.checkEscalation(ctx, obj)
}
func (rbacStrategy) BeginUpdate(ctx context.Context, s *Server, obj, _ api.Object, sub string) (finishFunc, error) {
	return nil, s.checkEscalation(ctx, obj)
}
