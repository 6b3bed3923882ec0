package kubelet

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

// podRuntime is what the runtime has of one pod (by UID).
type podRuntime struct {
	Sandboxes  []*runtime.Sandbox   // newest first
	Containers []*runtime.Container // newest first (by attempt, then creation)
}

// newPodRuntime sorts what the runtime listed for one pod.
func newPodRuntime(sbs []*runtime.Sandbox, cs []*runtime.Container) *podRuntime {
	p := &podRuntime{Sandboxes: append([]*runtime.Sandbox(nil), sbs...), Containers: append([]*runtime.Container(nil), cs...)}
	sort.SliceStable(p.Sandboxes, func(i, j int) bool { return p.Sandboxes[i].CreatedAt.After(p.Sandboxes[j].CreatedAt) })
	sort.SliceStable(p.Containers, func(i, j int) bool {
		a, b := p.Containers[i], p.Containers[j]
		if a.Attempt != b.Attempt {
			return a.Attempt > b.Attempt
		}
		return a.CreatedAt.After(b.CreatedAt)
	})
	return p
}

// sandbox is the newest sandbox, or nil.
func (p *podRuntime) sandbox() *runtime.Sandbox {
	if p == nil || len(p.Sandboxes) == 0 {
		return nil
	}
	return p.Sandboxes[0]
}

