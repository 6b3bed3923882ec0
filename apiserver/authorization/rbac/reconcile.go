package rbac

import (
	"reflect"

	"minik8s/pkg/api"
)

// Reconciliation of the bootstrap policy at apiserver start (Kubernetes'
// registry/rbac/reconciliation, run by the rbac/bootstrap-roles post-start
// hook): a missing object is created; an existing one that does not say
// rbac.authorization.kubernetes.io/autoupdate=false gets the labels,
// annotations, rules, aggregation selectors and subjects it lacks. Nothing
// is removed.

// ReconcileClusterRole returns what to store for the bootstrap role want
// given the stored one (nil: none), and whether a write is needed.
func ReconcileClusterRole(have, want *api.ClusterRole) (*api.ClusterRole, bool) {
	if have == nil || frozen(&have.ObjectMeta) {
		return cmpOr(have, want), have == nil
	}
	out := *have
	out.ObjectMeta = mergedMeta(&have.ObjectMeta, &want.ObjectMeta)
	if want.AggregationRule != nil {
		ar := api.AggregationRule{}
		if have.AggregationRule != nil {
			ar.ClusterRoleSelectors = append(ar.ClusterRoleSelectors, have.AggregationRule.ClusterRoleSelectors...)
		}
		for _, sel := range want.AggregationRule.ClusterRoleSelectors {
			found := false
			for _, h := range ar.ClusterRoleSelectors {
				found = found || reflect.DeepEqual(h, sel)
			}
			if !found {
				ar.ClusterRoleSelectors = append(ar.ClusterRoleSelectors, sel)
			}
		}
		out.AggregationRule = &ar
	} else if _, missing := Covers(have.Rules, want.Rules); len(missing) > 0 {
		out.Rules = append(append([]api.PolicyRule(nil), have.Rules...), missing...)
	}
	return &out, !reflect.DeepEqual(&out, have)
}

// ReconcileClusterRoleBinding is ReconcileClusterRole for a binding: the
// subjects it lacks are added.
func ReconcileClusterRoleBinding(have, want *api.ClusterRoleBinding) (*api.ClusterRoleBinding, bool) {
	if have == nil || frozen(&have.ObjectMeta) {
		return cmpOr(have, want), have == nil
	}
	out := *have
	out.ObjectMeta = mergedMeta(&have.ObjectMeta, &want.ObjectMeta)
	out.Subjects = append([]api.Subject(nil), have.Subjects...)
	for _, s := range want.Subjects {
		found := false
		for _, h := range out.Subjects {
			found = found || h == s
		}
		if !found {
			out.Subjects = append(out.Subjects, s)
		}
	}
	return &out, !reflect.DeepEqual(&out, have)
}

// frozen: the stored object asks not to be updated (autoupdate=false).
func frozen(m *api.ObjectMeta) bool { return m.Annotations[AutoUpdateAnnotation] == "false" }

// cmpOr is have, or want when have is nil.
func cmpOr[T any](have, want *T) *T {
	if have != nil {
		return have
	}
	return want
}

// mergedMeta is have's metadata with the labels and annotations of want
// it lacks.
func mergedMeta(have, want *api.ObjectMeta) api.ObjectMeta {
	m := *have
	m.Labels = mergeMaps(have.Labels, want.Labels)
	m.Annotations = mergeMaps(have.Annotations, want.Annotations)
	return m
}

func mergeMaps(have, want map[string]string) map[string]string {
	if len(want) == 0 {
		return have
	}
	out := make(map[string]string, len(have)+len(want))
	for k, v := range have {
		out[k] = v
	}
	for k, v := range want {
		if _, ok := out[k]; !ok {
			out[k] = v
		}
	}
	return out
}
