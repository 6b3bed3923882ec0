package integration

// These tests run the informer against a real apiserver with a real
// embedded etcd (apiserver/testserver); they are test-only imports.

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
)

// gatedLW lets a test cut the current watch and hold back the next one.
type gatedLW struct {
	cache.ListerWatcher
	mu   sync.Mutex
	gate chan struct{}
	cur  mkclient.Watcher
	// lists counts List calls (a relist shows up as a second one).
	lists atomic.Int32
}

func (g *gatedLW) List(ctx context.Context, o mkclient.ListOptions) ([]api.Object, string, error) {
	g.lists.Add(1)
	return g.ListerWatcher.List(ctx, o)
}

func (g *gatedLW) Watch(ctx context.Context, o mkclient.ListOptions) (mkclient.Watcher, error) {
	g.mu.Lock()
	gate := g.gate
	g.mu.Unlock()
	select {
	case <-gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	w, err := g.ListerWatcher.Watch(ctx, o)
	if err == nil {
		g.mu.Lock()
		g.cur = w
		g.mu.Unlock()
	}
	return w, err
}

func (g *gatedLW) pause() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.gate = make(chan struct{})
	if g.cur != nil {
		g.cur.Stop()
	}
}

func (g *gatedLW) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.gate)
}

type names struct {
	mu  sync.Mutex
	log []string
}

func (n *names) add(s string) { n.mu.Lock(); n.log = append(n.log, s); n.mu.Unlock() }
func (n *names) has(s string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, l := range n.log {
		if l == s {
			return true
		}
	}
	return false
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func newPod(name string) *api.Pod {
	return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"app": "x"}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox"}}}}
}

func TestInformerAgainstServer(t *testing.T) {
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

	info, _ := api.ForResource("", "v1", "pods")
	lw := &gatedLW{ListerWatcher: &cache.ListWatch{Client: c, Info: info, Namespace: "default"}, gate: make(chan struct{})}
	close(lw.gate)
	inf := cache.NewInformer(lw, 0)
	inf.Backoff = cache.Backoff{Min: 20 * time.Millisecond, Max: 200 * time.Millisecond}
	inf.Logf = t.Logf
	seen := &names{}
	inf.AddEventHandler(cache.HandlerFuncs{
		AddFunc: func(o api.Object) { seen.add("add " + o.GetObjectMeta().Name) },
		UpdateFunc: func(_, n api.Object) {
			seen.add("update " + n.GetObjectMeta().Name + " " + n.GetObjectMeta().Labels["v"])
		},
		DeleteFunc: func(o api.Object) { seen.add("delete " + o.GetObjectMeta().Name) },
	})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- inf.Run(runCtx) }()
	defer func() {
		stop()
		<-done
	}()
	if !cache.WaitForCacheSync(ctx, inf.HasSynced) {
		t.Fatal("never synced")
	}
	eventually(t, "add a", func() bool { return seen.has("add a") })

	// Watch events.
	if _, err := pods.Create(ctx, newPod("b")); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Patch(ctx, "a", mkclient.MergePatchType, []byte(`{"metadata":{"labels":{"v":"1"}}}`)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "add b, update a", func() bool { return seen.has("add b") && seen.has("update a 1") })

	// A server restart drops the watch; the informer reconnects and resumes.
	ts.Restart(t)
	if _, err := pods.Create(ctx, newPod("c")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "add c after restart", func() bool { return seen.has("add c") })

	if n := lw.lists.Load(); n != 1 {
		t.Fatalf("%d lists before compaction, want 1 (reconnects resume from the last resourceVersion)", n)
	}

	// Changes while disconnected, then compaction: the reconnect gets 410
	// and the informer relists, delivering the delete it missed.
	lw.pause()
	if err := pods.Delete(ctx, "b", nil); err != nil {
		t.Fatal(err)
	}
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
	eventually(t, "delete b and add d after relist", func() bool { return seen.has("delete b") && seen.has("add d") })
	eventually(t, "store a,c,d", func() bool {
		return strings.Join(inf.Store().Keys(), ",") == "default/a,default/c,default/d"
	})
	if n := lw.lists.Load(); n != 2 {
		t.Fatalf("%d lists, want 2 (one relist after 410)", n)
	}
}
