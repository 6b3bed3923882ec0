package scheduler

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"

	"minik8s/pkg/api"
	"minik8s/scheduler/framework"
)

func cpuPod(name, node, cpu string) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.PodSpec{NodeName: node, Containers: []api.Container{{Name: "c",
			Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": resource.MustParse(cpu)}}}}}}
}

// requested is the cpu requested on each known node.
func requested(c *Cache) map[string]int64 {
	out := map[string]int64{}
	c.Schedule(func(nodes []*framework.NodeInfo) {
		for _, ni := range nodes {
			out[ni.Name()] = ni.Requested.MilliCPU
		}
	})
	return out
}

func TestCacheAssumeConfirmForget(t *testing.T) {
	c := NewCache()
	c.SetNode(&api.Node{ObjectMeta: api.ObjectMeta{Name: "b"}})
	c.SetNode(&api.Node{ObjectMeta: api.ObjectMeta{Name: "a"}})
	c.SetPod(cpuPod("bound", "a", "100m"))
	c.SetPod(cpuPod("pending", "", "1")) // not on a node: not counted

	p := cpuPod("p", "", "200m")
	c.Assume(p, "b")
	if got := requested(c); got["a"] != 100 || got["b"] != 200 {
		t.Fatalf("after assume: %v", got)
	}
	if !c.IsAssumed("default/p") {
		t.Error("p not assumed")
	}
	// The informer still shows p unbound: the assumption stays.
	c.SetPod(p)
	if got := requested(c); got["b"] != 200 {
		t.Errorf("unbound update dropped the assumption: %v", got)
	}
	// The binding lands: confirmed, counted once.
	c.SetPod(cpuPod("p", "b", "200m"))
	if got := requested(c); got["b"] != 200 || c.IsAssumed("default/p") {
		t.Errorf("after confirm: %v assumed=%v", got, c.IsAssumed("default/p"))
	}
	// A failed binding is forgotten.
	q := cpuPod("q", "", "300m")
	c.Assume(q, "a")
	c.Forget(q)
	if got := requested(c); got["a"] != 100 {
		t.Errorf("after forget: %v", got)
	}
	// A finished pod frees its requests; a deleted one too.
	done := cpuPod("bound", "a", "100m")
	done.Status.Phase = api.PodSucceeded
	c.SetPod(done)
	c.RemovePod(cpuPod("p", "b", "200m"))
	if got := requested(c); got["a"] != 0 || got["b"] != 0 {
		t.Errorf("after finish and delete: %v", got)
	}
	// Nodes come sorted; a removed node is gone.
	c.RemoveNode("a")
	var names []string
	c.Schedule(func(nodes []*framework.NodeInfo) {
		for _, ni := range nodes {
			names = append(names, ni.Name())
		}
	})
	if len(names) != 1 || names[0] != "b" {
		t.Errorf("nodes %v, want [b]", names)
	}
}

func TestSchedulingChanged(t *testing.T) {
	base := func() *api.Node {
		return &api.Node{ObjectMeta: api.ObjectMeta{Name: "n", Labels: map[string]string{"a": "b"}},
			Status: api.NodeStatus{Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}}}}
	}
	heartbeat := base()
	heartbeat.Status.Conditions[0].LastHeartbeatTime = api.Now()
	if SchedulingChanged(base(), heartbeat) {
		t.Error("a heartbeat counts as a change")
	}
	for name, mod := range map[string]func(*api.Node){
		"cordon":   func(n *api.Node) { n.Spec.Unschedulable = true },
		"label":    func(n *api.Node) { n.Labels["x"] = "y" },
		"taint":    func(n *api.Node) { n.Spec.Taints = []api.Taint{{Key: "k", Effect: "NoSchedule"}} },
		"notready": func(n *api.Node) { n.Status.Conditions[0].Status = api.ConditionFalse },
		"alloc":    func(n *api.Node) { n.Status.Allocatable = api.ResourceList{"cpu": resource.MustParse("1")} },
	} {
		n := base()
		mod(n)
		if !SchedulingChanged(base(), n) {
			t.Errorf("%s is not a change", name)
		}
	}
}
