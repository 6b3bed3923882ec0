package integration

// Node lifecycle through the apiserver, the controller-manager, the
// scheduler and two fake-runtime kubelets: a kubelet that stops renewing its
// Lease has its node marked Ready=Unknown and tainted unreachable, its pod
// (tolerating that for 2s) evicted and replaced on the other node; when the
// kubelet comes back the taints go. New pods get the default tolerations.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/controller"
	"minik8s/kubelet"
	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/scheduler"
)

// startLeasingKubelet runs a fake-runtime kubelet for node renewing a 1s
// Lease (every 250ms) until the returned stop is called (or the test ends).
func startLeasingKubelet(t *testing.T, c *mkclient.Client, node string) (stop func()) {
	t.Helper()
	return startFakeKubeletWith(t, c, node, func(o *kubelet.Options) { o.NodeLeaseDurationSeconds = 1 })
}

// startFakeKubeletWith runs a kubelet for node on its own fake runtime
// (options changed by tweak, if set) until stop or the end of the test.
func startFakeKubeletWith(t *testing.T, c *mkclient.Client, node string, tweak func(*kubelet.Options)) (stop func()) {
	t.Helper()
	rt := fake.New()
	rt.SetNow(time.Now())
	opts := kubelet.DefaultOptions()
	opts.NodeName, opts.NodeIP, opts.Port = node, "127.0.0.1", 0
	opts.RootDir = t.TempDir()
	opts.HeartbeatInterval = 200 * time.Millisecond
	opts.RelistInterval = 100 * time.Millisecond
	opts.SyncInterval = time.Second
	if tweak != nil {
		tweak(&opts)
	}
	k, err := kubelet.New(opts, c, rt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	go func() { // the fake's clock follows real time
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				rt.SetNow(time.Now())
			}
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("kubelet %s: %v", node, err)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("kubelet %s did not stop within 20s", node)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func nodeReady(n *api.Node) string {
	for _, c := range n.Status.Conditions {
		if c.Type == api.NodeReady {
			return c.Status
		}
	}
	return ""
}

func hasTaint(n *api.Node, key, effect string) *api.Taint {
	for i := range n.Spec.Taints {
		if n.Spec.Taints[i].Key == key && n.Spec.Taints[i].Effect == effect {
			return &n.Spec.Taints[i]
		}
	}
	return nil
}

// eventsWith lists the events in ns with reason about name.
func eventsWith(t *testing.T, c *mkclient.Client, ns, reason, name string) []*api.Event {
	t.Helper()
	evs, _, err := c.Events(ns).List(context.Background(), mkclient.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*api.Event
	for _, e := range evs {
		if e.Reason == reason && e.InvolvedObject.Name == name {
			out = append(out, e)
		}
	}
	return out
}

func TestNodeLifecycleEvictsAndRecovers(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startLeasingKubelet(t, c, "node1")
	stop2 := startLeasingKubelet(t, c, "node2")
	startControllerManagerWith(t, ts.URL, func(o *controller.Options) {
		o.NodeMonitorGracePeriod = 3 * time.Second
		o.NodeMonitorPeriod = 200 * time.Millisecond
		o.LeaderElect = false
	})
	sopts := scheduler.DefaultOptions()
	sopts.APIServer, sopts.LeaderElect = ts.URL, false
	startScheduler(t, sopts)

	// Both kubelets hold their leases, owned by their nodes.
	waitFor(t, "both node leases", func() (bool, string) {
		var desc []string
		for _, n := range []string{"node1", "node2"} {
			l, err := mkclient.Typed[*api.Lease](c, "kube-node-lease").Get(ctx, n)
			if err != nil {
				return false, err.Error()
			}
			node, err := c.Nodes().Get(ctx, n)
			if err != nil {
				return false, err.Error()
			}
			if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != n || *l.Spec.LeaseDurationSeconds != 1 ||
				len(l.OwnerReferences) != 1 || l.OwnerReferences[0].UID != node.UID || l.OwnerReferences[0].Kind != "Node" {
				return false, fmt.Sprintf("lease %s: %+v %+v", n, l.ObjectMeta.OwnerReferences, l.Spec)
			}
			desc = append(desc, n)
		}
		return true, strings.Join(desc, ",")
	})

	two := int32(2)
	lbl := map[string]string{"app": "survivor"}
	d := &api.Deployment{
		ObjectMeta: api.ObjectMeta{Name: "survivor"},
		Spec: api.DeploymentSpec{
			Replicas: &two,
			Selector: &api.LabelSelector{MatchLabels: lbl},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: lbl},
				Spec: api.PodSpec{
					Containers: []api.Container{{Name: "web", Image: "minik8s/testserver"}},
					Tolerations: []api.Toleration{{Key: "node.kubernetes.io/unreachable", Operator: "Exists",
						Effect: "NoExecute", TolerationSeconds: secsPtr(2)}},
				}},
		},
	}
	if _, err := c.Deployments("default").Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	const sel = "app=survivor"
	waitFor(t, "2 running pods, one per node", func() (bool, string) {
		pods, byNode := podsOf(t, c, sel)
		running := 0
		for _, p := range pods {
			if p.Status.Phase == api.PodRunning {
				running++
			}
		}
		return running == 2 && byNode["node1"] == 1 && byNode["node2"] == 1, fmt.Sprintf("running %d by node %v", running, byNode)
	})
	pods, _ := podsOf(t, c, sel)
	var victim *api.Pod
	for _, p := range pods {
		if p.Spec.NodeName == "node2" {
			victim = p
		}
	}
	// The apiserver added the not-ready default beside the template's own toleration.
	if len(victim.Spec.Tolerations) != 2 || victim.Spec.Tolerations[1].Key != "node.kubernetes.io/not-ready" ||
		*victim.Spec.Tolerations[1].TolerationSeconds != 300 || *victim.Spec.Tolerations[0].TolerationSeconds != 2 {
		t.Errorf("tolerations of %s: %+v", victim.Name, victim.Spec.Tolerations)
	}

	// A pod on node2 with the default tolerations (300s) outlives the outage.
	if _, err := c.Pods("default").Create(ctx, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "patient"},
		Spec: api.PodSpec{NodeName: "node2", Containers: []api.Container{{Name: "c", Image: "minik8s/testserver"}}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the patient pod running", func() (bool, string) {
		p, err := c.Pods("default").Get(ctx, "patient")
		if err != nil {
			return false, err.Error()
		}
		return p.Status.Phase == api.PodRunning, p.Status.Phase
	})

	// node2's kubelet dies.
	stopped := time.Now()
	stop2()
	var unknownAt time.Time
	var noExec *api.Taint
	waitFor(t, "node2 Ready=Unknown with both unreachable taints", func() (bool, string) {
		n, err := c.Nodes().Get(ctx, "node2")
		if err != nil {
			return false, err.Error()
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == api.NodeReady && cond.Status == api.ConditionUnknown {
				if cond.Reason != "NodeStatusUnknown" || cond.Message != "Kubelet stopped posting node status." {
					t.Errorf("Ready condition: %+v", cond)
				}
				unknownAt = cond.LastTransitionTime.Time
			}
		}
		noExec = hasTaint(n, "node.kubernetes.io/unreachable", "NoExecute")
		return nodeReady(n) == api.ConditionUnknown && noExec != nil && hasTaint(n, "node.kubernetes.io/unreachable", "NoSchedule") != nil,
			fmt.Sprintf("ready %s taints %+v", nodeReady(n), n.Spec.Taints)
	})
	if gap := unknownAt.Sub(stopped); gap < 2*time.Second {
		t.Errorf("node2 marked Unknown %v after its kubelet stopped, before the 3s grace period (1s lease)", gap)
	}
	if noExec.TimeAdded == nil {
		t.Errorf("the NoExecute taint has no timeAdded")
	}
	// What a user sees: NotReady, and the taints in describe.
	if out, errOut, code := ourKubectl(t, ts.URL, "", "get", "node", "node2", "--no-headers"); code != 0 || !strings.Contains(out, "NotReady") {
		t.Errorf("kubectl get node node2: %q %q %d", out, errOut, code)
	}
	if out, errOut, code := ourKubectl(t, ts.URL, "", "describe", "node", "node2"); code != 0 ||
		!strings.Contains(out, "node.kubernetes.io/unreachable:NoExecute") || !strings.Contains(out, "node.kubernetes.io/unreachable:NoSchedule") ||
		!strings.Contains(out, "Kubelet stopped posting node status.") {
		t.Errorf("kubectl describe node node2: %q %q %d", out, errOut, code)
	}
	n1, err := c.Nodes().Get(ctx, "node1")
	if err != nil {
		t.Fatal(err)
	}
	if nodeReady(n1) != api.ConditionTrue || len(n1.Spec.Taints) != 0 {
		t.Errorf("node1: ready %s taints %+v", nodeReady(n1), n1.Spec.Taints)
	}
	waitFor(t, "NodeNotReady events on node2 and its pod", func() (bool, string) {
		onNode := eventsWith(t, c, "default", "NodeNotReady", "node2")
		onPod := eventsWith(t, c, "default", "NodeNotReady", victim.Name)
		ok := false
		for _, e := range onNode {
			if e.Source.Component == "node-controller" && e.Message == "Node node2 status is now: NodeNotReady" {
				ok = true
			}
		}
		return ok && len(onPod) == 1 && onPod[0].Type == "Warning" && onPod[0].Message == "Node is not ready",
			fmt.Sprintf("node events %d pod events %d", len(onNode), len(onPod))
	})

	// The pod tolerates unreachable for 2s, then it is evicted.
	waitFor(t, "the pod on node2 evicted", func() (bool, string) {
		p, err := c.Pods("default").Get(ctx, victim.Name)
		if mkclient.IsNotFound(err) {
			return true, "gone"
		}
		if err != nil {
			return false, err.Error()
		}
		if p.DeletionTimestamp == nil {
			return false, "not deleted yet"
		}
		disrupted := false
		for _, cond := range p.Status.Conditions {
			if cond.Type == "DisruptionTarget" && cond.Status == "True" && cond.Reason == "DeletionByTaintManager" {
				disrupted = true
			}
		}
		if !disrupted {
			t.Errorf("evicted pod without DisruptionTarget condition: %+v", p.Status.Conditions)
		}
		return true, "terminating"
	})
	evicted := time.Now()
	if gap := evicted.Sub(noExec.TimeAdded.Time); gap < time.Second {
		t.Errorf("evicted %v after the taint, want about 2s (tolerationSeconds)", gap)
	}
	evs := eventsWith(t, c, "default", "TaintManagerEviction", victim.Name)
	if len(evs) != 1 || evs[0].Message != "Marking for deletion Pod default/"+victim.Name || evs[0].Source.Component != "taint-eviction-controller" {
		t.Errorf("TaintManagerEviction events: %+v", evs)
	}
	waitFor(t, "the replacement running on node1", func() (bool, string) {
		pods, byNode := podsOf(t, c, sel)
		running := 0
		for _, p := range pods {
			if p.Status.Phase == api.PodRunning && p.Spec.NodeName == "node1" {
				running++
			}
		}
		return running == 2 && byNode["node2"] == 0, fmt.Sprintf("running on node1 %d, by node %v", running, byNode)
	})

	// node2's kubelet comes back: Ready=True and its taints go.
	startLeasingKubelet(t, c, "node2")
	waitFor(t, "node2 Ready=True without taints", func() (bool, string) {
		n, err := c.Nodes().Get(ctx, "node2")
		if err != nil {
			return false, err.Error()
		}
		return nodeReady(n) == api.ConditionTrue && len(n.Spec.Taints) == 0, fmt.Sprintf("ready %s taints %+v", nodeReady(n), n.Spec.Taints)
	})
	// The patient pod's scheduled deletion is cancelled; it stays.
	waitFor(t, "the patient pod's eviction cancelled", func() (bool, string) {
		evs := eventsWith(t, c, "default", "TaintManagerEviction", "patient")
		var msgs []string
		for _, e := range evs {
			msgs = append(msgs, e.Message)
		}
		return len(evs) == 1 && evs[0].Message == "Cancelling deletion of Pod default/patient", strings.Join(msgs, "; ")
	})
	if p, err := c.Pods("default").Get(ctx, "patient"); err != nil || p.DeletionTimestamp != nil {
		t.Errorf("patient pod after the outage: %v %+v", err, p)
	}
}

