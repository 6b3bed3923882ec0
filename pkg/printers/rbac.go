package printers

import (
	"fmt"
	"sort"
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

// PolicyRuleRows are the rows of kubectl's rule tables (describe role,
// auth can-i --list): Resources, Non-Resource URLs, Resource Names, Verbs,
// of the rules broken down, compacted and sorted as kubectl does.
func PolicyRuleRows(rules []api.PolicyRule) [][4]string {
	var broken []api.PolicyRule
	for _, r := range rules {
		broken = append(broken, r.Breakdown()...)
	}
	compact := compactRules(broken)
	sort.SliceStable(compact, func(i, j int) bool { return ruleString(compact[i]) < ruleString(compact[j]) })
	rows := make([][4]string, len(compact))
	for i, r := range compact {
		rows[i] = [4]string{combineResourceGroup(r.Resources, r.APIGroups), listString(r.NonResourceURLs), listString(r.ResourceNames), listString(r.Verbs)}
	}
	return rows
}

// combineResourceGroup is kubectl's CombineResourceGroup: "deployments.apps/scale".
func combineResourceGroup(resources, groups []string) string {
	if len(resources) == 0 {
		return ""
	}
	res, sub, hasSub := strings.Cut(resources[0], "/")
	if len(groups) > 0 && groups[0] != "" {
		res += "." + groups[0]
	}
	if hasSub {
		res += "/" + sub
	}
	return res
}

func listString(v []string) string { return "[" + strings.Join(v, " ") + "]" }

// ruleString is the generated String of rbacv1.PolicyRule, kubectl's sort key.
func ruleString(r api.PolicyRule) string {
	return fmt.Sprintf("&PolicyRule{Verbs:%v,APIGroups:%v,Resources:%v,ResourceNames:%v,NonResourceURLs:%v,}",
		listString(r.Verbs), listString(r.APIGroups), listString(r.Resources), listString(r.ResourceNames), listString(r.NonResourceURLs))
}

// compactRules merges the simple resource rules (one group, one resource,
// at most one name) that differ only in their verbs, as kubectl's rbac
// util CompactRules; other rules stay as they are.
func compactRules(rules []api.PolicyRule) []api.PolicyRule {
	var out, simple []api.PolicyRule
	idx := map[string]int{}
	for _, r := range rules {
		if len(r.ResourceNames) > 1 || len(r.NonResourceURLs) > 0 || len(r.APIGroups) != 1 || len(r.Resources) != 1 {
			out = append(out, r)
			continue
		}
		k := r.APIGroups[0] + "\x00" + r.Resources[0] + "\x00" + strings.Join(r.ResourceNames, "")
		if i, ok := idx[k]; ok {
			for _, v := range r.Verbs {
				if !hasString(simple[i].Verbs, v) {
					simple[i].Verbs = append(simple[i].Verbs, v)
				}
			}
			continue
		}
		idx[k] = len(simple)
		r.Verbs = append([]string(nil), r.Verbs...)
		simple = append(simple, r)
	}
	return append(out, simple...)
}

func hasString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
