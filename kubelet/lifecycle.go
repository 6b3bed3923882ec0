package kubelet

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"minik8s/kubelet/prober"
	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

// Lifecycle hooks (Kubernetes' kubelet/lifecycle/handlers.go and
// kuberuntime_container.go): postStart runs right after a container
// starts, preStop before it is sent SIGTERM.

// Event reasons of failed hooks. As Kubernetes, the events carry no hook
// output (it may hold secrets); the kubelet's log has it.
const (
	reasonFailedPostStartHook = "FailedPostStartHook"
	reasonFailedPreStopHook   = "FailedPreStopHook"
)

// minHookGrace is what a container is left for SIGTERM after its preStop
// hook, however long the hook took (kuberuntime's
// minimumGracePeriodInSeconds).
const minHookGrace = 2 * time.Second

// maxHookTimeout bounds an exec or httpGet postStart hook (Kubernetes
// bounds it only by the pod's lifetime).
const maxHookTimeout = 2 * time.Minute

// runHook runs one handler for the container with runtime ID id in pod
// (sandbox IP podIP). exec runs in the container and httpGet from the
// node, both through the prober's runner; sleep waits, cut short by ctx;
// tcpSocket is kept by the API only for compatibility and fails, as in
// Kubernetes.
func (k *Kubelet) runHook(ctx context.Context, pod *api.Pod, spec *api.Container, id, podIP string, h *api.LifecycleHandler, timeout time.Duration) error {
	switch {
	case h.Sleep != nil:
		t := time.NewTimer(api.Seconds(h.Sleep.Seconds))
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-ctx.Done():
			return errors.New("container terminated before sleep hook finished")
		}
	case h.Exec != nil, h.HTTPGet != nil:
		secs := int32((timeout + time.Second - 1) / time.Second)
		p := &api.Probe{ProbeHandler: api.ProbeHandler{Exec: h.Exec, HTTPGet: h.HTTPGet}, TimeoutSeconds: max(secs, 1)}
		runner := &prober.NetRunner{Exec: k.execProbe}
		res, msg, err := runner.Run(ctx, p, prober.Target{Pod: pod, Container: spec, ContainerID: id, PodIP: podIP})
		if err != nil {
			return err
		}
		if res != prober.Success {
			if h.Exec != nil {
				return fmt.Errorf("exec lifecycle hook (%s) for container %q in pod %q failed: %s",
					strings.Join(h.Exec.Command, " "), spec.Name, formatPod(pod), msg)
			}
			return fmt.Errorf("HTTP lifecycle hook (%s) for container %q in pod %q failed: %s",
				h.HTTPGet.Path, spec.Name, formatPod(pod), msg)
		}
		return nil
	}
	return fmt.Errorf("invalid handler for container %q in pod %q: only exec, httpGet and sleep are run", spec.Name, formatPod(pod))
}

// runPreStop runs the container's preStop hook, waiting at most grace;
// it returns how long it waited. A failed hook is an event; the kill goes
// on either way.
func (k *Kubelet) runPreStop(ctx context.Context, pod *api.Pod, spec *api.Container, id, podIP string, grace time.Duration) time.Duration {
	start := time.Now()
	hctx, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- k.runHook(hctx, pod, spec, id, podIP, spec.Lifecycle.PreStop, grace) }()
	select {
	case err := <-done:
		if err != nil {
			log.Printf("kubelet: pod %s container %s: preStop hook failed: %v", formatPod(pod), spec.Name, err)
			k.recorder().Eventf(k.containerRef(pod, spec.Name), eventWarning, reasonFailedPreStopHook, "PreStopHook failed")
		}
	case <-hctx.Done():
		if ctx.Err() != nil {
			log.Printf("kubelet: pod %s container %s: preStop hook cut short: %v", formatPod(pod), spec.Name, ctx.Err())
		} else {
			log.Printf("kubelet: pod %s container %s: preStop hook did not finish within %s", formatPod(pod), spec.Name, grace)
		}
	}
	return time.Since(start)
}

// stopContainer kills container c of pod: its preStop hook first (when
// it is running, pod is known and there is a grace period), the hook's
// time deducted from the grace period, at least minHookGrace left; then
// SIGTERM, and SIGKILL when the rest is over.
func (k *Kubelet) stopContainer(ctx context.Context, pod *api.Pod, c *runtime.Container, podIP string, grace time.Duration) error {
	if spec := podContainer(pod, c.Name); spec != nil && spec.Lifecycle != nil && spec.Lifecycle.PreStop != nil &&
		c.State == runtime.ContainerRunning && grace > 0 {
		grace -= k.runPreStop(ctx, pod, spec, c.ID, podIP, grace)
		grace = max(grace, minHookGrace)
	}
	return k.rt.StopContainer(ctx, c.ID, grace)
}

// runPostStart runs the container's postStart hook right after it
// started; when the hook fails the container is killed (and restarted
// under the restart policy).
func (k *Kubelet) runPostStart(ctx context.Context, pod *api.Pod, spec *api.Container, id, podIP string) error {
	if spec.Lifecycle == nil || spec.Lifecycle.PostStart == nil {
		return nil
	}
	err := k.runHook(ctx, pod, spec, id, podIP, spec.Lifecycle.PostStart, maxHookTimeout)
	if err == nil {
		return nil
	}
	log.Printf("kubelet: pod %s container %s: postStart hook failed: %v", formatPod(pod), spec.Name, err)
	ref := k.containerRef(pod, spec.Name)
	k.recorder().Eventf(ref, eventWarning, reasonFailedPostStartHook, "PostStartHook failed")
	k.recorder().Eventf(ref, eventNormal, reasonKilling, "FailedPostStartHook")
	c := &runtime.Container{ID: id, Name: spec.Name, State: runtime.ContainerRunning}
	if kerr := k.stopContainer(ctx, pod, c, podIP, terminationGrace(pod)); kerr != nil {
		return errors.Join(fmt.Errorf("postStart hook of %s: %w", spec.Name, err), fmt.Errorf("kill: %w", kerr))
	}
	return fmt.Errorf("postStart hook of %s: %w", spec.Name, err)
}

// podContainer is the spec of the container called name in pod (nil pod
// or no such container: nil).
func podContainer(pod *api.Pod, name string) *api.Container {
	if pod == nil {
		return nil
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i]
		}
	}
	return nil
}

// podIP is the IP of the pod's sandbox ("" without one).
func (p *podRuntime) podIP() string {
	if sb := p.sandbox(); sb != nil {
		return sb.IP
	}
	return ""
}
