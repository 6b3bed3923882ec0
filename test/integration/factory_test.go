package integration

// The shared informer factory (pkg/client/cache) against a real apiserver.

import (
	"context"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/labels"
)

func TestSharedInformerFactoryAgainstServer(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pods := c.Pods("default")
	if _, err := pods.Create(ctx, newPod("a")); err != nil {
		t.Fatal(err)
	}

	var lws []*gatedLW
	f := cache.NewSharedInformerFactory(c, 0, cache.WithListerWatcher(func(info *api.ResourceInfo) cache.ListerWatcher {
		lw := &gatedLW{ListerWatcher: &cache.ListWatch{Client: c, Info: info}, gate: make(chan struct{})}
		close(lw.gate)
		lws = append(lws, lw)
		return lw
	}))
	inf := cache.InformerFor[*api.Pod](f)
	inf.Backoff = cache.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	inf.Logf = t.Logf
	handler := func(n *names) cache.Handler {
		return cache.HandlerFuncs{
			AddFunc: func(o api.Object) { n.add("add " + o.GetObjectMeta().Name) },
			UpdateFunc: func(_, o api.Object) {
				n.add("update " + o.GetObjectMeta().Name + " " + o.GetObjectMeta().Labels["v"])
			},
			DeleteFunc: func(o api.Object) { n.add("delete " + o.GetObjectMeta().Name) },
		}
	}
	// Two controllers of one process share the informer; the first one's
	// handler is stuck until the end and must not hold back the second.
	stuck := make(chan struct{})
	seenA, seenB := &names{}, &names{}
	inf.AddEventHandler(cache.HandlerFuncs{AddFunc: func(o api.Object) {
		<-stuck
		seenA.add("add " + o.GetObjectMeta().Name)
	}})
	regB := cache.InformerFor[*api.Pod](f).AddEventHandler(handler(seenB))

	runCtx, stop := context.WithCancel(ctx)
	f.Start(runCtx)
	defer func() {
		close(stuck)
		stop()
		f.Shutdown()
	}()
	if !f.WaitForCacheSync(ctx) || !cache.WaitForCacheSync(ctx, regB.HasSynced) {
		t.Fatal("never synced")
	}
	if !seenB.has("add a") {
		t.Fatal("handler B synced without add a")
	}
	if _, err := pods.Create(ctx, newPod("b")); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Patch(ctx, "a", mkclient.MergePatchType, []byte(`{"metadata":{"labels":{"v":"1"}}}`)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "add b, update a (B)", func() bool { return seenB.has("add b") && seenB.has("update a 1") })

	// A handler added late gets the current store as adds, then events.
	seenC := &names{}
	regC := inf.AddEventHandler(handler(seenC))
	eventually(t, "late handler synced", regC.HasSynced)
	if !seenC.has("add a") || !seenC.has("add b") || seenC.has("update a 1") {
		t.Fatalf("late handler got %v", seenC.log)
	}

	// Lister: select by label and namespace.
	sel, _ := labels.Parse("app=x")
	if got := len(inf.Store().Select("default", sel)); got != 2 {
		t.Fatalf("Select app=x: %d pods", got)
	}

	// Changes while disconnected, then compaction: the relist delivers the
	// delete that the watch missed, to every handler.
	lw := lws[0]
	lw.pause()
	if err := pods.Delete(ctx, "b", nil); err != nil {
		t.Fatal(err)
	}
	// Compact past the delete (a compaction at exactly the delete's
	// revision drops its tombstone while a watch from the revision before
	// is still allowed).
	if _, err := pods.Create(ctx, newPod("d")); err != nil {
		t.Fatal(err)
	}
	rev, err := ts.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	lw.resume()
	eventually(t, "delete b, add d after relist", func() bool {
		return seenB.has("delete b") && seenC.has("delete b") && seenB.has("add d") && seenC.has("add d")
	})
	eventually(t, "store a,d", func() bool { return strings.Join(inf.Store().Keys(), ",") == "default/a,default/d" })
	if n := lw.lists.Load(); n != 2 {
		t.Fatalf("%d lists, want 2 (one for all handlers, one relist after 410)", n)
	}
	if len(lws) != 1 {
		t.Fatalf("%d list-watches for one resource", len(lws))
	}
}
