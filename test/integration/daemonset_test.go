package integration

// The DaemonSet controller with the scheduler and fake-runtime kubelets:
// one pod per node, a node added later gets one, a NoExecute taint sends
// the pod away, a nodeSelector limits the nodes, a new image rolls out
// one node at a time with ControllerRevisions, and OnDelete waits for the
// pods to be deleted.

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/scheduler"
)

func newTestDaemonSet(name, image string) *api.DaemonSet {
	l := map[string]string{"app": name}
	return &api.DaemonSet{
		TypeMeta:   api.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.DaemonSetSpec{
			Selector: &api.LabelSelector{MatchLabels: l},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: l},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: image}}}},
		},
	}
}

// dsPods are the live pods of app=name, by node, with their images.
func dsPods(t *testing.T, c *mkclient.Client, name string) map[string][]string {
	t.Helper()
	pods, _ := podsOf(t, c, "app="+name)
	out := map[string][]string{}
	for _, p := range pods {
		out[p.Spec.NodeName] = append(out[p.Spec.NodeName], p.Spec.Containers[0].Image+"/"+string(p.Status.Phase))
	}
	return out
}

func patchNode(t *testing.T, c *mkclient.Client, name string, patch map[string]any) {
	t.Helper()
	b, _ := json.Marshal(patch)
	if _, err := c.Nodes().Patch(context.Background(), name, mkclient.MergePatchType, b); err != nil {
		t.Fatal(err)
	}
}

// setDSImage changes the image, retrying on conflicts with the controller's status writes.
func setDSImage(t *testing.T, c *mkclient.Client, name, image string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
		"containers": []map[string]any{{"name": "c", "image": image}}}}}})
	if _, err := mkclient.Typed[*api.DaemonSet](c, "default").Patch(context.Background(), name, mkclient.StrategicMergePatchType, b); err != nil {
		t.Fatal(err)
	}
}

func dsRunning(byNode map[string][]string, node, image string) bool {
	ps := byNode[node]
	return len(ps) == 1 && ps[0] == image+"/Running"
}

