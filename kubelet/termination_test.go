package kubelet

import (
	"context"
	"testing"
	"time"

	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
)

func testKubelet(t *testing.T, rt *fake.Runtime) *Kubelet {
	t.Helper()
	opts := DefaultOptions()
	opts.NodeName, opts.RootDir = "node1", t.TempDir()
	k, err := New(opts, nil, rt)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A shorter grace period given while a kill is in progress cuts it short:
// the container is stopped again with the new timeout.
func TestTerminationShortenedGrace(t *testing.T) {
	s := newScene(t, testPod(api.RestartAlways, "a"))
	s.f.SetBehavior("a", fake.Behavior{IgnoreSIGTERM: true})
	s.sandbox().start("a", 0)
	k := testKubelet(t, s.f)
	term := newTermination(30 * time.Second)
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- k.terminate(context.Background(), s.pod.UID, s.pod, term) }()
	time.Sleep(100 * time.Millisecond)
	if !term.shorten(200 * time.Millisecond) {
		t.Fatal("30s -> 200ms must shorten")
	}
	if term.shorten(time.Second) {
		t.Fatal("a longer grace period must not lengthen it")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the kill kept the 30s grace period")
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("killed after %v, before the shortened grace period", d)
	}
	got := s.f.StopTimeouts(s.ids["a"])
	if len(got) != 2 || got[0] != 30*time.Second || got[1] != 200*time.Millisecond {
		t.Fatalf("stop timeouts = %v, want [30s 200ms]", got)
	}
	if _, cs := s.view(), s.view().Containers; len(cs) != 0 {
		t.Fatalf("containers left: %+v", cs)
	}
}
