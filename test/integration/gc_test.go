package integration

// The garbage collector (controller/garbagecollector) and the apiserver's
// deletion with finalizers and propagationPolicy, against a real
// apiserver: Deployment -> ReplicaSet -> Pods chains made by hand with
// ownerReferences.

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/controller/garbagecollector"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
)

// startGC runs the garbage collector alone against url until cleanup.
func startGC(t *testing.T, c *mkclient.Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := cache.NewSharedInformerFactory(c, time.Minute)
	gc := garbagecollector.New(c, f, garbagecollector.Config{Workers: 4})
	f.Start(ctx)
	done := make(chan error, 1)
	go func() { done <- gc.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("garbage collector: %v", err)
		}
		f.Shutdown()
	})
}

func gcClient(t *testing.T) (*testserver.TestServer, *mkclient.Client) {
	t.Helper()
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return ts, c
}

// gcEventually polls cond for up to 30s.
func gcEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func isGone(c *mkclient.Client, info *api.ResourceInfo, ns, name string) bool {
	_, err := c.Get(context.Background(), info, ns, name)
	return mkclient.IsNotFound(err)
}

type chain struct {
	deploy *api.Deployment
	rs     *api.ReplicaSet
	pods   []*api.Pod
}

func ownerRef(kind, apiVersion string, m api.ObjectMeta) api.OwnerReference {
	yes := true
	return api.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: m.Name, UID: m.UID, Controller: &yes, BlockOwnerDeletion: &yes}
}

// makeChain creates Deployment name -> ReplicaSet name-rs -> pods
// name-0..n-1; the pods get the given finalizers.
func makeChain(t *testing.T, c *mkclient.Client, name string, n int, podFinalizers map[int][]string) chain {
	t.Helper()
	ctx := context.Background()
	lbls := map[string]string{"app": name}
	zero := int32(0)
	tmpl := api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: lbls},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}
	d, err := c.Deployments("default").Create(ctx, &api.Deployment{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.DeploymentSpec{Replicas: &zero, Selector: &api.LabelSelector{MatchLabels: lbls}, Template: tmpl}})
	if err != nil {
		t.Fatalf("create deployment: %v", err)
	}
	rs, err := c.ReplicaSets("default").Create(ctx, &api.ReplicaSet{
		ObjectMeta: api.ObjectMeta{Name: name + "-rs", Namespace: "default", Labels: lbls,
			OwnerReferences: []api.OwnerReference{ownerRef("Deployment", "apps/v1", d.ObjectMeta)}},
		Spec: api.ReplicaSetSpec{Replicas: &zero, Selector: &api.LabelSelector{MatchLabels: lbls}, Template: tmpl}})
	if err != nil {
		t.Fatalf("create replicaset: %v", err)
	}
	out := chain{deploy: d, rs: rs}
	for i := 0; i < n; i++ {
		p, err := c.Pods("default").Create(ctx, &api.Pod{
			ObjectMeta: api.ObjectMeta{Name: name + "-" + string(rune('0'+i)), Namespace: "default", Labels: lbls,
				Finalizers: podFinalizers[i], OwnerReferences: []api.OwnerReference{ownerRef("ReplicaSet", "apps/v1", rs.ObjectMeta)}},
			Spec: tmpl.Spec})
		if err != nil {
			t.Fatalf("create pod: %v", err)
		}
		out.pods = append(out.pods, p)
	}
	return out
}

func policy(p string) *api.DeleteOptions { return &api.DeleteOptions{PropagationPolicy: &p} }

func TestGCBackgroundDeletesDependents(t *testing.T) {
	_, c := gcClient(t)
	startGC(t, c)
	ctx := context.Background()
	ch := makeChain(t, c, "bg", 3, nil)
	// Dependents with live owners stay.
	time.Sleep(500 * time.Millisecond)
	if isGone(c, c.ReplicaSets("").Info(), "default", ch.rs.Name) || isGone(c, c.Pods("").Info(), "default", ch.pods[0].Name) {
		t.Fatal("the collector deleted a dependent whose owner exists")
	}
	if err := c.Deployments("default").Delete(ctx, "bg", nil); err != nil {
		t.Fatal(err)
	}
	if !isGone(c, c.Deployments("").Info(), "default", "bg") {
		t.Fatal("background: the owner is not removed at once")
	}
	gcEventually(t, "the replicaset and its pods are gone", func() bool {
		if !isGone(c, c.ReplicaSets("").Info(), "default", ch.rs.Name) {
			return false
		}
		for _, p := range ch.pods {
			if !isGone(c, c.Pods("").Info(), "default", p.Name) {
				return false
			}
		}
		return true
	})
}