func secsPtr(n int64) *int64 { return &n }

func TestDefaultTolerationSeconds(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		notReady, unreachable int64
	}{
		{"defaults", 300, 300},
		{"flags", 20, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
				o.DefaultNotReadyTolerationSeconds, o.DefaultUnreachableTolerationSeconds = tc.notReady, tc.unreachable
			})
			c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			p, err := c.Pods("default").Create(ctx, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "plain"},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}})
			if err != nil {
				t.Fatal(err)
			}
			want := []api.Toleration{
				{Key: "node.kubernetes.io/not-ready", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: secsPtr(tc.notReady)},
				{Key: "node.kubernetes.io/unreachable", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: secsPtr(tc.unreachable)},
			}
			if fmt.Sprint(tolerationsString(p.Spec.Tolerations)) != fmt.Sprint(tolerationsString(want)) {
				t.Errorf("tolerations: %v, want %v", tolerationsString(p.Spec.Tolerations), tolerationsString(want))
			}
			// A pod that tolerates everything keeps its own toleration only.
			p, err = c.Pods("default").Create(ctx, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "tolerant"},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}, Tolerations: []api.Toleration{{Operator: "Exists"}}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Spec.Tolerations) != 1 {
				t.Errorf("tolerant pod: %v", tolerationsString(p.Spec.Tolerations))
			}
			// An update does not add them again.
			p.Labels = map[string]string{"x": "y"}
			if p, err = c.Pods("default").Update(ctx, p); err != nil || len(p.Spec.Tolerations) != 1 {
				t.Errorf("update: %v %v", err, p)
			}
		})
	}
}

func tolerationsString(ts []api.Toleration) []string {
	var out []string
	for _, t := range ts {
		s := fmt.Sprintf("%s %s %s", t.Key, t.Operator, t.Effect)
		if t.TolerationSeconds != nil {
			s += fmt.Sprintf(" %ds", *t.TolerationSeconds)
		}
		out = append(out, s)
	}
	return out
}
