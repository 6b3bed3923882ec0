package integration

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/controller/namespace"
	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
	mclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
)

// startNamespaceController runs the namespace controller against server
// until the test ends.
func startNamespaceController(t *testing.T, server string) {
	t.Helper()
	c, err := mclient.New(&mclient.Config{Server: server, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	factory := cache.NewSharedInformerFactory(c, time.Minute)
	ctl := namespace.New(c, factory, namespace.Config{Resync: time.Minute, Workers: 2, MaxRecheck: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	factory.Start(ctx)
	done := make(chan error, 1)
	go func() { done <- ctl.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("namespace controller: %v", err)
		}
		factory.Shutdown()
	})
}

// eventRV is the resourceVersion of a watch event's object.
func eventRV(t *testing.T, ev api.WatchEvent) int64 {
	t.Helper()
	var o struct {
		Metadata api.ObjectMeta `json:"metadata"`
	}
	if err := json.Unmarshal(ev.Object, &o); err != nil {
		t.Fatal(err)
	}
	rv, _ := strconv.ParseInt(o.Metadata.ResourceVersion, 10, 64)
	return rv
}

// TestNamespaceLifecycle: deleting a namespace marks it Terminating; the
// namespace controller deletes its contents through the API, a pod on a
// node gracefully (deletionTimestamp first, then its kubelet stops and
// removes it); creates are refused meanwhile; the namespace goes only when
// it is empty, and a namespace of the same name starts empty.
func TestNamespaceLifecycle(t *testing.T) {
	h := newKubeletHarness(t)
	h.start()
	ts := h.ts
	startNamespaceController(t, ts.URL)
	ctx := context.Background()

	ns := decodeInto[api.Namespace](t, mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces", "application/json", sample("Namespace", "lab")))
	if !slices.Equal(ns.Spec.Finalizers, []string{"kubernetes"}) || ns.Status.Phase != "Active" {
		t.Fatalf("new namespace: finalizers %v phase %q", ns.Spec.Finalizers, ns.Status.Phase)
	}
	pod := twoContainerPod("web")
	pod.Namespace = "lab"
	created, err := h.c.Pods("lab").Create(ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 15*time.Second, "pod running", func() (bool, string) {
		p, err := h.c.Pods("lab").Get(ctx, "web")
		if err != nil {
			return false, err.Error()
		}
		return running(p), p.Status.Phase
	})
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces/lab/services", "application/json", nodePortService("svc", 0))
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/apis/apps/v1/namespaces/lab/deployments", "application/json", sample("Deployment", "d"))

	pods := startWatch(t, ts.URL+"/api/v1/namespaces/lab/pods?watch=true&resourceVersion="+created.ResourceVersion)
	nsw := startWatch(t, ts.URL+"/api/v1/namespaces?watch=true&fieldSelector=metadata.name%3Dlab&resourceVersion="+ns.ResourceVersion)

	del := decodeInto[api.Namespace](t, mustDo(t, http.StatusOK, "DELETE", ts.URL+"/api/v1/namespaces/lab", "", ""))
	if del.Status.Phase != "Terminating" || del.DeletionTimestamp == nil || !slices.Equal(del.Spec.Finalizers, []string{"kubernetes"}) {
		t.Fatalf("deleted namespace: phase %q deletionTimestamp %v finalizers %v", del.Status.Phase, del.DeletionTimestamp, del.Spec.Finalizers)
	}
	code, b := do(t, "POST", ts.URL+"/api/v1/namespaces/lab/pods", "application/json", podJSON("late", nil))
	if st := status(t, b); code != http.StatusForbidden || !strings.Contains(st.Message, "because it is being terminated") {
		t.Errorf("create in terminating namespace: %d %s", code, b)
	}

	// The pod is deleted gracefully: first marked, then removed by its kubelet.
	var marked bool
	var podGone int64
	for podGone == 0 {
		ev, ok := pods.next(false)
		if !ok {
			t.Fatal("pod watch closed")
		}
		var p api.Pod
		json.Unmarshal(ev.Object, &p)
		switch {
		case ev.Type == api.Modified && p.DeletionTimestamp != nil:
			marked = true
		case ev.Type == api.Deleted:
			podGone = eventRV(t, ev)
		}
	}
	if !marked {
		t.Error("the pod was removed without a deletionTimestamp first (not graceful)")
	}
	if _, cs := h.runtimeOf(created.UID); slices.ContainsFunc(cs, func(c *runtime.Container) bool { return c.State == runtime.ContainerRunning }) {
		t.Error("the pod's containers still run")
	}

	// The namespace stays Terminating until it is empty, then goes.
	var last api.Namespace
	var nsGone int64
	for nsGone == 0 {
		ev, ok := nsw.next(false)
		if !ok {
			t.Fatal("namespace watch closed")
		}
		json.Unmarshal(ev.Object, &last)
		if ev.Type == api.Deleted {
			nsGone = eventRV(t, ev)
		} else if last.Status.Phase != "Terminating" && last.DeletionTimestamp != nil {
			t.Errorf("namespace phase %q while deleting", last.Status.Phase)
		}
	}
	if nsGone < podGone {
		t.Errorf("namespace removed at rv %d before its pod at rv %d", nsGone, podGone)
	}
	// As in Kubernetes, the DELETED event carries the last stored state:
	// terminating, with the conditions of the controller's last pass.
	if last.Status.Phase != "Terminating" {
		t.Errorf("namespace removed in phase %q", last.Status.Phase)
	}
	conds := map[string]api.NamespaceCondition{}
	for _, c := range last.Status.Conditions {
		conds[c.Type] = c
	}
	if c := conds["NamespaceContentRemaining"]; c.Status != "False" || c.Reason != "ContentRemoved" {
		t.Errorf("last conditions %+v", last.Status.Conditions)
	}
	if c := conds["NamespaceDeletionContentFailure"]; c.Status != "False" || c.Reason != "ContentDeleted" {
		t.Errorf("last conditions %+v", last.Status.Conditions)
	}

	// A namespace of the same name starts empty.
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces", "application/json", sample("Namespace", "lab"))
	for _, u := range []string{"/api/v1/namespaces/lab/pods", "/api/v1/namespaces/lab/services", "/apis/apps/v1/namespaces/lab/deployments"} {
		l := decodeInto[api.List[map[string]any]](t, mustDo(t, http.StatusOK, "GET", ts.URL+u, "", ""))
		if len(l.Items) != 0 {
			t.Errorf("%s: %d old items came back", u, len(l.Items))
		}
	}
}

// TestNamespaceFinalizeSubresource: PUT namespaces/{name}/finalize changes
// only spec.finalizers; a terminating namespace whose finalizers are all
// gone is removed, an active one stays; plain updates cannot drop the
// finalizer.
func TestNamespaceFinalizeSubresource(t *testing.T) {
	base := testserver.Start(t).URL + "/api/v1/namespaces"
	mustDo(t, http.StatusCreated, "POST", base, "application/json", sample("Namespace", "f"))
	// A plain update keeps spec.finalizers.
	up := decodeInto[api.Namespace](t, mustDo(t, http.StatusOK, "PUT", base+"/f", "application/json",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"f","labels":{"a":"b"}},"spec":{"finalizers":[]}}`))
	if !slices.Equal(up.Spec.Finalizers, []string{"kubernetes"}) || up.Labels["a"] != "b" {
		t.Errorf("after update: finalizers %v labels %v", up.Spec.Finalizers, up.Labels)
	}
	// finalize on an active namespace: finalizers change, the namespace stays.
	fin := decodeInto[api.Namespace](t, mustDo(t, http.StatusOK, "PUT", base+"/f/finalize", "application/json",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"f","labels":{"ignored":"x"}},"spec":{"finalizers":["example.com/x"]}}`))
	if !slices.Equal(fin.Spec.Finalizers, []string{"example.com/x"}) || fin.Labels["ignored"] != "" || fin.Labels["a"] != "b" {
		t.Errorf("after finalize: %+v", fin)
	}
	// Delete: terminating (a finalizer is left, no controller runs).
	mustDo(t, http.StatusOK, "DELETE", base+"/f", "", "")
	time.Sleep(300 * time.Millisecond)
	got := decodeInto[api.Namespace](t, mustDo(t, http.StatusOK, "GET", base+"/f", "", ""))
	if got.Status.Phase != "Terminating" {
		t.Fatalf("phase %q", got.Status.Phase)
	}
	mustDo(t, http.StatusMethodNotAllowed, "POST", base+"/f/finalize", "application/json", `{}`)
	// The last finalizer removed: the namespace goes.
	mustDo(t, http.StatusOK, "PUT", base+"/f/finalize", "application/json",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"f"},"spec":{"finalizers":[]}}`)
	mustDo(t, http.StatusNotFound, "GET", base+"/f", "", "")
}