func TestGCDanglingOwner(t *testing.T) {
	_, c := gcClient(t)
	startGC(t, c)
	ctx := context.Background()
	p, err := c.Pods("default").Create(ctx, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "stray", Namespace: "default",
		OwnerReferences: []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "never", UID: "0000-never"}}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}})
	if err != nil {
		t.Fatal(err)
	}
	// Two owners, one gone: only the dangling reference goes.
	ch := makeChain(t, c, "two", 0, nil)
	both, err := c.Pods("default").Create(ctx, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "both", Namespace: "default",
		OwnerReferences: []api.OwnerReference{ownerRef("ReplicaSet", "apps/v1", ch.rs.ObjectMeta),
			{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "gone", UID: "0000-gone"}}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}})
	if err != nil {
		t.Fatal(err)
	}
	gcEventually(t, "the pod of a missing owner is deleted", func() bool { return isGone(c, c.Pods("").Info(), "default", p.Name) })
	gcEventually(t, "the dangling reference is dropped", func() bool {
		got, err := c.Pods("default").Get(ctx, both.Name)
		return err == nil && len(got.OwnerReferences) == 1 && got.OwnerReferences[0].UID == ch.rs.UID
	})
}

func TestGCForeground(t *testing.T) {
	_, c := gcClient(t)
	startGC(t, c)
	ctx := context.Background()
	ch := makeChain(t, c, "fg", 2, map[int][]string{0: {"example.com/hold"}})
	if err := c.Deployments("default").Delete(ctx, "fg", policy("Foreground")); err != nil {
		t.Fatal(err)
	}
	d, err := c.Deployments("default").Get(ctx, "fg")
	if err != nil {
		t.Fatalf("foreground: the owner must stay: %v", err)
	}
	if d.DeletionTimestamp == nil || !slices.Contains(d.Finalizers, "foregroundDeletion") {
		t.Fatalf("foreground owner: deletionTimestamp %v finalizers %v", d.DeletionTimestamp, d.Finalizers)
	}
	gcEventually(t, "the pod without a finalizer is gone", func() bool { return isGone(c, c.Pods("").Info(), "default", ch.pods[1].Name) })
	gcEventually(t, "the held pod is being deleted", func() bool {
		p, err := c.Pods("default").Get(ctx, ch.pods[0].Name)
		return err == nil && p.DeletionTimestamp != nil
	})
	// The held pod blocks the replicaset, which blocks the deployment.
	time.Sleep(500 * time.Millisecond)
	rs, err := c.ReplicaSets("default").Get(ctx, ch.rs.Name)
	if err != nil || rs.DeletionTimestamp == nil || !slices.Contains(rs.Finalizers, "foregroundDeletion") {
		t.Fatalf("replicaset while a pod remains: %v %+v", err, rs)
	}
	if d, err := c.Deployments("default").Get(ctx, "fg"); err != nil || !slices.Contains(d.Finalizers, "foregroundDeletion") {
		t.Fatalf("deployment while a pod remains: %v %+v", err, d)
	}
	// Releasing the pod lets the whole chain go.
	p, err := c.Pods("default").Get(ctx, ch.pods[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	p.Finalizers = slices.DeleteFunc(p.Finalizers, func(f string) bool { return f == "example.com/hold" })
	if _, err := c.Pods("default").Update(ctx, p); err != nil && !mkclient.IsNotFound(err) {
		t.Fatal(err)
	}
	gcEventually(t, "pod, replicaset and deployment are gone", func() bool {
		return isGone(c, c.Pods("").Info(), "default", ch.pods[0].Name) &&
			isGone(c, c.ReplicaSets("").Info(), "default", ch.rs.Name) &&
			isGone(c, c.Deployments("").Info(), "default", "fg")
	})
}

func TestGCOrphan(t *testing.T) {
	_, c := gcClient(t)
	startGC(t, c)
	ctx := context.Background()
	ch := makeChain(t, c, "or", 2, nil)
	if err := c.ReplicaSets("default").Delete(ctx, ch.rs.Name, policy("Orphan")); err != nil {
		t.Fatal(err)
	}
	gcEventually(t, "the replicaset is gone", func() bool { return isGone(c, c.ReplicaSets("").Info(), "default", ch.rs.Name) })
	for _, p := range ch.pods {
		got, err := c.Pods("default").Get(ctx, p.Name)
		if err != nil {
			t.Fatalf("orphaned pod %s: %v", p.Name, err)
		}
		if len(got.OwnerReferences) != 0 || got.DeletionTimestamp != nil {
			t.Errorf("orphaned pod %s: ownerReferences %v deletionTimestamp %v", p.Name, got.OwnerReferences, got.DeletionTimestamp)
		}
	}
	// The orphans stay orphans.
	time.Sleep(500 * time.Millisecond)
	for _, p := range ch.pods {
		if isGone(c, c.Pods("").Info(), "default", p.Name) {
			t.Errorf("orphaned pod %s was deleted", p.Name)
		}
	}
	if isGone(c, c.Deployments("").Info(), "default", "or") {
		t.Error("the deployment went with its replicaset")
	}
}

// TestUserFinalizer needs no collector: the apiserver keeps an object
// until its finalizers are removed.
func TestUserFinalizer(t *testing.T) {
	ts, c := gcClient(t)
	ctx := context.Background()
	pods := c.Pods("default")
	if _, err := pods.Create(ctx, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "kept", Namespace: "default", Finalizers: []string{"example.com/keep"}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}); err != nil {
		t.Fatal(err)
	}
	body := mustDo(t, http.StatusOK, http.MethodDelete, ts.URL+"/api/v1/namespaces/default/pods/kept", "", "")
	if p := decodeInto[api.Pod](t, body); p.DeletionTimestamp == nil || p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 0 {
		t.Fatalf("DELETE answer: %+v", p.ObjectMeta)
	}
	p, err := pods.Get(ctx, "kept")
	if err != nil || p.DeletionTimestamp == nil || !slices.Equal(p.Finalizers, []string{"example.com/keep"}) {
		t.Fatalf("after DELETE: %v %+v", err, p)
	}
	// A second DELETE changes nothing.
	rv := p.ResourceVersion
	mustDo(t, http.StatusOK, http.MethodDelete, ts.URL+"/api/v1/namespaces/default/pods/kept", "", "")
	if p2, err := pods.Get(ctx, "kept"); err != nil || p2.ResourceVersion != rv {
		t.Fatalf("second DELETE wrote: %v %v -> %v", err, rv, p2.ResourceVersion)
	}
	// No new finalizers on an object being deleted.
	p.Finalizers = append(p.Finalizers, "example.com/more")
	if _, err := pods.Update(ctx, p); err == nil {
		t.Fatal("adding a finalizer to a deleting object succeeded")
	}
	// A bad propagationPolicy is 422.
	code, _ := do(t, http.MethodDelete, ts.URL+"/api/v1/namespaces/default/pods/kept", "application/json", `{"propagationPolicy":"Sideways"}`)
	if code != http.StatusUnprocessableEntity {
		t.Errorf("bad propagationPolicy: %d", code)
	}
	p, err = pods.Get(ctx, "kept")
	if err != nil {
		t.Fatal(err)
	}
	p.Finalizers = nil
	if _, err := pods.Update(ctx, p); err != nil {
		t.Fatalf("removing the last finalizer: %v", err)
	}
	if !isGone(c, pods.Info(), "default", "kept") {
		t.Fatal("the object stayed after its last finalizer was removed")
	}
	// A deployment (default strategy) too.
	ch := makeChain(t, c, "fin", 0, nil)
	d := ch.deploy
	d.Finalizers = []string{"example.com/keep"}
	if _, err := c.Deployments("default").Update(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := c.Deployments("default").Delete(ctx, "fin", nil); err != nil {
		t.Fatal(err)
	}
	got, err := c.Deployments("default").Get(ctx, "fin")
	if err != nil || got.DeletionTimestamp == nil {
		t.Fatalf("deployment with a finalizer after DELETE: %v %+v", err, got)
	}
	patch := []byte(`{"metadata":{"finalizers":null}}`)
	if _, err := c.Deployments("default").Patch(ctx, "fin", mkclient.MergePatchType, patch); err != nil {
		t.Fatalf("patching the finalizer away: %v", err)
	}
	if !isGone(c, c.Deployments("").Info(), "default", "fin") {
		t.Fatal("the deployment stayed after its finalizer was patched away")
	}
}

// TestGracefulPodDeletionWithFinalizers: a bound pod with a finalizer is
// deleted gracefully (the kubelet's turn), then, after the kubelet's
// grace-0 DELETE, kept with grace 0 until its finalizer goes; a
// propagation policy adds its finalizer to a graceful deletion too.
func TestGracefulPodDeletionWithFinalizers(t *testing.T) {
	ts, c := gcClient(t)
	ctx := context.Background()
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	body := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"fin","finalizers":["example.com/keep"]},"spec":{"nodeName":"n1",` +
		`"terminationGracePeriodSeconds":20,"containers":[{"name":"c","image":"busybox"}]}}`
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", body)
	p := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "DELETE", pods+"/fin", "application/json", `{"propagationPolicy":"Foreground"}`))
	if p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 20 || !slices.Equal(p.Finalizers, []string{"example.com/keep", "foregroundDeletion"}) {
		t.Fatalf("graceful delete: grace %v finalizers %v", p.DeletionGracePeriodSeconds, p.Finalizers)
	}
	// Removing the finalizers while the pod terminates does not remove it:
	// the kubelet has not finished.
	got, err := c.Pods("default").Get(ctx, "fin")
	if err != nil {
		t.Fatal(err)
	}
	got.Finalizers = []string{"example.com/keep"}
	if _, err := c.Pods("default").Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	// The kubelet's final DELETE (grace 0) leaves it to its finalizer.
	p = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "DELETE", pods+"/fin", "application/json", `{"gracePeriodSeconds":0}`))
	if p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 0 {
		t.Fatalf("grace-0 delete of a pod with a finalizer: %+v", p.ObjectMeta)
	}
	got, err = c.Pods("default").Get(ctx, "fin")
	if err != nil {
		t.Fatalf("the finalizer must keep the pod: %v", err)
	}
	got.Finalizers = nil
	if _, err := c.Pods("default").Update(ctx, got); err != nil {
		t.Fatal(err)
	}
	if !isGone(c, c.Pods("").Info(), "default", "fin") {
		t.Fatal("the pod stayed after its last finalizer was removed")
	}
}

// TestKubectlDeleteCascade runs our kubectl's delete --cascade against the
// apiserver and the garbage collector.
func TestKubectlDeleteCascade(t *testing.T) {
	ts, c := gcClient(t)
	startGC(t, c)
	ctx := context.Background()
	podsGone := func(ch chain) bool {
		for _, p := range ch.pods {
			if !isGone(c, c.Pods("").Info(), "default", p.Name) {
				return false
			}
		}
		return true
	}

	// Foreground: kubectl waits for the deployment, which goes only after
	// its replicaset and pods.
	fg := makeChain(t, c, "kfg", 2, nil)
	if out, errOut, code := ourKubectl(t, ts.URL, "", "delete", "deployment", "kfg", "--cascade=foreground"); code != 0 || out != "deployment.apps \"kfg\" deleted\n" {
		t.Fatalf("delete --cascade=foreground: %q %q %d", out, errOut, code)
	}
	if !isGone(c, c.ReplicaSets("").Info(), "default", fg.rs.Name) || !podsGone(fg) {
		t.Error("foreground: the deployment went before its dependents")
	}

	// Orphan: the replicaset stays, without its owner reference.
	or := makeChain(t, c, "kor", 1, nil)
	if out, errOut, code := ourKubectl(t, ts.URL, "", "delete", "deployment", "kor", "--cascade=orphan"); code != 0 {
		t.Fatalf("delete --cascade=orphan: %q %q %d", out, errOut, code)
	}
	rs, err := c.ReplicaSets("default").Get(ctx, or.rs.Name)
	if err != nil || len(rs.OwnerReferences) != 0 {
		t.Fatalf("orphaned replicaset: %v %+v", err, rs)
	}
	if podsGone(or) {
		t.Error("orphan: the pods went")
	}

	// Background (the default): the deployment goes at once, the rest after.
	bg := makeChain(t, c, "kbg", 2, nil)
	if out, errOut, code := ourKubectl(t, ts.URL, "", "delete", "deployment", "kbg"); code != 0 {
		t.Fatalf("delete: %q %q %d", out, errOut, code)
	}
	gcEventually(t, "the replicaset and pods of kbg are gone", func() bool {
		return isGone(c, c.ReplicaSets("").Info(), "default", bg.rs.Name) && podsGone(bg)
	})
}
