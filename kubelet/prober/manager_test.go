package prober

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"minik8s/pkg/api"
)

type fakeRunner struct {
	calls  atomic.Int32
	result atomic.Int32
}

func (f *fakeRunner) Run(ctx context.Context, p *api.Probe, t Target) (Result, string, error) {
	f.calls.Add(1)
	r := Result(f.result.Load())
	if r == Failure {
		return r, "HTTP probe failed with statuscode: 500", nil
	}
	return r, "", nil
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestManagerLiveness: a failing liveness probe publishes Failure once the
// threshold is reached, records Unhealthy events, asks for a sync and holds
// the worker until a new container replaces the failed one, which starts
// over as alive.
func TestManagerLiveness(t *testing.T) {
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "default", UID: "u1"}, Spec: api.PodSpec{
		Containers: []api.Container{{Name: "c", LivenessProbe: &api.Probe{PeriodSeconds: 1, FailureThreshold: 2,
			ProbeHandler: api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"true"}}}}}}}}
	var mu sync.Mutex
	status := api.PodStatus{PodIP: "10.244.0.2", ContainerStatuses: []api.ContainerStatus{*runningStatus("containerd://a", true, time.Now().Add(-time.Minute))}}
	source := func(uid string) (*api.Pod, *api.PodStatus, bool) {
		mu.Lock()
		defer mu.Unlock()
		st := status
		return pod, &st, uid == "u1"
	}
	var syncs atomic.Int32
	var events []string
	runner := &fakeRunner{}
	runner.result.Store(int32(Failure))
	m := NewManager(runner, source, func(*api.Pod) { syncs.Add(1) }, func(pod *api.Pod, c, typ, reason, msg string) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, c+" "+typ+" "+reason+": "+msg)
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); m.Wait() }()
	m.AddPod(ctx, pod)
	m.AddPod(ctx, pod) // one worker per probe, however often the pod syncs

	waitFor(t, "Failure", func() bool { r, _ := m.Results.Get("containerd://a", Liveness); return r == Failure })
	if n := runner.calls.Load(); n != 2 {
		t.Fatalf("failure published after %d probes, want 2 (failureThreshold)", n)
	}
	mu.Lock()
	if len(events) != 2 || events[0] != "c Warning Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500" {
		t.Fatalf("events = %q", events)
	}
	mu.Unlock()
	if syncs.Load() < 2 { // the initial Success, then the Failure
		t.Fatalf("syncs = %d", syncs.Load())
	}
	time.Sleep(1500 * time.Millisecond)
	if n := runner.calls.Load(); n != 2 {
		t.Fatalf("a failed container was probed again (%d probes): the worker must hold", n)
	}

	// The restarted container: alive until proven otherwise, probed again.
	runner.result.Store(int32(Success))
	mu.Lock()
	status.ContainerStatuses = []api.ContainerStatus{*runningStatus("containerd://b", true, time.Now().Add(-time.Minute))}
	mu.Unlock()
	waitFor(t, "the new container probed", func() bool { return runner.calls.Load() > 2 })
	if r, _ := m.Results.Get("containerd://b", Liveness); r != Success {
		t.Fatalf("new container: %s", r)
	}
	if _, ok := m.Results.Get("containerd://a", Liveness); ok {
		t.Fatal("the old container's result is kept")
	}

	m.RemovePod("u1")
	waitFor(t, "results dropped", func() bool { _, ok := m.Results.Get("containerd://b", Liveness); return !ok })
}
