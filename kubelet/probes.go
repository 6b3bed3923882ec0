package kubelet

import (
	"bytes"
	"context"
	"sync"
	"time"

	"minik8s/kubelet/prober"
	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
	"minik8s/pkg/client/cache"
)

// probeResults are the published probe results by container ID (with the
// containerd:// prefix of pod status) and probe type: the prober's Results.
type probeResults interface {
	Get(id string, typ prober.Type) (prober.Result, bool)
}

var _ probeResults = (*prober.Results)(nil)

// probeResult is the published typ result of container id (Unknown: none).
func probeResult(probes probeResults, id string, typ prober.Type) prober.Result {
	if probes == nil {
		return prober.Unknown
	}
	r, _ := probes.Get(containerIDPrefix+id, typ)
	return r
}

// probeFailed says whether a running container failed its liveness or
// startup probe (and which), so that it is killed.
func probeFailed(probes probeResults, spec *api.Container, c *runtime.Container) (prober.Type, bool) {
	if spec.StartupProbe != nil && probeResult(probes, c.ID, prober.Startup) == prober.Failure {
		return prober.Startup, true
	}
	if spec.LivenessProbe != nil && probeResult(probes, c.ID, prober.Liveness) == prober.Failure {
		return prober.Liveness, true
	}
	return 0, false
}

// adoptedStatus is the container's status from before a kubelet restart:
// old (the pod's status in the API) when it is of this very container and
// the container was running before the kubelet started (nil otherwise).
// Kubernetes (ChangeContainerStatusOnKubeletRestart off, its default since
// 1.35) keeps such a container's started and ready until a probe decides,
// so that restarting a kubelet does not take its pods out of Services.
func adoptedStatus(old *api.ContainerStatus, c *runtime.Container, kubeletStart time.Time) *api.ContainerStatus {
	if old == nil || old.ContainerID != containerIDPrefix+c.ID || !prober.StartedBeforeKubelet(c.StartedAt, kubeletStart) {
		return nil
	}
	return old
}

// containerStarted says whether a running container has started: it has
// no startup probe, or its startup probe succeeded, or (no result yet) it
// had started before the kubelet restarted.
func containerStarted(probes probeResults, spec *api.Container, c *runtime.Container, adopted *api.ContainerStatus) bool {
	if spec.StartupProbe == nil {
		return true
	}
	if r := probeResult(probes, c.ID, prober.Startup); r != prober.Unknown {
		return r == prober.Success
	}
	return adopted != nil && adopted.Started != nil && *adopted.Started
}

// containerReady says whether a started container is ready: it has no
// readiness probe, or its readiness probe succeeded, or (no result yet) it
// was ready before the kubelet restarted and its pod is Ready.
func containerReady(pod *api.Pod, probes probeResults, spec *api.Container, c *runtime.Container, adopted *api.ContainerStatus) bool {
	if spec.ReadinessProbe == nil {
		return true
	}
	if r := probeResult(probes, c.ID, prober.Readiness); r != prober.Unknown {
		return r == prober.Success
	}
	return adopted != nil && adopted.Ready && podReady(pod)
}

// podReady says whether the pod's Ready condition is True.
func podReady(pod *api.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}

// podStatusEntry is the status the kubelet last computed for a pod, which
// the probe workers read.
type podStatusEntry struct {
	pod    *api.Pod
	status api.PodStatus
}

// setPodStatus records the status computed for pod.
func (k *Kubelet) setPodStatus(pod *api.Pod, st api.PodStatus) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.statuses[pod.UID] = podStatusEntry{pod: pod, status: st}
}

// probeSource is the prober's view of a pod: the newest object and the
// status last computed.
func (k *Kubelet) probeSource(uid string) (*api.Pod, *api.PodStatus, bool) {
	k.mu.Lock()
	e, ok := k.statuses[uid]
	k.mu.Unlock()
	if !ok {
		return nil, nil, false
	}
	pod := e.pod
	if obj, ok := k.informer.Store().Get(cache.Key(e.pod)); ok && obj.(*api.Pod).UID == uid {
		pod = obj.(*api.Pod)
	}
	st := e.status
	return pod, &st, true
}

// forgetPodStatus drops what the kubelet remembers of a pod's status and
// stops its probes.
func (k *Kubelet) forgetPodStatus(uid string) {
	k.mu.Lock()
	delete(k.statuses, uid)
	k.mu.Unlock()
	k.probes.RemovePod(uid)
}

// lockedBuffer collects an exec probe's stdout and stderr.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// execProbe runs an exec probe's command in the container through the
// runtime.
func (k *Kubelet) execProbe(ctx context.Context, id string, cmd []string) ([]byte, int, error) {
	var out lockedBuffer
	code, err := k.rt.Exec(ctx, id, runtime.ExecOptions{Cmd: cmd, Stdout: &out, Stderr: &out})
	out.mu.Lock()
	defer out.mu.Unlock()
	return append([]byte(nil), out.b.Bytes()...), code, err
}

// newProbeManager wires the prober to the kubelet: probes run through the
// runtime (exec) or from the node's network namespace (HTTP, TCP), a
// changed result syncs the pod, a failed probe is an Unhealthy event.
func (k *Kubelet) newProbeManager(runner prober.Runner) *prober.Manager {
	if runner == nil {
		runner = &prober.NetRunner{Exec: k.execProbe}
	}
	m := prober.NewManager(runner, k.probeSource,
		func(pod *api.Pod) {
			if k.queue != nil {
				k.queue.Add(cache.Key(pod))
			}
		},
		func(pod *api.Pod, container, eventType, reason, message string) {
			k.recorder().Eventf(k.containerRef(pod, container), eventType, reason, "%s", message)
		})
	m.Clock = func() time.Time { return k.now() }
	return m
}

// failedProbe is the container's probe of typ (liveness or startup).
func failedProbe(spec *api.Container, typ prober.Type) *api.Probe {
	if typ == prober.Startup {
		return spec.StartupProbe
	}
	return spec.LivenessProbe
}
