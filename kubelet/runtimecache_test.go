package kubelet

import (
	"context"
	"errors"
	"testing"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

func TestRuntimeCacheGetNewerThan(t *testing.T) {
	c := newRuntimeCache()
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.getNewerThan(ctx, "u", t0); err == nil {
		t.Fatal("an empty cache must make the caller wait")
	}
	got := make(chan *podRuntime, 1)
	go func() {
		p, err := c.getNewerThan(context.Background(), "u", t0)
		if err != nil {
			t.Error(err)
		}
		got <- p
	}()
	c.set(t0, []*runtime.Sandbox{{ID: "old", PodUID: "u"}}, nil) // not newer than t0
	select {
	case <-got:
		t.Fatal("a relist that began at t0 is not newer than t0")
	case <-time.After(50 * time.Millisecond):
	}
	c.set(t0.Add(time.Millisecond), []*runtime.Sandbox{{ID: "sb", PodUID: "u"}},
		[]*runtime.Container{{ID: "c", PodUID: "u", Name: "a"}, {ID: "x", PodUID: "other"}})
	select {
	case p := <-got:
		if p.sandbox().ID != "sb" || len(p.Containers) != 1 || p.Containers[0].ID != "c" {
			t.Fatalf("pod runtime = %+v", p)
		}
	case <-time.After(time.Second):
		t.Fatal("a newer relist must wake the caller")
	}
	if p, _ := c.getNewerThan(context.Background(), "none", t0); p == nil || len(p.Sandboxes)+len(p.Containers) != 0 {
		t.Fatal("an unknown pod has an empty runtime")
	}
}

// The relist reaps each exited container exactly once, and the cache never
// holds a guessed exit: a container whose reap fails keeps its last state.
func TestRelistReapsOnce(t *testing.T) {
	s := newScene(t, testPod(api.RestartAlways, "a"))
	s.sandbox().start("a", 0)
	k := &Kubelet{rt: s.f, cache: newRuntimeCache()}
	ctx := context.Background()
	if err := k.relist(ctx); err != nil {
		t.Fatal(err)
	}
	s.oom("a")
	s.f.FailNext("ReapContainer", errors.New("shim gone away"))
	if err := k.relist(ctx); err != nil {
		t.Fatal(err)
	}
	if c := k.cache.container(s.ids["a"]); c.State != runtime.ContainerRunning {
		t.Fatalf("after a failed reap the cache must keep the last state, got %+v", c)
	}
	for i := 0; i < 3; i++ {
		if err := k.relist(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if c := k.cache.container(s.ids["a"]); c.State != runtime.ContainerExited || c.Reason != "OOMKilled" || c.NeedsReap {
		t.Fatalf("cached = %+v, want reaped OOMKilled", c)
	}
	n := 0
	for _, c := range s.f.Calls() {
		if c == "ReapContainer "+s.ids["a"] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("reaped %d times, want once: %v", n, s.f.Calls())
	}
	if cs, _ := s.f.ListContainers(ctx); len(cs) != 1 || cs[0].NeedsReap {
		t.Fatalf("listing must not reap, and the relist did: %+v", cs)
	}
}
