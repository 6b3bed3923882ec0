package framework

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

// The cases of kube-scheduler's least_allocated and balanced_allocation
// tests ("differently sized nodes": cpu 3000m/5000 bytes on 4000m/10000
// and 6000m/10000).
func TestResourceScores(t *testing.T) {
	nodes := []*NodeInfo{NewNodeInfo(node("n1", "4", "10000")), NewNodeInfo(node("n2", "6", "10000"))}
	p := NewPodInfo(pod("p", "3", "5000"))
	tests := []struct {
		name  string
		score ScoreFunc
		want  []int64
	}{
		{"least allocated", LeastAllocated, []int64{37, 50}},
		{"most allocated", MostAllocated, []int64{62, 50}},
		{"balanced allocation", BalancedAllocation, []int64{87, 100}},
	}
	for _, tt := range tests {
		if got := tt.score(p, nodes); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s = %v, want %v", tt.name, got, tt.want)
		}
	}
	// Pods without requests count as 100m and 200Mi when scoring.
	empty := []*NodeInfo{NewNodeInfo(node("a", "1", "1Gi")), NewNodeInfo(node("b", "1", "1Gi"), pod("x", "", ""))}
	if got := LeastAllocated(NewPodInfo(pod("p", "", "")), empty); !(got[0] > got[1]) {
		t.Errorf("least allocated with default requests = %v, want a > b", got)
	}
}

func TestSpreadOwner(t *testing.T) {
	own := ownedBy("rs-1")
	nodes := []*NodeInfo{
		NewNodeInfo(node("a", "4", "4Gi"), pod("r1", "", "", own), pod("r2", "", "", own)),
		NewNodeInfo(node("b", "4", "4Gi"), pod("r3", "", "", own), pod("o", "", "", ownedBy("other"))),
		NewNodeInfo(node("c", "4", "4Gi"), pod("o2", "", "", ownedBy("other"))),
	}
	if got, want := SpreadOwner(NewPodInfo(pod("p", "", "", own)), nodes), []int64{0, 50, 100}; !reflect.DeepEqual(got, want) {
		t.Errorf("spread = %v, want %v", got, want)
	}
	if got, want := SpreadOwner(NewPodInfo(pod("p", "", "")), nodes), []int64{0, 0, 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("spread without owner = %v, want %v", got, want)
	}
	if got, want := SpreadOwner(NewPodInfo(pod("p", "", "", ownedBy("new"))), nodes), []int64{100, 100, 100}; !reflect.DeepEqual(got, want) {
		t.Errorf("spread of a new owner = %v, want %v", got, want)
	}
}

func TestPreferredScores(t *testing.T) {
	lbl := func(k, v string) func(*api.Node) { return func(n *api.Node) { n.Labels[k] = v } }
	nodes := []*NodeInfo{
		NewNodeInfo(node("a", "1", "1Gi", lbl("zone", "x"))),
		NewNodeInfo(node("b", "1", "1Gi", lbl("zone", "y"), lbl("disk", "ssd"))),
		NewNodeInfo(node("c", "1", "1Gi", func(n *api.Node) {
			n.Spec.Taints = []api.Taint{{Key: "k", Effect: api.TaintEffectPreferNoSchedule}, {Key: "l", Effect: api.TaintEffectPreferNoSchedule}}
		})),
	}
	p := pod("p", "", "", func(p *api.Pod) {
		p.Spec.Affinity = &api.Affinity{NodeAffinity: &api.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []api.PreferredSchedulingTerm{
			{Weight: 10, Preference: api.NodeSelectorTerm{MatchExpressions: []api.NodeSelectorRequirement{{Key: "zone", Operator: "In", Values: []string{"x"}}}}},
			{Weight: 40, Preference: api.NodeSelectorTerm{MatchExpressions: []api.NodeSelectorRequirement{{Key: "disk", Operator: "Exists"}}}},
		}}}
		p.Spec.Tolerations = []api.Toleration{{Key: "l", Operator: "Exists"}}
	})
	if got, want := PreferredNodeAffinity(NewPodInfo(p), nodes), []int64{25, 100, 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("node affinity = %v, want %v", got, want)
	}
	if got, want := PreferNoScheduleTaints(NewPodInfo(p), nodes), []int64{100, 100, 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("taints = %v, want %v", got, want)
	}
}

