package integration

// The ReplicaSet and ReplicationController controllers (controller/replicaset,
// run by the controller-manager) against a real apiserver. No kubelet runs:
// pods stay unscheduled (so their deletion is immediate) and readiness is
// written through the status subresource, as a kubelet would.

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/controller"
)

func rsClient(t *testing.T) (*mkclient.Client, context.Context) {
	t.Helper()
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	startControllerManager(t, ts.URL)
	return c, context.Background()
}

// waitUntil polls cond for up to 30s; cond returns a description of what
// it last saw.
func rsWaitUntil(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, saw := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last saw %s", what, saw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func testTemplate(lbls map[string]string) api.PodTemplateSpec {
	return api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: lbls},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}
}

// ownedPods lists the active pods of ns controlled by uid, sorted by name.
func ownedPods(t *testing.T, c *mkclient.Client, ctx context.Context, ns, uid string) []*api.Pod {
	t.Helper()
	all, _, err := c.Pods(ns).List(ctx, mkclient.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*api.Pod
	for _, p := range all {
		if ref := controller.ControllerOf(&p.ObjectMeta); ref != nil && ref.UID == uid && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func podNamesOf(ps []*api.Pod) string {
	var n []string
	for _, p := range ps {
		n = append(n, p.Name)
	}
	return strings.Join(n, ",")
}

func setReady(t *testing.T, c *mkclient.Client, ctx context.Context, p *api.Pod) {
	t.Helper()
	for i := 0; ; i++ {
		cur, err := c.Pods(p.Namespace).Get(ctx, p.Name)
		if err != nil {
			t.Fatal(err)
		}
		cur.Status.Phase = api.PodRunning
		cur.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: api.Now()}}
		if _, err = c.Pods(p.Namespace).UpdateStatus(ctx, cur); err == nil {
			return
		} else if !mkclient.IsConflict(err) || i > 5 {
			t.Fatal(err)
		}
	}
}

func scaleRS(t *testing.T, c *mkclient.Client, ctx context.Context, name string, n int32) {
	t.Helper()
	if _, err := c.ReplicaSets("default").Patch(ctx, name, mkclient.MergePatchType, []byte(fmt.Sprintf(`{"spec":{"replicas":%d}}`, n))); err != nil {
		t.Fatal(err)
	}
}

func TestReplicaSetController(t *testing.T) {
	c, ctx := rsClient(t)
	rsc := c.ReplicaSets("default")
	three := int32(3)
	lbls := map[string]string{"app": "web"}
	rs, err := rsc.Create(ctx, &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "web"},
		Spec: api.ReplicaSetSpec{Replicas: &three, Selector: &api.LabelSelector{MatchLabels: lbls}, Template: testTemplate(lbls)}})
	if err != nil {
		t.Fatal(err)
	}

	// Three pods, named web-xxxxx, controlled by the replica set.
	var pods []*api.Pod
	rsWaitUntil(t, "3 pods", func() (bool, string) {
		pods = ownedPods(t, c, ctx, "default", rs.UID)
		return len(pods) == 3, podNamesOf(pods)
	})
	for _, p := range pods {
		ref := controller.ControllerOf(&p.ObjectMeta)
		if !strings.HasPrefix(p.Name, "web-") || len(p.Name) != len("web-")+5 || ref.Kind != "ReplicaSet" || ref.APIVersion != "apps/v1" ||
			ref.Name != "web" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion || p.Labels["app"] != "web" {
			t.Errorf("pod %s: labels %v ref %+v", p.Name, p.Labels, ref)
		}
	}
	rsWaitUntil(t, "status replicas 3", func() (bool, string) {
		cur, err := rsc.Get(ctx, "web")
		if err != nil {
			t.Fatal(err)
		}
		st := cur.Status
		return st.Replicas == 3 && st.FullyLabeledReplicas == 3 && st.ReadyReplicas == 0 && st.ObservedGeneration == cur.Generation,
			fmt.Sprintf("%+v (generation %d)", st, cur.Generation)
	})
	rsWaitUntil(t, "SuccessfulCreate events", func() (bool, string) {
		evs, _, err := c.Events("default").List(ctx, mkclient.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		var saw []string
		for _, e := range evs {
			saw = append(saw, e.Reason+": "+e.Message)
			if e.Reason == "SuccessfulCreate" && e.InvolvedObject.Kind == "ReplicaSet" && e.InvolvedObject.Name == "web" &&
				e.Type == "Normal" && strings.HasPrefix(e.Message, "Created pod: web-") {
				n++
			}
		}
		return n == 3, strings.Join(saw, "; ")
	})

	// Readiness shows in the status.
	setReady(t, c, ctx, pods[0])
	rsWaitUntil(t, "1 ready and available", func() (bool, string) {
		cur, _ := rsc.Get(ctx, "web")
		return cur.Status.ReadyReplicas == 1 && cur.Status.AvailableReplicas == 1, fmt.Sprintf("%+v", cur.Status)
	})

	// A deleted pod is replaced.
	if err := c.Pods("default").Delete(ctx, pods[1].Name, nil); err != nil {
		t.Fatal(err)
	}
	rsWaitUntil(t, "replacement", func() (bool, string) {
		now := ownedPods(t, c, ctx, "default", rs.UID)
		for _, p := range now {
			if p.Name == pods[1].Name {
				return false, podNamesOf(now)
			}
		}
		return len(now) == 3, podNamesOf(now)
	})

	// Scale up, then down: the ready pod is kept, the unready go first.
	scaleRS(t, c, ctx, "web", 5)
	rsWaitUntil(t, "5 pods", func() (bool, string) {
		now := ownedPods(t, c, ctx, "default", rs.UID)
		return len(now) == 5, podNamesOf(now)
	})
	scaleRS(t, c, ctx, "web", 1)
	rsWaitUntil(t, "1 pod, the ready one", func() (bool, string) {
		now := ownedPods(t, c, ctx, "default", rs.UID)
		return len(now) == 1 && now[0].Name == pods[0].Name, podNamesOf(now)
	})
	rsWaitUntil(t, "status after scale down", func() (bool, string) {
		cur, _ := rsc.Get(ctx, "web")
		st := cur.Status
		return st.Replicas == 1 && st.ReadyReplicas == 1 && st.ObservedGeneration == cur.Generation, fmt.Sprintf("%+v", st)
	})
	rsWaitUntil(t, "SuccessfulDelete events", func() (bool, string) {
		evs, _, _ := c.Events("default").List(ctx, mkclient.ListOptions{})
		n := 0
		for _, e := range evs {
			if e.Reason == "SuccessfulDelete" && strings.HasPrefix(e.Message, "Deleted pod: web-") {
				n++
			}
		}
		return n == 4, fmt.Sprint(n)
	})
}

