package printers

import (
	"strings"
	"time"

	"minik8s/pkg/api"
)

// RBAC columns, as Kubernetes' printRole, printClusterRole,
// printRoleBinding and printClusterRoleBinding: NAME CREATED AT for roles;
// NAME ROLE AGE (wide: USERS GROUPS SERVICEACCOUNTS) for bindings.
func init() {
	roleCols := []api.TableColumnDefinition{nameCol(), col("Created At", TypeDate, "Time the object was created (metadata.creationTimestamp).")}
	created := func(m *api.ObjectMeta) string { return m.CreationTimestamp.Time.UTC().Format(time.RFC3339) }
	register("Role", roleCols, func(r *api.Role, _ time.Time) ([]any, []api.TableRowCondition) {
		return []any{r.Name, created(&r.ObjectMeta)}, nil
	})
	register("ClusterRole", roleCols, func(r *api.ClusterRole, _ time.Time) ([]any, []api.TableRowCondition) {
		return []any{r.Name, created(&r.ObjectMeta)}, nil
	})
	bindingCols := []api.TableColumnDefinition{
		nameCol(),
		col("Role", TypeString, "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable."),
		ageCol(),
		wideCol("Users", TypeString, "Users in the roleBinding"),
		wideCol("Groups", TypeString, "Groups in the roleBinding"),
		wideCol("ServiceAccounts", TypeString, "ServiceAccounts in the roleBinding"),
	}
	register("RoleBinding", bindingCols, func(b *api.RoleBinding, now time.Time) ([]any, []api.TableRowCondition) {
		return bindingRow(&b.ObjectMeta, b.RoleRef, b.Subjects, now), nil
	})
	register("ClusterRoleBinding", bindingCols, func(b *api.ClusterRoleBinding, now time.Time) ([]any, []api.TableRowCondition) {
		return bindingRow(&b.ObjectMeta, b.RoleRef, b.Subjects, now), nil
	})
}

func bindingRow(m *api.ObjectMeta, ref api.RoleRef, subjects []api.Subject, now time.Time) []any {
	users, groups, sas := SubjectsStrings(subjects)
	return []any{m.Name, ref.Kind + "/" + ref.Name, Age(m.CreationTimestamp, now),
		strings.Join(users, ", "), strings.Join(groups, ", "), strings.Join(sas, ", ")}
}

// SubjectsStrings splits a binding's subjects into users, groups and
// service accounts ("namespace/name"), as Kubernetes' SubjectsStrings.
func SubjectsStrings(subjects []api.Subject) (users, groups, sas []string) {
	for _, s := range subjects {
		switch s.Kind {
		case api.ServiceAccountKind:
			sas = append(sas, s.Namespace+"/"+s.Name)
		case api.UserKind:
			users = append(users, s.Name)
		case api.GroupKind:
			groups = append(groups, s.Name)
		}
	}
	return users, groups, sas
}
