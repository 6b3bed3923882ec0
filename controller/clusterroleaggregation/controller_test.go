package clusterroleaggregation

import (
	"testing"

	"minik8s/pkg/api"
)

func role(name string, lbls map[string]string, verbs ...string) *api.ClusterRole {
	r := &api.ClusterRole{ObjectMeta: api.ObjectMeta{Name: name, Labels: lbls}}
	for _, v := range verbs {
		r.Rules = append(r.Rules, api.PolicyRule{Verbs: []string{v}, APIGroups: []string{""}, Resources: []string{name}})
	}
	return r
}

func aggregator(name string, rules []api.PolicyRule, sels ...map[string]string) *api.ClusterRole {
	r := &api.ClusterRole{ObjectMeta: api.ObjectMeta{Name: name}, Rules: rules, AggregationRule: &api.AggregationRule{}}
	for _, s := range sels {
		r.AggregationRule.ClusterRoleSelectors = append(r.AggregationRule.ClusterRoleSelectors, api.LabelSelector{MatchLabels: s})
	}
	return r
}

// Cases after Kubernetes' clusterroleaggregation TestSyncClusterRole.
func TestAggregatedRules(t *testing.T) {
	hammer := map[string]string{"foo": "bar"}
	a := role("a", hammer, "get")
	b := role("b", hammer, "list", "get")
	c := role("c", map[string]string{"other": "x"}, "watch")
	dup := &api.ClusterRole{ObjectMeta: api.ObjectMeta{Name: "dup", Labels: hammer}, Rules: a.Rules}
	tests := []struct {
		name    string
		role    *api.ClusterRole
		all     []*api.ClusterRole
		want    int
		changed bool
	}{
		{"no aggregation rule", role("x", nil, "get"), []*api.ClusterRole{a}, 1, false},
		{"gathers matching roles", aggregator("agg", nil, hammer), []*api.ClusterRole{b, a, c}, 3, true},
		{"two selectors", aggregator("agg", nil, hammer, map[string]string{"other": "x"}), []*api.ClusterRole{a, c}, 2, true},
		{"each rule once", aggregator("agg", nil, hammer), []*api.ClusterRole{a, dup}, 1, true},
		{"already aggregated", aggregator("agg", a.Rules, hammer), []*api.ClusterRole{a}, 1, false},
		{"rules of removed roles go", aggregator("agg", append(a.Rules, c.Rules...), hammer), []*api.ClusterRole{a}, 1, true},
		{"nothing matches", aggregator("agg", nil, map[string]string{"none": "x"}), []*api.ClusterRole{a}, 0, false},
	}
	for _, tt := range tests {
		all := append(tt.all, tt.role)
		got, changed := AggregatedRules(tt.role, all)
		if len(got) != tt.want || changed != tt.changed {
			t.Errorf("%s: %d rules %+v changed=%v, want %d changed=%v", tt.name, len(got), got, changed, tt.want, tt.changed)
		}
	}
	// Order: by role name, so a's rule first.
	got, _ := AggregatedRules(aggregator("agg", nil, hammer), []*api.ClusterRole{b, a})
	if got[0].Resources[0] != "a" {
		t.Errorf("order: %+v, want a's rules first", got)
	}
}