func TestReplicaSetAdoptionAndRelease(t *testing.T) {
	c, ctx := rsClient(t)
	lbls := map[string]string{"app": "db"}
	// An orphan that matches exists before the replica set.
	orphan := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "orphan", Labels: lbls}, Spec: testTemplate(nil).Spec}
	if _, err := c.Pods("default").Create(ctx, orphan); err != nil {
		t.Fatal(err)
	}
	two := int32(2)
	rs, err := c.ReplicaSets("default").Create(ctx, &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "db"},
		Spec: api.ReplicaSetSpec{Replicas: &two, Selector: &api.LabelSelector{MatchLabels: lbls}, Template: testTemplate(lbls)}})
	if err != nil {
		t.Fatal(err)
	}
	var pods []*api.Pod
	rsWaitUntil(t, "orphan adopted and one pod created", func() (bool, string) {
		pods = ownedPods(t, c, ctx, "default", rs.UID)
		adopted := false
		for _, p := range pods {
			adopted = adopted || p.Name == "orphan"
		}
		return len(pods) == 2 && adopted, podNamesOf(pods)
	})
	// Stays at 2 (adoption counted, no over-creation).
	time.Sleep(500 * time.Millisecond)
	all, _, _ := c.Pods("default").List(ctx, mkclient.ListOptions{})
	if len(all) != 2 {
		t.Fatalf("%d pods, want 2", len(all))
	}

	// Relabel the adopted pod: released (no controller ref) and replaced.
	if _, err := c.Pods("default").Patch(ctx, "orphan", mkclient.MergePatchType, []byte(`{"metadata":{"labels":{"app":"debug"}}}`)); err != nil {
		t.Fatal(err)
	}
	rsWaitUntil(t, "released and replaced", func() (bool, string) {
		p, err := c.Pods("default").Get(ctx, "orphan")
		if err != nil {
			t.Fatal(err)
		}
		now := ownedPods(t, c, ctx, "default", rs.UID)
		return len(p.OwnerReferences) == 0 && len(now) == 2, fmt.Sprintf("refs %v owned %s", p.OwnerReferences, podNamesOf(now))
	})
}

