package validation

import (
	"testing"

	"minik8s/pkg/api"
)

func TestValidateAffinity(t *testing.T) {
	req := func(terms ...api.NodeSelectorTerm) *api.Affinity {
		return &api.Affinity{NodeAffinity: &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{NodeSelectorTerms: terms}}}
	}
	expr := func(key, op string, values ...string) api.NodeSelectorTerm {
		return api.NodeSelectorTerm{MatchExpressions: []api.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	const rp = "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
	tests := []struct {
		name string
		a    *api.Affinity
		want []string
	}{
		{"valid", req(expr("zone", "In", "a"), expr("gpu", "Exists"), expr("cores", "Gt", "4")), nil},
		{"no terms", req(), []string{rp + ".nodeSelectorTerms: Required value: must have at least one node selector term"}},
		{"In without values", req(expr("zone", "In")), []string{rp + ".nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"}},
		{"Exists with values", req(expr("zone", "Exists", "a")), []string{rp + ".nodeSelectorTerms[0].matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"}},
		{"Gt with two values", req(expr("n", "Gt", "1", "2")), []string{rp + ".nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"}},
		{"bad operator", req(expr("zone", "Near", "a")), []string{rp + `.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator`}},
		{"bad weight", &api.Affinity{NodeAffinity: &api.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []api.PreferredSchedulingTerm{{Weight: 0, Preference: expr("zone", "Exists")}}}},
			[]string{"spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100"}},
		{"bad field key", req(api.NodeSelectorTerm{MatchFields: []api.NodeSelectorRequirement{{Key: "metadata.labels", Operator: "In", Values: []string{"a"}}}}),
			[]string{rp + `.nodeSelectorTerms[0].matchFields[0].key: Invalid value: "metadata.labels": not a valid field selector key`}},
	}
	for _, tt := range tests {
		pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p"}, Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}, Affinity: tt.a}}
		errs := Validate(pod)
		var got []string
		for _, e := range errs {
			got = append(got, e.Error())
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("%s: got %q, want %q", tt.name, got[i], tt.want[i])
			}
		}
	}
}
