package api

import "testing"

// The cases of Kubernetes' TestTolerationToleratesTaint (k8s.io/api
// core/v1/toleration_test.go), then the defaults it leaves implicit.
func TestTolerationToleratesTaint(t *testing.T) {
	for _, tc := range []struct {
		description string
		toleration  Toleration
		taint       Taint
		want        bool
	}{
		{
			description: "same key and effect, Exists, taint without value",
			toleration:  Toleration{Key: "foo", Operator: TolerationOpExists, Effect: TaintEffectNoSchedule},
			taint:       Taint{Key: "foo", Effect: TaintEffectNoSchedule},
			want:        true,
		},
		{
			description: "same key and effect, Exists, taint with a value",
			toleration:  Toleration{Key: "foo", Operator: TolerationOpExists, Effect: TaintEffectNoSchedule},
			taint:       Taint{Key: "foo", Value: "bar", Effect: TaintEffectNoSchedule},
			want:        true,
		},
		{
			description: "same effect, empty key with Exists matches all taints",
			toleration:  Toleration{Key: "", Operator: TolerationOpExists, Effect: TaintEffectNoSchedule},
			taint:       Taint{Key: "foo", Value: "bar", Effect: TaintEffectNoSchedule},
			want:        true,
		},
		{
			description: "same key, effect and value, Equal",
			toleration:  Toleration{Key: "foo", Operator: TolerationOpEqual, Value: "bar", Effect: TaintEffectNoSchedule},
			taint:       Taint{Key: "foo", Value: "bar", Effect: TaintEffectNoSchedule},
			want:        true,
		},
		{
			description: "same key and effect, different values, Equal",
			toleration:  Toleration{Key: "foo", Operator: TolerationOpEqual, Value: "value1", Effect: TaintEffectNoSchedule},
			taint:       Taint{Key: "foo", Value: "value2", Effect: TaintEffectNoSchedule},
			want:        false,
		},
		{
			description: "same key and value, different effects, Equal",
			toleration:  Toleration{Key: "foo", Operator: TolerationOpEqual, Value: "bar", Effect: TaintEffectNoSchedule},
			taint:       Taint{Key: "foo", Value: "bar", Effect: TaintEffectNoExecute},
			want:        false,
		},
		{
			description: "empty operator is Equal, empty effect matches every effect",
			toleration:  Toleration{Key: "foo", Value: "bar"},
			taint:       Taint{Key: "foo", Value: "bar", Effect: TaintEffectNoExecute},
			want:        true,
		},
		{
			description: "empty operator is Equal: a different value is not tolerated",
			toleration:  Toleration{Key: "foo", Value: "baz"},
			taint:       Taint{Key: "foo", Value: "bar", Effect: TaintEffectNoExecute},
			want:        false,
		},
		{
			description: "empty toleration with Exists tolerates everything",
			toleration:  Toleration{Operator: TolerationOpExists},
			taint:       Taint{Key: "foo", Value: "bar", Effect: TaintEffectPreferNoSchedule},
			want:        true,
		},
		{
			description: "different key",
			toleration:  Toleration{Key: "other", Operator: TolerationOpExists},
			taint:       Taint{Key: "foo", Effect: TaintEffectNoSchedule},
			want:        false,
		},
		{
			description: "unknown operator tolerates nothing",
			toleration:  Toleration{Key: "foo", Operator: "Bogus"},
			taint:       Taint{Key: "foo", Effect: TaintEffectNoSchedule},
			want:        false,
		},
	} {
		if got := tc.toleration.ToleratesTaint(&tc.taint); got != tc.want {
			t.Errorf("%s: got %v, want %v (toleration %+v, taint %+v)", tc.description, got, tc.want, tc.toleration, tc.taint)
		}
	}
}

func TestTaintToleratedByTolerations(t *testing.T) {
	taint := Taint{Key: "foo", Value: "bar", Effect: TaintEffectNoExecute}
	for _, tc := range []struct {
		name string
		tols []Toleration
		want bool
	}{
		{"none", nil, false},
		{"no match", []Toleration{{Key: "foo", Value: "baz"}}, false},
		{"second matches", []Toleration{{Key: "foo", Value: "baz"}, {Key: "foo", Operator: TolerationOpExists}}, true},
	} {
		if got := TaintToleratedByTolerations(&taint, tc.tols); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
