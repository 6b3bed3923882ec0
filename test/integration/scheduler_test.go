package integration

// The scheduler (scheduler.Run) against a real apiserver with nodes
// registered as API objects: pods are bound through pods/binding with
// Scheduled events, replicas spread, a pod that fits nowhere stays
// Pending with Kubernetes' FailedScheduling message and is bound when a
// node that fits is added.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/scheduler"
)

// createFakeNode registers a Ready node with cpu and memory allocatable.
func createFakeNode(t *testing.T, c *mkclient.Client, name, cpu, mem string) {
	t.Helper()
	ctx := context.Background()
	rl := api.ResourceList{"cpu": resource.MustParse(cpu), "memory": resource.MustParse(mem), "pods": resource.MustParse("110")}
	n := &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status: api.NodeStatus{Capacity: rl, Allocatable: rl,
			Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue, Reason: "KubeletReady"}}}}
	created, err := c.Nodes().Create(ctx, n)
	if err != nil {
		t.Fatalf("create node %s: %v", name, err)
	}
	// A running controller-manager (nodeipam, node lifecycle) may write the
	// node between the create and the status: read it again on a conflict.
	for attempt := 0; ; attempt++ {
		created.Status = n.Status
		_, err := c.Nodes().UpdateStatus(ctx, created)
		if err == nil {
			return
		}
		if !mkclient.IsConflict(err) || attempt == 10 {
			t.Fatalf("node %s status: %v", name, err)
		}
		if created, err = c.Nodes().Get(ctx, name); err != nil {
			t.Fatalf("node %s: %v", name, err)
		}
	}
}

// schedPod is a pod requesting cpu, owned (as controller) by ownerUID if set.
func schedPod(name, cpu, ownerUID string) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox",
			Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": resource.MustParse(cpu)}}}}}}
	if ownerUID != "" {
		yes := true
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web", UID: ownerUID, Controller: &yes}}
	}
	return p
}

// startScheduler runs scheduler.Run against url until stop (or cleanup).
func startScheduler(t *testing.T, opts scheduler.Options) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- scheduler.Run(ctx, opts) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("scheduler: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Errorf("scheduler did not stop within 15s")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond every 50ms for up to 20s.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		ok, s := cond()
		if ok {
			return
		}
		last = s
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s (last: %s)", what, last)
}