func TestDaemonSet(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startFakeKubelet(t, c, "node1")
	startFakeKubelet(t, c, "node2")
	startControllerManager(t, ts.URL)
	sopts := scheduler.DefaultOptions()
	sopts.APIServer, sopts.LeaderElect = ts.URL, false
	startScheduler(t, sopts)
	dss := mkclient.Typed[*api.DaemonSet](c, "default")

	// One pod per node, placed by the scheduler through the node affinity.
	ds, err := dss.Create(ctx, newTestDaemonSet("agent", "agent:1"))
	if err != nil {
		t.Fatal(err)
	}
	if ru := ds.Spec.UpdateStrategy.RollingUpdate; ds.Spec.UpdateStrategy.Type != "RollingUpdate" || ru == nil || ru.MaxUnavailable.IntValue() != 1 {
		t.Fatalf("defaults: %+v", ds.Spec.UpdateStrategy)
	}
	waitFor(t, "agent on both nodes", func() (bool, string) {
		got, err := dss.Get(ctx, "agent")
		if err != nil {
			return false, err.Error()
		}
		byNode := dsPods(t, c, "agent")
		st := got.Status
		return dsRunning(byNode, "node1", "agent:1") && dsRunning(byNode, "node2", "agent:1") && len(byNode) == 2 &&
				st.DesiredNumberScheduled == 2 && st.CurrentNumberScheduled == 2 && st.NumberReady == 2 &&
				st.NumberAvailable == 2 && st.UpdatedNumberScheduled == 2 && st.ObservedGeneration == got.Generation,
			fmt.Sprintf("pods %v status %+v", byNode, st)
	})
	pods, _ := podsOf(t, c, "app=agent")
	p := pods[0]
	if p.Labels[api.ControllerRevisionHashLabel] == "" || p.Labels[api.DaemonSetTemplateGenerationLabel] != "1" {
		t.Errorf("pod labels %v", p.Labels)
	}
	if n, ok := targetNode(p); !ok || n != p.Spec.NodeName {
		t.Errorf("pod %s on %s has node affinity for %q", p.Name, p.Spec.NodeName, n)
	}

	// A node added later gets a pod; a NoExecute taint sends it away.
	startFakeKubelet(t, c, "node3")
	waitFor(t, "agent on node3", func() (bool, string) {
		byNode := dsPods(t, c, "agent")
		got, _ := dss.Get(ctx, "agent")
		return dsRunning(byNode, "node3", "agent:1") && got.Status.NumberReady == 3, fmt.Sprintf("pods %v status %+v", byNode, got.Status)
	})
	patchNode(t, c, "node3", map[string]any{"spec": map[string]any{"taints": []api.Taint{{Key: "dedicated", Value: "db", Effect: "NoExecute"}}}})
	waitFor(t, "agent gone from the tainted node3", func() (bool, string) {
		byNode := dsPods(t, c, "agent")
		got, _ := dss.Get(ctx, "agent")
		return len(byNode["node3"]) == 0 && got.Status.DesiredNumberScheduled == 2 && got.Status.NumberMisscheduled == 0,
			fmt.Sprintf("pods %v status %+v", byNode, got.Status)
	})

	// A nodeSelector limits the daemon set to the labelled node.
	sel := newTestDaemonSet("ssd", "ssd:1")
	sel.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"}
	if _, err := dss.Create(ctx, sel); err != nil {
		t.Fatal(err)
	}
	patchNode(t, c, "node2", map[string]any{"metadata": map[string]any{"labels": map[string]string{"disk": "ssd"}}})
	waitFor(t, "ssd only on node2", func() (bool, string) {
		byNode := dsPods(t, c, "ssd")
		got, _ := dss.Get(ctx, "ssd")
		return dsRunning(byNode, "node2", "ssd:1") && len(byNode) == 1 && got.Status.DesiredNumberScheduled == 1 && got.Status.NumberReady == 1,
			fmt.Sprintf("pods %v status %+v", byNode, got.Status)
	})

	// A rolling image update replaces the pods one node at a time.
	setDSImage(t, c, "agent", "agent:2")
	waitFor(t, "agent:2 on both nodes", func() (bool, string) {
		byNode := dsPods(t, c, "agent")
		got, _ := dss.Get(ctx, "agent")
		st := got.Status
		return dsRunning(byNode, "node1", "agent:2") && dsRunning(byNode, "node2", "agent:2") && len(byNode) == 2 &&
				st.UpdatedNumberScheduled == 2 && st.NumberAvailable == 2 && st.ObservedGeneration == got.Generation,
			fmt.Sprintf("pods %v status %+v", byNode, st)
	})
	revs, _, err := mkclient.Typed[*api.ControllerRevision](c, "default").List(ctx, mkclient.ListOptions{LabelSelector: "app=agent"})
	if err != nil {
		t.Fatal(err)
	}
	revNums := map[int64]bool{}
	for _, r := range revs {
		revNums[r.Revision] = true
	}
	if len(revs) != 2 || !revNums[1] || !revNums[2] {
		t.Errorf("agent revisions: %d %v", len(revs), revNums)
	}

	// OnDelete: the template changes, the pods stay until deleted.
	od := newTestDaemonSet("ondelete", "od:1")
	od.Spec.UpdateStrategy.Type = "OnDelete"
	if _, err := dss.Create(ctx, od); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ondelete on both nodes", func() (bool, string) {
		byNode := dsPods(t, c, "ondelete")
		return dsRunning(byNode, "node1", "od:1") && dsRunning(byNode, "node2", "od:1"), fmt.Sprintf("pods %v", byNode)
	})
	setDSImage(t, c, "ondelete", "od:2")
	waitFor(t, "ondelete observed the new template", func() (bool, string) {
		got, _ := dss.Get(ctx, "ondelete")
		return got.Status.ObservedGeneration == got.Generation && got.Status.UpdatedNumberScheduled == 0, fmt.Sprintf("%+v", got.Status)
	})
	time.Sleep(500 * time.Millisecond)
	if byNode := dsPods(t, c, "ondelete"); !dsRunning(byNode, "node1", "od:1") || !dsRunning(byNode, "node2", "od:1") {
		t.Fatalf("OnDelete replaced pods: %v", byNode)
	}
	odPods, _ := podsOf(t, c, "app=ondelete")
	var victim *api.Pod
	for _, p := range odPods {
		if p.Spec.NodeName == "node1" {
			victim = p
		}
	}
	if err := c.Pods("default").Delete(ctx, victim.Name, nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ondelete: node1 gets od:2, node2 keeps od:1", func() (bool, string) {
		byNode := dsPods(t, c, "ondelete")
		got, _ := dss.Get(ctx, "ondelete")
		return dsRunning(byNode, "node1", "od:2") && dsRunning(byNode, "node2", "od:1") && got.Status.UpdatedNumberScheduled == 1,
			fmt.Sprintf("pods %v status %+v", byNode, got.Status)
	})

	// Deleting the daemon set removes its pods (garbage collector).
	if err := dss.Delete(ctx, "agent", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "agent pods gone", func() (bool, string) {
		byNode := dsPods(t, c, "agent")
		return len(byNode) == 0, fmt.Sprintf("pods %v", byNode)
	})
}

// targetNode is the node a daemon pod's required node affinity names.
func targetNode(p *api.Pod) (string, bool) {
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return "", false
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, r := range term.MatchFields {
			if r.Key == "metadata.name" && len(r.Values) == 1 {
				return r.Values[0], true
			}
		}
	}
	return "", false
}
