package apiserver

import (
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

func secs(n int64) *int64 { return &n }

// The cases of Kubernetes' defaulttolerationseconds admission_test.go.
func TestDefaultTolerations(t *testing.T) {
	notReady := api.Toleration{Key: taintNodeNotReady, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: secs(300)}
	unreachable := api.Toleration{Key: taintNodeUnreachable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: secs(300)}
	tests := []struct {
		name string
		in   []api.Toleration
		want []api.Toleration
	}{
		{"no tolerations: both defaults", nil, []api.Toleration{notReady, unreachable}},
		{"unrelated tolerations kept, defaults appended",
			[]api.Toleration{{Key: "foo", Operator: api.TolerationOpEqual, Value: "bar", Effect: api.TaintEffectNoSchedule, TolerationSeconds: secs(700)}},
			[]api.Toleration{{Key: "foo", Operator: api.TolerationOpEqual, Value: "bar", Effect: api.TaintEffectNoSchedule, TolerationSeconds: secs(700)}, notReady, unreachable}},
		{"own not-ready toleration kept, unreachable added",
			[]api.Toleration{{Key: taintNodeNotReady, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: secs(700)}},
			[]api.Toleration{{Key: taintNodeNotReady, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: secs(700)}, unreachable}},
		{"own unreachable toleration kept, not-ready added",
			[]api.Toleration{{Key: taintNodeUnreachable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: secs(700)}},
			[]api.Toleration{{Key: taintNodeUnreachable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: secs(700)}, notReady}},
		{"both own tolerations: unchanged",
			[]api.Toleration{
				{Key: taintNodeNotReady, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: secs(700)},
				{Key: taintNodeUnreachable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: secs(700)}},
			[]api.Toleration{
				{Key: taintNodeNotReady, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: secs(700)},
				{Key: taintNodeUnreachable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: secs(700)}}},
		{"own tolerations forever (no seconds): unchanged",
			[]api.Toleration{
				{Key: taintNodeNotReady, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute},
				{Key: taintNodeUnreachable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute}},
			[]api.Toleration{
				{Key: taintNodeNotReady, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute},
				{Key: taintNodeUnreachable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute}}},
		{"empty key with NoExecute tolerates both",
			[]api.Toleration{{Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: secs(700)}},
			[]api.Toleration{{Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute, TolerationSeconds: secs(700)}}},
		{"empty key and effect tolerates everything",
			[]api.Toleration{{Operator: api.TolerationOpExists}},
			[]api.Toleration{{Operator: api.TolerationOpExists}}},
		{"not-ready key with empty effect counts",
			[]api.Toleration{{Key: taintNodeNotReady, Operator: api.TolerationOpExists}},
			[]api.Toleration{{Key: taintNodeNotReady, Operator: api.TolerationOpExists}, unreachable}},
		{"NoSchedule tolerations of the same keys do not count",
			[]api.Toleration{
				{Key: taintNodeNotReady, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule},
				{Key: taintNodeUnreachable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule}},
			[]api.Toleration{
				{Key: taintNodeNotReady, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule},
				{Key: taintNodeUnreachable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule},
				notReady, unreachable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := defaultTolerations(tt.in, 300, 300)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
	got := defaultTolerations(nil, 20, 40)
	if *got[0].TolerationSeconds != 20 || *got[1].TolerationSeconds != 40 {
		t.Errorf("configured seconds: got %d/%d, want 20/40", *got[0].TolerationSeconds, *got[1].TolerationSeconds)
	}
}

// An update that leaves the default tolerations out keeps them (the stored
// pod's), as Kubernetes' admission adds them on updates too.
func TestPodUpdateKeepsDefaultTolerations(t *testing.T) {
	stored := &api.Pod{Spec: api.PodSpec{Tolerations: defaultTolerations(
		[]api.Toleration{{Key: "dedicated", Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule}}, 300, 300)}}
	for _, tt := range []struct {
		name string
		in   []api.Toleration
		want int
	}{
		{"spec as the client created it", []api.Toleration{{Key: "dedicated", Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule}}, 3},
		{"spec as stored", stored.Spec.Tolerations, 3},
		{"own unreachable toleration", []api.Toleration{{Key: "dedicated", Operator: api.TolerationOpExists, Effect: api.TaintEffectNoSchedule},
			{Key: taintNodeUnreachable, Operator: api.TolerationOpExists, Effect: api.TaintEffectNoExecute}}, 3},
		{"tolerates everything", []api.Toleration{{Operator: api.TolerationOpExists}}, 1},
	} {
		pod := &api.Pod{Spec: api.PodSpec{Tolerations: append([]api.Toleration(nil), tt.in...)}}
		podStrategy{}.PrepareForUpdate(pod, stored)
		if len(pod.Spec.Tolerations) != tt.want {
			t.Errorf("%s: %+v, want %d tolerations", tt.name, pod.Spec.Tolerations, tt.want)
		}
		if got := defaultTolerations(pod.Spec.Tolerations, 1, 1); len(got) != len(pod.Spec.Tolerations) {
			t.Errorf("%s: the pod after the update does not tolerate both taints: %+v", tt.name, pod.Spec.Tolerations)
		}
	}
}
