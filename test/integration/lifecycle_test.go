package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

// TestKubeletLifecycleHooks: a real apiserver and a fake-runtime kubelet.
// postStart runs right after the container starts; a graceful delete runs
// preStop before SIGTERM with the hook's time taken off the grace period;
// a failing postStart kills the container, which restarts.
func TestKubeletLifecycleHooks(t *testing.T) {
	h := newKubeletHarness(t)
	h.rec = &eventLog{}
	h.rt.ExecFunc = func(id string, o runtime.ExecOptions) (int, error) {
		switch o.Cmd[0] {
		case "drain":
			time.Sleep(time.Second)
		case "fail":
			return 1, nil
		}
		return 0, nil
	}
	h.start()
	ctx := context.Background()

	p := onePod("hooks", api.RestartAlways)
	p.Spec.Containers[0].Lifecycle = &api.Lifecycle{
		PostStart: &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"warm-up"}}},
		PreStop:   &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"drain"}}},
	}
	p = h.createPod(p)
	h.waitPod("hooks", "Running", running)
	_, cs := h.runtimeOf(p.UID)
	if len(cs) != 1 {
		t.Fatalf("containers: %+v", cs)
	}
	id := cs[0].ID
	if got := callsAbout(h.rt.Calls(), id); !strings.HasPrefix(strings.Join(got, ","), "StartContainer,Exec warm-up") {
		t.Fatalf("calls = %q, want StartContainer then the postStart exec", got)
	}

	if err := h.c.Pods("default").Delete(ctx, "hooks", nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "pod hooks deleted", func() (bool, string) {
		_, err := h.c.Pods("default").Get(ctx, "hooks")
		return mkclient.IsNotFound(err), fmt.Sprint(err)
	})
	got := strings.Join(callsAbout(h.rt.Calls(), id), ",")
	if !strings.Contains(got, "Exec drain,StopContainer") {
		t.Fatalf("calls = %s, want the preStop exec right before StopContainer", got)
	}
	// grace 5 s, the hook took 1 s: SIGTERM got about 4 s.
	if st := h.rt.StopTimeouts(id); len(st) == 0 || st[0] < 2*time.Second || st[0] > 4100*time.Millisecond {
		t.Fatalf("stop timeouts = %v, want the first in [2s, 4.1s]", st)
	}

	bad := onePod("bad", api.RestartAlways)
	bad.Spec.Containers[0].Lifecycle = &api.Lifecycle{PostStart: &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"fail"}}}}
	h.createPod(bad)
	app := "Pod/bad spec.containers{app} "
	h.rec.wait(t, app+"Warning FailedPostStartHook: PostStartHook failed")
	h.rec.wait(t, app+"Normal Killing: FailedPostStartHook")
	h.waitPod("bad", "restarted after the failed postStart hook", func(p *api.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1
	})
}

// callsAbout are the fake runtime's calls naming container id, the ID cut
// out ("StartContainer", "Exec drain").
func callsAbout(calls []string, id string) []string {
	var out []string
	for _, c := range calls {
		if strings.Contains(c, id) {
			out = append(out, strings.Join(strings.Fields(strings.Replace(c, id, "", 1)), " "))
		}
	}
	return out
}