// containersNamed are the containers of one name, newest first.
func (p *podRuntime) containersNamed(name string) []*runtime.Container {
	if p == nil {
		return nil
	}
	var out []*runtime.Container
	for _, c := range p.Containers {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// latest is the newest container of name, or nil.
func (p *podRuntime) latest(name string) *runtime.Container {
	if cs := p.containersNamed(name); len(cs) > 0 {
		return cs[0]
	}
	return nil
}

// containerWait is a reason a container has no runtime container yet that
// only the kubelet knows (a failed image pull, a failed create).
type containerWait struct {
	Reason  string // ErrImagePull, CreateContainerError, ...
	Message string
	At      time.Time
}

// containerStart is one container to create and start.
type containerStart struct {
	Index   int // in pod.Spec.Containers, or pod.Spec.InitContainers if Init
	Init    bool
	Attempt uint32
}

// spec is the container's spec in pod.
func (s containerStart) spec(pod *api.Pod) *api.Container {
	if s.Init {
		return &pod.Spec.InitContainers[s.Index]
	}
	return &pod.Spec.Containers[s.Index]
}

// podActions is the plan of one sync of a pod.
type podActions struct {
	// KillPod stops every running container and the sandbox (pod deleted,
	// sandbox dead, or pod finished).
	KillPod bool
	// Delete: the pod is being deleted; after KillPod remove everything
	// and delete the API object.
	Delete bool
	// CreateSandbox creates a new sandbox (after KillPod, if both).
	CreateSandbox bool
	// Start are the containers to create and start, in spec order.
	Start []containerStart
	// Kill are running containers to stop: unknown names, old sandboxes,
	// changed specs.
	Kill []*runtime.Container
	// KillMessage says why a container of Kill is stopped, by ID, when
	// there is more to say than "Stopping container x" (the Killing event).
	KillMessage map[string]string
	// KillGrace is the grace period of a container of Kill, by ID, when it
	// is not the pod's (a failed probe's terminationGracePeriodSeconds).
	KillGrace map[string]time.Duration
	// Remove are exited containers no longer needed (older attempts).
	Remove []*runtime.Container
	// RemoveSandboxes are old sandboxes to stop and remove.
	RemoveSandboxes []*runtime.Sandbox
	// Waiting are containers held back: name -> reason and message
	// (CrashLoopBackOff, ImagePullBackOff).
	Waiting map[string]containerWait
	// RetryAfter asks for another sync after this long (0: the periodic one).
	RetryAfter time.Duration
}

// changes says whether applying the plan changes the runtime's state.
func (a *podActions) changes() bool {
	return a.KillPod || a.CreateSandbox || len(a.Start)+len(a.Kill)+len(a.Remove)+len(a.RemoveSandboxes) > 0
}

// backoffKey names a container's restart back-off.
func backoffKey(pod *api.Pod, name string) string { return pod.UID + "/" + name }

// waitBackoffKey names the back-off of a container's kubelet-side
// failures (image pull, create).
func waitBackoffKey(pod *api.Pod, name string) string { return pod.UID + "/wait/" + name }

// shouldRestart says whether an exited container is restarted under policy.
func shouldRestart(policy string, exitCode int32) bool {
	switch policy {
	case api.RestartNever:
		return false
	case api.RestartOnFailure:
		return exitCode != 0
	default:
		return true
	}
}

func exited(c *runtime.Container) bool {
	return c.State == runtime.ContainerExited || c.State == runtime.ContainerCreated
}

// exitCode of an exited container; one that was created but never
// started counts as a failure.
func exitCode(c *runtime.Container) int32 {
	if c.State == runtime.ContainerCreated && c.ExitCode == 0 {
		return 128
	}
	return c.ExitCode
}

// keepAttempts is how many containers of one name are kept: the current
// one and the previous one (lastState, logs --previous).
const keepAttempts = 2

// computePodActions decides what one sync does to a pod, given what the
// runtime has, the kubelet's waits (failed pulls), the back-offs and now.
// It is pure: the worker applies the plan.
func computePodActions(pod *api.Pod, rt *podRuntime, waits map[string]containerWait, bo *Backoff, probes probeResults, now time.Time) podActions {
	a := podActions{Waiting: map[string]containerWait{}, KillMessage: map[string]string{}, KillGrace: map[string]time.Duration{}}
	sb := rt.sandbox()
	sbReady := sb != nil && sb.State == runtime.SandboxReady

	// Garbage: older sandboxes, containers of unknown names, old attempts.
	specNames := map[string]bool{}
	for _, c := range pod.Spec.Containers {
		specNames[c.Name] = true
	}
	for _, c := range pod.Spec.InitContainers {
		specNames[c.Name] = true
	}
	// An old sandbox goes once it holds no container's latest attempt
	// (removing a sandbox removes its containers, and the restart count
	// lives in the latest attempt).
	holdsLatest := map[string]bool{}
	for _, c := range append(append([]api.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...) {
		if l := rt.latest(c.Name); l != nil {
			holdsLatest[l.SandboxID] = true
		}
	}
	for i, s := range rt.sandboxesOrNil() {
		if i > 0 && !holdsLatest[s.ID] {
			a.RemoveSandboxes = append(a.RemoveSandboxes, s)
		}
	}
	seen := map[string]int{}
	for _, c := range rt.containersOrNil() {
		switch {
		case !specNames[c.Name]:
			if exited(c) {
				a.Remove = append(a.Remove, c)
			} else {
				a.Kill = append(a.Kill, c)
			}
		default:
			seen[c.Name]++
			if seen[c.Name] > keepAttempts && exited(c) {
				a.Remove = append(a.Remove, c)
			}
		}
	}

	if pod.DeletionTimestamp != nil {
		a.KillPod, a.Delete = true, true
		a.Kill, a.Remove, a.RemoveSandboxes = nil, nil, nil
		return a
	}

	// A Never pod whose containers have run gets no new sandbox when its
	// sandbox dies: it is killed and goes to its terminal phase
	// (kuberuntime computePodActions: "should not restart the pod").
	if !sbReady && sb != nil && pod.Spec.RestartPolicy == api.RestartNever && len(rt.containersOrNil()) > 0 {
		for _, c := range rt.containersOrNil() {
			if !exited(c) {
				a.KillPod = true
			}
		}
		return a
	}

	// What each container needs, as if the sandbox were fine.
	type need struct {
		start   bool
		attempt uint32
		// probeKill: killed for a failed liveness or startup probe; the
		// restart waits out the back-off of the previous exit.
		probeKill bool
	}
	needs := make([]need, len(pod.Spec.Containers))
	anyToRun := false
	for i, spec := range pod.Spec.Containers {
		latest := rt.latest(spec.Name)
		switch {
		case latest == nil:
			needs[i] = need{start: true}
		case exited(latest):
			if shouldRestart(pod.Spec.RestartPolicy, exitCode(latest)) {
				needs[i] = need{start: true, attempt: latest.Attempt + 1}
			}
		default: // running (or unknown): keep, unless its sandbox is gone or its spec changed
			if !sbReady || latest.SandboxID != sb.ID {
				needs[i] = need{start: true, attempt: latest.Attempt + 1}
			}
			switch {
			case sbReady && latest.SandboxID != sb.ID:
				a.Kill = append(a.Kill, latest)
			case sbReady && containerChanged(&spec, latest):
				// Restarted whatever the restart policy, as Kubernetes does.
				needs[i] = need{start: true, attempt: latest.Attempt + 1}
				a.Kill = append(a.Kill, latest)
				a.KillMessage[latest.ID] = fmt.Sprintf("Container %s definition changed, will be restarted", spec.Name)
			case sbReady && latest.State == runtime.ContainerRunning:
				if typ, failed := probeFailed(probes, &spec, latest); failed {
					// Kubernetes restarts it unless the policy is Never.
					msg := fmt.Sprintf("Container %s failed %s probe", spec.Name, strings.ToLower(typ.String()))
					if pod.Spec.RestartPolicy != api.RestartNever {
						needs[i] = need{start: true, attempt: latest.Attempt + 1, probeKill: true}
						msg += ", will be restarted"
					}
					a.Kill = append(a.Kill, latest)
					a.KillMessage[latest.ID] = msg
					if g := failedProbe(&spec, typ).TerminationGracePeriodSeconds; g != nil {
						a.KillGrace[latest.ID] = api.Seconds(*g)
					}
				}
			}
		}
		if needs[i].start {
			anyToRun = true
		}
	}
	anyRunning := false
	for _, c := range rt.containersOrNil() {
		if !exited(c) {
			anyRunning = true
		}
	}

	if !sbReady {
		if !anyToRun {
			// Finished pod (or nothing to do): make sure nothing is left running.
			a.KillPod = anyRunning
			return a
		}
		a.KillPod = sb != nil || anyRunning
		a.CreateSandbox = true
		if len(pod.Spec.InitContainers) > 0 {
			// A new sandbox runs the init containers again, from the first.
			a.tryStart(pod, rt, waits, bo, now, containerStart{Index: 0, Init: true, Attempt: nextAttempt(rt, pod.Spec.InitContainers[0].Name)}, nil)
			return a
		}
	} else if !anyToRun && !anyRunning {
		// Every container finished for good: stop the sandbox (frees the IP).
		a.KillPod = true
		return a
	} else if len(pod.Spec.InitContainers) > 0 {
		switch p := initProgress(pod, rt, sb); {
		case p.done:
		case p.failed != nil && pod.Spec.RestartPolicy == api.RestartNever:
			// A failed init container under Never fails the pod.
			a.KillPod = true
			return a
		default:
			if p.next >= 0 {
				a.tryStart(pod, rt, waits, bo, now, containerStart{Index: p.next, Init: true,
					Attempt: nextAttempt(rt, pod.Spec.InitContainers[p.next].Name)}, p.failed)
			}
			// Initialization in progress: app containers wait.
			return a
		}
	}

	for i, spec := range pod.Spec.Containers {
		if !needs[i].start {
			continue
		}
		latest := rt.latest(spec.Name)
		var last *runtime.Container // the exit the back-off runs from
		switch {
		case latest != nil && exited(latest):
			last = latest
		case needs[i].probeKill:
			for _, c := range rt.containersNamed(spec.Name) {
				if exited(c) {
					last = c
					break
				}
			}
		}
		a.tryStart(pod, rt, waits, bo, now, containerStart{Index: i, Attempt: needs[i].attempt}, last)
	}
	return a
}

// nextAttempt is the attempt of the next container of name.
func nextAttempt(rt *podRuntime, name string) uint32 {
	if l := rt.latest(name); l != nil {
		return l.Attempt + 1
	}
	return 0
}

// tryStart adds s to the containers to start unless it is in back-off:
// the restart back-off since the exit of last (nil: none), or the back-off
// of a kubelet-side failure (image pull, create). A held-back container is
// Waiting and the plan asks to be retried when its back-off ends.
func (a *podActions) tryStart(pod *api.Pod, rt *podRuntime, waits map[string]containerWait, bo *Backoff, now time.Time, s containerStart, last *runtime.Container) {
	spec := s.spec(pod)
	retry := func(d time.Duration) {
		if d > 0 && (a.RetryAfter == 0 || d < a.RetryAfter) {
			a.RetryAfter = d
		}
	}
	if last != nil {
		since := last.FinishedAt
		if since.IsZero() {
			since = last.CreatedAt // created, never started
		}
		if in, left := bo.InBackOffSince(backoffKey(pod, spec.Name), since, now); in {
			a.Waiting[spec.Name] = containerWait{Reason: "CrashLoopBackOff",
				Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)",
					bo.Delay(backoffKey(pod, spec.Name)), spec.Name, pod.Name, pod.Namespace, pod.UID), At: now}
			retry(left)
			return
		}
	}
	if w, ok := waits[spec.Name]; ok {
		if in, left := bo.InBackOffSince(waitBackoffKey(pod, spec.Name), w.At, now); in {
			if w.Reason == "ErrImagePull" || w.Reason == "ImagePullBackOff" {
				w.Reason, w.Message = "ImagePullBackOff", fmt.Sprintf("Back-off pulling image %q", spec.Image)
			}
			a.Waiting[spec.Name] = w
			retry(left)
			return
		}
	}
	a.Start = append(a.Start, s)
}

func (p *podRuntime) sandboxesOrNil() []*runtime.Sandbox {
	if p == nil {
		return nil
	}
	return p.Sandboxes
}

func (p *podRuntime) containersOrNil() []*runtime.Container {
	if p == nil {
		return nil
	}
	return p.Containers
}