func TestSchedulePolicies(t *testing.T) {
	own := ownedBy("rs")
	nodes := func() []*NodeInfo {
		return []*NodeInfo{
			// a is half full with one replica; b is empty; c is too small.
			NewNodeInfo(node("a", "4", "8Gi"), pod("r1", "2", "4Gi", own)),
			NewNodeInfo(node("b", "4", "8Gi")),
			NewNodeInfo(node("c", "500m", "1Gi")),
		}
	}
	tests := []struct {
		policy string
		pod    *api.Pod
		want   string
	}{
		{PolicySpread, pod("p", "1", "1Gi", own), "b"},
		{PolicyLeastAllocated, pod("p", "1", "1Gi"), "b"},
		{PolicyMostAllocated, pod("p", "1", "1Gi"), "a"},
		{PolicyMostAllocated, pod("p", "100m", "1Gi"), "c"},
	}
	for _, tt := range tests {
		p, err := LookupPolicy(tt.policy)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Schedule(p, tt.pod, nodes(), nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.policy, err)
		}
		if res.Node != tt.want {
			t.Errorf("%s %s: node %s, want %s", tt.policy, tt.pod.Name, res.Node, tt.want)
		}
	}
	if _, err := LookupPolicy("nope"); err == nil {
		t.Error("unknown policy accepted")
	}
}

// The default policy spreads a Deployment's replicas: scheduling six
// replicas one after the other onto three equal nodes puts two on each.
func TestDefaultPolicySpreadsReplicas(t *testing.T) {
	p, _ := LookupPolicy(DefaultPolicy)
	nodes := []*NodeInfo{NewNodeInfo(node("a", "4", "8Gi")), NewNodeInfo(node("b", "4", "8Gi")), NewNodeInfo(node("c", "4", "8Gi"))}
	byName := map[string]*NodeInfo{"a": nodes[0], "b": nodes[1], "c": nodes[2]}
	for i := range 6 {
		rp := pod("r"+string(rune('0'+i)), "100m", "128Mi", ownedBy("rs"))
		res, err := Schedule(p, rp, nodes, nil)
		if err != nil {
			t.Fatal(err)
		}
		byName[res.Node].AddPod(rp)
	}
	for _, ni := range nodes {
		if len(ni.Pods) != 2 {
			t.Errorf("node %s has %d replicas, want 2", ni.Name(), len(ni.Pods))
		}
	}
}

func TestScheduleErrors(t *testing.T) {
	p, _ := LookupPolicy(DefaultPolicy)
	if _, err := Schedule(p, pod("p", "", ""), nil, nil); !errors.Is(err, ErrNoNodesAvailable) || err.Error() != "no nodes available to schedule pods" {
		t.Errorf("no nodes: %v", err)
	}
	tests := []struct {
		name  string
		pod   *api.Pod
		nodes []*NodeInfo
		want  string
	}{
		{"insufficient cpu", pod("p", "2", ""), []*NodeInfo{NewNodeInfo(node("a", "1", "1Gi")), NewNodeInfo(node("b", "1", "1Gi"))},
			"0/2 nodes are available: 2 Insufficient cpu."},
		{"mixed reasons, sorted", pod("p", "2", "2Gi"), []*NodeInfo{
			NewNodeInfo(node("a", "1", "1Gi")),
			NewNodeInfo(node("b", "4", "1Gi")),
			NewNodeInfo(node("c", "4", "4Gi", func(n *api.Node) { n.Spec.Unschedulable = true })),
		}, "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable, 2 Insufficient memory."},
	}
	for _, tt := range tests {
		_, err := Schedule(p, tt.pod, tt.nodes, nil)
		var fe *FitError
		if !errors.As(err, &fe) || err.Error() != tt.want {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestScheduleTieBreak(t *testing.T) {
	p, _ := LookupPolicy(DefaultPolicy)
	nodes := []*NodeInfo{NewNodeInfo(node("a", "1", "1Gi")), NewNodeInfo(node("b", "1", "1Gi")), NewNodeInfo(node("c", "1", "1Gi"))}
	res, err := Schedule(p, pod("p", "", ""), nodes, func(n int) int { return n - 1 })
	if err != nil || res.Node != "c" || res.FeasibleNodes != 3 {
		t.Errorf("got %+v, %v; want c of 3", res, err)
	}
}

func TestNumFeasibleNodesToFind(t *testing.T) {
	for _, tt := range []struct{ nodes, want int }{{10, 10}, {99, 99}, {100, 100}, {200, 100}, {1000, 420}, {5000, 500}, {10000, 500}} {
		if got := NumFeasibleNodesToFind(tt.nodes); got != tt.want {
			t.Errorf("NumFeasibleNodesToFind(%d) = %d, want %d", tt.nodes, got, tt.want)
		}
	}
}

// With many nodes only part are searched, from a rotating start.
func TestScheduleFromRotates(t *testing.T) {
	p, _ := LookupPolicy(PolicyLeastAllocated)
	var nodes []*NodeInfo
	for i := range 1000 {
		nodes = append(nodes, NewNodeInfo(node(fmt.Sprintf("n%04d", i), "1", "1Gi")))
	}
	res, next, err := ScheduleFrom(p, pod("p", "", ""), nodes, 900, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.FeasibleNodes != 420 || next != (900+420)%1000 || res.Node != "n0900" {
		t.Errorf("got %+v next %d; want 420 feasible from n0900, next 320", res, next)
	}
}
