package kubelet

import (
	"reflect"
	"sort"
	"testing"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/kubelet/stats"
)

// TestStatsPods: pods with a ready sandbox, each with its newest
// container of every name when that one runs (an exited newest attempt
// hides an older running one: it is not the container any more).
func TestStatsPods(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	sbs := []*runtime.Sandbox{
		{ID: "sb-old", PodUID: "u1", Name: "web", Namespace: "default", State: runtime.SandboxNotReady, CreatedAt: t0},
		{ID: "sb-1", PodUID: "u1", Name: "web", Namespace: "default", State: runtime.SandboxReady, CreatedAt: t0.Add(time.Minute)},
		{ID: "sb-2", PodUID: "u2", Name: "dead", Namespace: "default", State: runtime.SandboxNotReady, CreatedAt: t0},
	}
	cs := []*runtime.Container{
		{ID: "a0", PodUID: "u1", Name: "app", Attempt: 0, State: runtime.ContainerExited, CreatedAt: t0},
		{ID: "a1", PodUID: "u1", Name: "app", Attempt: 1, State: runtime.ContainerRunning, CreatedAt: t0.Add(2 * time.Minute), StartedAt: t0.Add(3 * time.Minute)},
		{ID: "s0", PodUID: "u1", Name: "side", Attempt: 0, State: runtime.ContainerRunning, CreatedAt: t0},
		{ID: "s1", PodUID: "u1", Name: "side", Attempt: 1, State: runtime.ContainerExited, CreatedAt: t0.Add(time.Minute)},
		{ID: "d0", PodUID: "u2", Name: "app", State: runtime.ContainerRunning},
		{ID: "o0", PodUID: "u3", Name: "orphan", State: runtime.ContainerRunning},
	}
	k := &Kubelet{cache: newRuntimeCache()}
	k.cache.set(t0, sbs, cs)
	got := k.statsPods()
	sort.Slice(got, func(i, j int) bool { return got[i].UID < got[j].UID })
	want := []stats.Pod{{
		Name: "web", Namespace: "default", UID: "u1", StartTime: t0.Add(time.Minute),
		Containers: []stats.Container{{Name: "app", ID: "a1", StartTime: t0.Add(3 * time.Minute)}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}
