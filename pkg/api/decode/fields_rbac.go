package decode

import (
	"reflect"

	rbacv1 "k8s.io/api/rbac/v1"
)

// The RBAC kinds' Kubernetes types (kept apart so the main map's alignment
// does not change).
func init() {
	for k, t := range map[string]reflect.Type{
		"rbac.authorization.k8s.io/v1/Role":               reflect.TypeFor[rbacv1.Role](),
		"rbac.authorization.k8s.io/v1/ClusterRole":        reflect.TypeFor[rbacv1.ClusterRole](),
		"rbac.authorization.k8s.io/v1/RoleBinding":        reflect.TypeFor[rbacv1.RoleBinding](),
		"rbac.authorization.k8s.io/v1/ClusterRoleBinding": reflect.TypeFor[rbacv1.ClusterRoleBinding](),
	} {
		kubernetesTypes[k] = t
	}
}