func TestReplicationController(t *testing.T) {
	c, ctx := rsClient(t)
	rcs := mkclient.Typed[*api.ReplicationController](c, "default")
	two := int32(2)
	lbls := map[string]string{"app": "legacy"}
	tmpl := testTemplate(lbls)
	// No selector: defaulted from the template's labels, as core/v1 does.
	rc, err := rcs.Create(ctx, &api.ReplicationController{ObjectMeta: api.ObjectMeta{Name: "legacy"},
		Spec: api.ReplicationControllerSpec{Replicas: &two, Template: &tmpl}})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Spec.Selector["app"] != "legacy" || rc.Labels["app"] != "legacy" {
		t.Fatalf("defaults: selector %v labels %v", rc.Spec.Selector, rc.Labels)
	}
	var pods []*api.Pod
	rsWaitUntil(t, "2 pods", func() (bool, string) {
		pods = ownedPods(t, c, ctx, "default", rc.UID)
		return len(pods) == 2, podNamesOf(pods)
	})
	for _, p := range pods {
		ref := controller.ControllerOf(&p.ObjectMeta)
		if ref.Kind != "ReplicationController" || ref.APIVersion != "v1" || !strings.HasPrefix(p.Name, "legacy-") {
			t.Errorf("pod %s ref %+v", p.Name, ref)
		}
	}
	setReady(t, c, ctx, pods[0])
	rsWaitUntil(t, "rc status", func() (bool, string) {
		cur, _ := rcs.Get(ctx, "legacy")
		st := cur.Status
		return st.Replicas == 2 && st.ReadyReplicas == 1 && st.AvailableReplicas == 1 && st.FullyLabeledReplicas == 2 &&
			st.ObservedGeneration == cur.Generation, fmt.Sprintf("%+v", st)
	})
	if err := c.Pods("default").Delete(ctx, pods[1].Name, nil); err != nil {
		t.Fatal(err)
	}
	// Scaled through the scale subresource, as kubectl scale rc does.
	out, err := c.Do(ctx, http.MethodPatch, rcs.Info().Path("default", "legacy")+"/scale", []byte(`{"spec":{"replicas":3}}`),
		map[string]string{"Content-Type": "application/merge-patch+json"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"kind":"Scale"`) || !strings.Contains(string(out), `"selector":"app=legacy"`) {
		t.Errorf("rc scale answer: %s", out)
	}
	rsWaitUntil(t, "3 pods after delete and scale", func() (bool, string) {
		now := ownedPods(t, c, ctx, "default", rc.UID)
		for _, p := range now {
			if p.Name == pods[1].Name {
				return false, podNamesOf(now)
			}
		}
		return len(now) == 3, podNamesOf(now)
	})
	if _, err := rcs.Patch(ctx, "legacy", mkclient.MergePatchType, []byte(`{"spec":{"replicas":0}}`)); err != nil {
		t.Fatal(err)
	}
	rsWaitUntil(t, "scaled to 0", func() (bool, string) {
		now := ownedPods(t, c, ctx, "default", rc.UID)
		cur, _ := rcs.Get(ctx, "legacy")
		return len(now) == 0 && cur.Status.Replicas == 0, podNamesOf(now)
	})
}

func TestReplicaSetValidation(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	neg := int32(-1)
	_, err = c.ReplicaSets("default").Create(ctx, &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "bad"},
		Spec: api.ReplicaSetSpec{Replicas: &neg, Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "a"}},
			Template: testTemplate(map[string]string{"app": "b"})}})
	for _, want := range []string{
		`spec.replicas: Invalid value: -1: must be greater than or equal to 0`,
		"spec.template.metadata.labels: Invalid value: {\"app\":\"b\"}: `selector` does not match template `labels`",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want it to contain %q", err, want)
		}
	}
	tmpl := testTemplate(map[string]string{"app": "b"})
	_, err = mkclient.Typed[*api.ReplicationController](c, "default").Create(ctx, &api.ReplicationController{ObjectMeta: api.ObjectMeta{Name: "bad"},
		Spec: api.ReplicationControllerSpec{Selector: map[string]string{"app": "a"}, Template: &tmpl}})
	if want := "spec.template.metadata.labels: Invalid value: {\"app\":\"b\"}: `selector` does not match template `labels`"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("rc error %v, want it to contain %q", err, want)
	}
}

// A ready pod counts as available only minReadySeconds after it became
// ready.
func TestReplicaSetMinReadySeconds(t *testing.T) {
	c, ctx := rsClient(t)
	one := int32(1)
	lbls := map[string]string{"app": "slow"}
	rs, err := c.ReplicaSets("default").Create(ctx, &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "slow"},
		Spec: api.ReplicaSetSpec{Replicas: &one, MinReadySeconds: 3, Selector: &api.LabelSelector{MatchLabels: lbls}, Template: testTemplate(lbls)}})
	if err != nil {
		t.Fatal(err)
	}
	var pods []*api.Pod
	rsWaitUntil(t, "1 pod", func() (bool, string) {
		pods = ownedPods(t, c, ctx, "default", rs.UID)
		return len(pods) == 1, podNamesOf(pods)
	})
	readyAt := time.Now()
	setReady(t, c, ctx, pods[0])
	rsWaitUntil(t, "ready", func() (bool, string) {
		cur, _ := c.ReplicaSets("default").Get(ctx, "slow")
		return cur.Status.ReadyReplicas == 1, fmt.Sprintf("%+v", cur.Status)
	})
	cur, _ := c.ReplicaSets("default").Get(ctx, "slow")
	if cur.Status.AvailableReplicas != 0 && time.Since(readyAt) < 2*time.Second {
		t.Fatalf("available right after becoming ready: %+v", cur.Status)
	}
	rsWaitUntil(t, "available after minReadySeconds", func() (bool, string) {
		cur, _ := c.ReplicaSets("default").Get(ctx, "slow")
		return cur.Status.AvailableReplicas == 1, fmt.Sprintf("%+v", cur.Status)
	})
	if d := time.Since(readyAt); d < 2*time.Second {
		t.Errorf("available after %v, before minReadySeconds (3s, ready time truncated to the second)", d)
	}
}
