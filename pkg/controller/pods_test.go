package controller

import (
	"sort"
	"testing"
	"time"

	"minik8s/pkg/api"
)

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

type podOpt func(*api.Pod)

func mkPod(name string, opts ...podOpt) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name,
		CreationTimestamp: api.NewTime(now.Add(-time.Hour))},
		Spec:   api.PodSpec{NodeName: "n1"},
		Status: api.PodStatus{Phase: api.PodRunning}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func unscheduled(p *api.Pod) { p.Spec.NodeName = "" }
func phase(ph string) podOpt { return func(p *api.Pod) { p.Status.Phase = ph } }
func created(ago time.Duration) podOpt {
	return func(p *api.Pod) { p.CreationTimestamp = api.NewTime(now.Add(-ago)) }
}
func ready(ago time.Duration) podOpt {
	return func(p *api.Pod) {
		p.Status.Conditions = append(p.Status.Conditions, api.PodCondition{Type: api.PodReady, Status: api.ConditionTrue,
			LastTransitionTime: api.NewTime(now.Add(-ago))})
	}
}
func restarts(n int32) podOpt {
	return func(p *api.Pod) { p.Status.ContainerStatuses = []api.ContainerStatus{{Name: "c", RestartCount: n}} }
}
func cost(c string) podOpt {
	return func(p *api.Pod) { p.Annotations = map[string]string{PodDeletionCostAnnotation: c} }
}
func node(n string) podOpt { return func(p *api.Pod) { p.Spec.NodeName = n } }

// TestActivePodsWithRanks checks each rule of Kubernetes' deletion order:
// in every case the first pod must be deleted before the second.
func TestActivePodsWithRanks(t *testing.T) {
	tests := []struct {
		name          string
		first, second *api.Pod
		rankF, rankS  int
	}{
		{"unscheduled before scheduled", mkPod("a", unscheduled, ready(time.Hour)), mkPod("b", phase(api.PodPending)), 0, 0},
		{"pending before unknown", mkPod("a", phase(api.PodPending)), mkPod("b", phase(api.PodUnknown)), 0, 0},
		{"unknown before running", mkPod("a", phase(api.PodUnknown)), mkPod("b"), 0, 0},
		{"not ready before ready", mkPod("a"), mkPod("b", ready(time.Minute)), 0, 0},
		{"lower deletion cost first", mkPod("a", ready(time.Minute), cost("-5")), mkPod("b", ready(time.Minute)), 0, 0},
		{"doubled up first", mkPod("a", ready(time.Minute)), mkPod("b", ready(time.Minute)), 3, 1},
		{"ready for less time first", mkPod("a", ready(time.Minute)), mkPod("b", ready(time.Hour)), 0, 0},
		{"more restarts first", mkPod("a", restarts(4)), mkPod("b", restarts(1)), 0, 0},
		{"newer first", mkPod("a", created(time.Minute)), mkPod("b", created(10*time.Hour)), 0, 0},
		{"same log bucket: by uid", mkPod("a", created(70*time.Minute)), mkPod("b", created(65*time.Minute)), 0, 0},
		{"zero creation time first", mkPod("a", func(p *api.Pod) { p.CreationTimestamp = api.Time{} }), mkPod("b"), 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ActivePodsWithRanks{Pods: []*api.Pod{tc.first, tc.second}, Rank: []int{tc.rankF, tc.rankS}, Now: now}
			if !s.Less(0, 1) {
				t.Errorf("%s is not before %s", tc.first.Name, tc.second.Name)
			}
			if s.Less(1, 0) {
				t.Errorf("%s is also before %s", tc.second.Name, tc.first.Name)
			}
		})
	}
}

func TestSortForDeletion(t *testing.T) {
	pods := []*api.Pod{
		mkPod("running-ready-old", ready(10*time.Hour), created(20*time.Hour)),
		mkPod("pending", phase(api.PodPending)),
		mkPod("unscheduled", unscheduled, phase(api.PodPending)),
		mkPod("running-notready"),
		mkPod("running-ready-new", ready(time.Minute), created(2*time.Minute)),
	}
	s := ActivePodsWithRanks{Pods: pods, Rank: make([]int, len(pods)), Now: now}
	sort.Sort(s)
	want := []string{"unscheduled", "pending", "running-notready", "running-ready-new", "running-ready-old"}
	for i, p := range s.Pods {
		if p.Name != want[i] {
			t.Fatalf("order %v, want %v", names(s.Pods), want)
		}
	}
}

func names(ps []*api.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestRanksByRelatedPodsOnSameNode(t *testing.T) {
	pods := []*api.Pod{mkPod("a", node("n1")), mkPod("b", node("n2"))}
	related := []*api.Pod{mkPod("x", node("n1")), mkPod("y", node("n1")), mkPod("z", node("n2")),
		mkPod("done", node("n2"), phase(api.PodSucceeded))}
	got := RanksByRelatedPodsOnSameNode(pods, related)
	if got[0] != 2 || got[1] != 1 {
		t.Errorf("ranks %v, want [2 1]", got)
	}
}

func TestIsPodAvailable(t *testing.T) {
	tests := []struct {
		name     string
		pod      *api.Pod
		minReady int32
		want     bool
	}{
		{"not ready", mkPod("a"), 0, false},
		{"ready, no minReady", mkPod("a", ready(0)), 0, true},
		{"ready long enough", mkPod("a", ready(time.Minute)), 30, true},
		{"ready too shortly", mkPod("a", ready(10*time.Second)), 30, false},
	}
	for _, tc := range tests {
		if got := IsPodAvailable(tc.pod, tc.minReady, now); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIsPodActive(t *testing.T) {
	del := api.NewTime(now)
	tests := []struct {
		pod  *api.Pod
		want bool
	}{
		{mkPod("run"), true},
		{mkPod("pend", phase(api.PodPending)), true},
		{mkPod("ok", phase(api.PodSucceeded)), false},
		{mkPod("fail", phase(api.PodFailed)), false},
		{mkPod("del", func(p *api.Pod) { p.DeletionTimestamp = &del }), false},
	}
	for _, tc := range tests {
		if got := IsPodActive(tc.pod); got != tc.want {
			t.Errorf("%s: got %v", tc.pod.Name, got)
		}
	}
}
