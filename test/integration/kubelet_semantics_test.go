package integration

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
	mclient "minik8s/pkg/client"
)

func onePod(name, policy string) *api.Pod {
	p := twoContainerPod(name)
	p.Spec.RestartPolicy = policy
	p.Spec.Volumes = nil
	p.Spec.Containers = []api.Container{{Name: "app", Image: "docker.io/minik8s/tools:latest", Command: []string{"sleep", "3600"}}}
	return p
}

func countCalls(calls []string, prefix string) int {
	n := 0
	for _, c := range calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// TestKubeletRestartsContainerWithChangedImage: changing the image of a
// running pod's container kills the old container and starts one with the
// new image (restartCount 1), as the kubelet's containerChanged does.
func TestKubeletRestartsContainerWithChangedImage(t *testing.T) {
	h := newKubeletHarness(t)
	h.start()
	ctx := context.Background()
	pod := h.createPod(onePod("img", api.RestartAlways))
	h.waitPod("img", "Running", running)

	for i := 0; ; i++ { // the kubelet's status writes may conflict
		p, err := h.c.Pods("default").Get(ctx, "img")
		if err != nil {
			t.Fatal(err)
		}
		p.Spec.Containers[0].Image = "docker.io/minik8s/testserver:latest"
		_, err = h.c.Pods("default").Update(ctx, p)
		if err == nil {
			break
		}
		if !mclient.IsConflict(err) || i == 10 {
			t.Fatalf("update image: %v", err)
		}
	}
	h.waitPod("img", "restarted with the new image", func(p *api.Pod) bool {
		return running(p) && p.Status.ContainerStatuses[0].RestartCount == 1 &&
			p.Status.ContainerStatuses[0].Image == "docker.io/minik8s/testserver:latest"
	})
	_, cs := h.runtimeOf(pod.UID)
	var live []*runtime.Container
	for _, c := range cs {
		if c.State == runtime.ContainerRunning {
			live = append(live, c)
		}
	}
	if len(live) != 1 || live[0].Image != "docker.io/minik8s/testserver:latest" || live[0].Attempt != 1 {
		t.Fatalf("running containers = %+v, want one attempt-1 container of the new image", live)
	}
	for _, c := range cs {
		if c.Attempt == 0 && (c.State != runtime.ContainerExited || c.Image != "docker.io/minik8s/tools:latest") {
			t.Fatalf("the old container must be stopped: %+v", c)
		}
	}
}

// TestKubeletNeverPodIsNotRerunWhenItsSandboxDies: a restartPolicy Never
// pod whose sandbox dies is killed and fails; it gets no new sandbox.
func TestKubeletNeverPodIsNotRerunWhenItsSandboxDies(t *testing.T) {
	h := newKubeletHarness(t)
	h.start()
	pod := h.createPod(onePod("once", api.RestartNever))
	h.waitPod("once", "Running", running)
	sbs, _ := h.runtimeOf(pod.UID)
	if len(sbs) != 1 {
		t.Fatalf("sandboxes = %d", len(sbs))
	}
	if err := h.rt.SandboxDied(sbs[0].ID); err != nil {
		t.Fatal(err)
	}
	p := h.waitPod("once", "Failed", func(p *api.Pod) bool { return p.Status.Phase == api.PodFailed })
	if cs := p.Status.ContainerStatuses; len(cs) != 1 || cs[0].State.Terminated == nil || cs[0].State.Terminated.ExitCode != 137 {
		t.Fatalf("container statuses = %s", mustJSON(t, p.Status.ContainerStatuses))
	}
	time.Sleep(500 * time.Millisecond) // a few relists and syncs
	if n := countCalls(h.rt.Calls(), "RunPodSandbox default/once"); n != 1 {
		t.Fatalf("RunPodSandbox called %d times, want 1: %v", n, h.rt.Calls())
	}
	if _, cs := h.runtimeOf(pod.UID); len(cs) != 1 || cs[0].State != runtime.ContainerExited {
		t.Fatalf("containers = %+v, want the one, exited", cs)
	}
}

// TestKubeletHonoursShorterGraceOnSecondDelete: a pod whose container
// ignores SIGTERM is deleted with 30s of grace; a second DELETE with 1s
// cuts the kill short, and the pod is gone long before 30s.
func TestKubeletHonoursShorterGraceOnSecondDelete(t *testing.T) {
	h := newKubeletHarness(t)
	h.rt.SetBehavior("app", fake.Behavior{IgnoreSIGTERM: true})
	h.start()
	ctx := context.Background()
	p := onePod("slow", api.RestartAlways)
	grace := int64(30)
	p.Spec.TerminationGracePeriodSeconds = &grace
	pod := h.createPod(p)
	h.waitPod("slow", "Running", running)

	if err := h.c.Pods("default").Delete(ctx, "slow", nil); err != nil {
		t.Fatal(err)
	}
	_, cs := h.runtimeOf(pod.UID)
	waitUntil(t, 5*time.Second, "the kill with 30s to begin", func() (bool, string) {
		got := h.rt.StopTimeouts(cs[0].ID)
		return len(got) == 1 && got[0] == 30*time.Second, fmt.Sprint(got)
	})
	start := time.Now()
	one := int64(1)
	if err := h.c.Pods("default").Delete(ctx, "slow", &api.DeleteOptions{GracePeriodSeconds: &one}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 10*time.Second, "the pod to be gone", func() (bool, string) {
		_, err := h.c.Pods("default").Get(ctx, "slow")
		return mclient.IsNotFound(err), fmt.Sprint(err)
	})
	if d := time.Since(start); d < time.Second {
		t.Fatalf("gone after %v, before the 1s grace period", d)
	}
	if got := h.rt.StopTimeouts(cs[0].ID); len(got) != 2 || got[1] != time.Second {
		t.Fatalf("stop timeouts = %v, want [30s 1s]", got)
	}
	if sbs, cs := h.runtimeOf(pod.UID); len(sbs)+len(cs) != 0 {
		t.Fatalf("left in the runtime: %d sandboxes, %d containers", len(sbs), len(cs))
	}
}

// TestKubeletReportsOOMKilledOnce: the exit of an OOM-killed container is
// reaped once, by the relist, and reported as OOMKilled (never as the
// Error its exit code alone suggests).
func TestKubeletReportsOOMKilledOnce(t *testing.T) {
	h := newKubeletHarness(t)
	h.rt.SetBehavior("app", fake.Behavior{OOM: true})
	h.start()
	pod := h.createPod(onePod("oom", api.RestartNever))
	p := h.waitPod("oom", "Failed", func(p *api.Pod) bool { return p.Status.Phase == api.PodFailed })
	if cs := p.Status.ContainerStatuses; len(cs) != 1 || cs[0].State.Terminated == nil || cs[0].State.Terminated.Reason != "OOMKilled" {
		t.Fatalf("container statuses = %s", mustJSON(t, p.Status.ContainerStatuses))
	}
	time.Sleep(300 * time.Millisecond)
	_, cs := h.runtimeOf(pod.UID)
	if len(cs) != 1 {
		t.Fatalf("containers = %+v", cs)
	}
	if n := countCalls(h.rt.Calls(), "ReapContainer "+cs[0].ID); n != 1 {
		t.Fatalf("reaped %d times, want once", n)
	}
}