// podEvents lists the events of a pod as "Type Reason: message".
func podEvents(t *testing.T, c *mkclient.Client, name string) []string {
	t.Helper()
	evs, _, err := c.Events("default").List(context.Background(), mkclient.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.InvolvedObject.Kind == "Pod" && e.InvolvedObject.Name == name {
			out = append(out, fmt.Sprintf("%s %s: %s", e.Type, e.Reason, e.Message))
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestScheduler(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	createFakeNode(t, c, "node-a", "1", "4Gi")
	createFakeNode(t, c, "node-b", "1", "4Gi")

	opts := scheduler.DefaultOptions()
	opts.APIServer = ts.URL
	opts.LeaderElect = false
	startScheduler(t, opts)

	// Four replicas of one owner spread two per node.
	for i := range 4 {
		if _, err := c.Pods("default").Create(ctx, schedPod(fmt.Sprintf("web-%d", i), "200m", "rs-uid-1")); err != nil {
			t.Fatal(err)
		}
	}
	perNode := map[string]int{}
	waitFor(t, "4 replicas bound", func() (bool, string) {
		clear(perNode)
		pods, _, err := c.Pods("default").List(ctx, mkclient.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		bound := 0
		for _, p := range pods {
			if p.Spec.NodeName != "" {
				bound++
				perNode[p.Spec.NodeName]++
			}
		}
		return bound == 4, fmt.Sprint(perNode)
	})
	if perNode["node-a"] != 2 || perNode["node-b"] != 2 {
		t.Errorf("replicas per node = %v, want 2 on each", perNode)
	}
	p0, err := c.Pods("default").Get(ctx, "web-0")
	if err != nil {
		t.Fatal(err)
	}
	scheduled := false
	for _, cond := range p0.Status.Conditions {
		scheduled = scheduled || (cond.Type == api.PodScheduled && cond.Status == api.ConditionTrue)
	}
	if !scheduled {
		t.Errorf("web-0 conditions %+v, want PodScheduled True", p0.Status.Conditions)
	}
	want := fmt.Sprintf("Normal Scheduled: Successfully assigned default/web-0 to %s", p0.Spec.NodeName)
	waitFor(t, "the Scheduled event", func() (bool, string) {
		evs := podEvents(t, c, "web-0")
		return contains(evs, want), strings.Join(evs, "; ")
	})

	// 600m are left on each node: a pod asking for 700m fits nowhere.
	if _, err := c.Pods("default").Create(ctx, schedPod("big", "700m", "")); err != nil {
		t.Fatal(err)
	}
	failed := "Warning FailedScheduling: 0/2 nodes are available: 2 Insufficient cpu."
	waitFor(t, "the FailedScheduling event", func() (bool, string) {
		evs := podEvents(t, c, "big")
		return contains(evs, failed), strings.Join(evs, "; ")
	})
	waitFor(t, "PodScheduled=False Unschedulable", func() (bool, string) {
		p, err := c.Pods("default").Get(ctx, "big")
		if err != nil {
			return false, err.Error()
		}
		for _, cond := range p.Status.Conditions {
			if cond.Type == api.PodScheduled && cond.Status == api.ConditionFalse && cond.Reason == "Unschedulable" &&
				cond.Message == "0/2 nodes are available: 2 Insufficient cpu." {
				return true, ""
			}
		}
		return false, fmt.Sprintf("node %q conditions %+v", p.Spec.NodeName, p.Status.Conditions)
	})
	if p, _ := c.Pods("default").Get(ctx, "big"); p.Spec.NodeName != "" {
		t.Fatalf("big was bound to %s", p.Spec.NodeName)
	}

	// A node with room arrives: the waiting pod is retried and bound there.
	createFakeNode(t, c, "node-c", "2", "4Gi")
	waitFor(t, "big bound to node-c", func() (bool, string) {
		p, err := c.Pods("default").Get(ctx, "big")
		if err != nil {
			return false, err.Error()
		}
		return p.Spec.NodeName == "node-c", p.Spec.NodeName
	})

	// Deleting bound pods frees room for a pod that did not fit.
	if _, err := c.Pods("default").Create(ctx, schedPod("big2", "1500m", "")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "big2 FailedScheduling", func() (bool, string) {
		evs := podEvents(t, c, "big2")
		return len(evs) > 0 && strings.Contains(evs[0], "FailedScheduling"), strings.Join(evs, "; ")
	})
	zero := int64(0) // no kubelet here to finish a graceful deletion
	if err := c.Pods("default").Delete(ctx, "big", &api.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "big2 bound to node-c after big is gone", func() (bool, string) {
		p, err := c.Pods("default").Get(ctx, "big2")
		if err != nil {
			return false, err.Error()
		}
		return p.Spec.NodeName == "node-c", p.Spec.NodeName
	})
}

// A cordoned node, taints, nodeSelector and host ports are honoured
// end to end.
func TestSchedulerConstraints(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	createFakeNode(t, c, "node-a", "4", "4Gi")
	createFakeNode(t, c, "node-b", "4", "4Gi")
	n, err := c.Nodes().Get(ctx, "node-a")
	if err != nil {
		t.Fatal(err)
	}
	n.Spec.Unschedulable = true
	if _, err := c.Nodes().Update(ctx, n); err != nil {
		t.Fatal(err)
	}
	opts := scheduler.DefaultOptions()
	opts.APIServer = ts.URL
	opts.LeaderElect = false
	opts.Policy = "most-allocated"
	startScheduler(t, opts)

	hp := schedPod("hp-1", "100m", "")
	hp.Spec.Containers[0].Ports = []api.ContainerPort{{ContainerPort: 80, HostPort: 8080}}
	hp2 := schedPod("hp-2", "100m", "")
	hp2.Spec.Containers[0].Ports = []api.ContainerPort{{ContainerPort: 80, HostPort: 8080}}
	sel := schedPod("sel", "100m", "")
	sel.Spec.NodeSelector = map[string]string{"kubernetes.io/hostname": "node-a"}
	for _, p := range []*api.Pod{hp, hp2, sel} {
		if _, err := c.Pods("default").Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "hp-1 or hp-2 on node-b", func() (bool, string) {
		a, _ := c.Pods("default").Get(ctx, "hp-1")
		b, _ := c.Pods("default").Get(ctx, "hp-2")
		return (a.Spec.NodeName == "node-b") != (b.Spec.NodeName == "node-b"), a.Spec.NodeName + "," + b.Spec.NodeName
	})
	// The other host-port pod: node-a is cordoned, node-b's port is taken.
	for _, name := range []string{"hp-1", "hp-2"} {
		p, _ := c.Pods("default").Get(ctx, name)
		if p.Spec.NodeName != "" {
			continue
		}
		msg := "Warning FailedScheduling: 0/2 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, 1 node(s) were unschedulable."
		waitFor(t, name+" FailedScheduling", func() (bool, string) {
			evs := podEvents(t, c, name)
			return contains(evs, msg), strings.Join(evs, "; ")
		})
	}
	msg := "Warning FailedScheduling: 0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable."
	waitFor(t, "sel FailedScheduling", func() (bool, string) {
		evs := podEvents(t, c, "sel")
		return contains(evs, msg), strings.Join(evs, "; ")
	})
	// Uncordon node-a: both waiting pods go there.
	n, err = c.Nodes().Get(ctx, "node-a")
	if err != nil {
		t.Fatal(err)
	}
	n.Spec.Unschedulable = false
	if _, err := c.Nodes().Update(ctx, n); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "all bound, the waiting ones on node-a", func() (bool, string) {
		var got []string
		onA := 0
		for _, name := range []string{"hp-1", "hp-2", "sel"} {
			p, _ := c.Pods("default").Get(ctx, name)
			got = append(got, name+"="+p.Spec.NodeName)
			if p.Spec.NodeName == "node-a" {
				onA++
			}
		}
		return onA == 2, strings.Join(got, " ")
	})
}
