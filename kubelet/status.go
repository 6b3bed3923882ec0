package kubelet

import (
	"sort"
	"strings"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

// containerIDPrefix is how container IDs appear in pod status.
const containerIDPrefix = "containerd://"

// statusInput is everything computePodStatus looks at besides the pod.
type statusInput struct {
	Runtime *podRuntime
	Waits   map[string]containerWait // kubelet-side waits: back-offs, pull errors
	HostIP  string
	Now     time.Time
	Probes  probeResults // published probe results (nil: none yet)
	// KubeletStart is when the kubelet started (adoptedStatus); zero: never
	// keep a status from before.
	KubeletStart time.Time
}

func apiTime(t time.Time) api.Time {
	if t.IsZero() {
		return api.Time{}
	}
	return api.NewTime(t.UTC().Truncate(time.Second))
}

func terminatedState(c *runtime.Container) *api.ContainerStateTerminated {
	reason := c.Reason
	code := exitCode(c)
	if reason == "" {
		reason = "Completed"
		if code != 0 {
			reason = "Error"
		}
	}
	return &api.ContainerStateTerminated{
		ExitCode: code, Reason: reason,
		StartedAt: apiTime(c.StartedAt), FinishedAt: apiTime(c.FinishedAt),
		ContainerID: containerIDPrefix + c.ID,
	}
}

// computeContainerStatus is the status of one spec container.
func computeContainerStatus(pod *api.Pod, spec *api.Container, in statusInput, old *api.ContainerStatus) api.ContainerStatus {
	cs := api.ContainerStatus{Name: spec.Name, Image: spec.Image}
	all := in.Runtime.containersNamed(spec.Name)
	f := false
	cs.Started = &f
	var prev *runtime.Container // for lastState
	wait, waiting := in.Waits[spec.Name]
	if len(all) == 0 && in.neverStarts(pod) {
		// A Never pod whose sandbox died after its containers ran gets no
		// new sandbox: a container that never ran never will (Kubernetes
		// reports it so for a pod that ended).
		cs.State.Terminated = &api.ContainerStateTerminated{ExitCode: 137, Reason: "ContainerStatusUnknown",
			Message: "The container could not be located when the pod was terminated"}
		return cs
	}
	if len(all) == 0 {
		reason, msg := "ContainerCreating", ""
		if len(pod.Spec.InitContainers) > 0 {
			reason = "PodInitializing"
		}
		if waiting {
			reason, msg = wait.Reason, wait.Message
		}
		cs.State.Waiting = &api.ContainerStateWaiting{Reason: reason, Message: msg}
		if old != nil {
			cs.RestartCount, cs.LastState = old.RestartCount, old.LastState
		}
		return cs
	}
	latest := all[0]
	cs.RestartCount = int32(latest.Attempt)
	if latest.Image != "" {
		cs.Image = latest.Image // what runs (an image change restarts it)
	}
	cs.ImageID = latest.ImageRef
	cs.ContainerID = containerIDPrefix + latest.ID
	switch {
	case latest.State == runtime.ContainerRunning || latest.State == runtime.ContainerUnknown:
		cs.State.Running = &api.ContainerStateRunning{StartedAt: apiTime(latest.StartedAt)}
		running := latest.State == runtime.ContainerRunning
		adopted := adoptedStatus(old, latest, in.KubeletStart)
		started := running && containerStarted(in.Probes, spec, latest, adopted)
		cs.Started = &started
		cs.Ready = started && containerReady(pod, in.Probes, spec, latest, adopted)
		if len(all) > 1 {
			prev = all[1]
		}
	case waiting: // exited, held back (CrashLoopBackOff) or failing to restart
		cs.State.Waiting = &api.ContainerStateWaiting{Reason: wait.Reason, Message: wait.Message}
		prev = latest
	case latest.State == runtime.ContainerCreated && latest.StartedAt.IsZero() && latest.FinishedAt.IsZero():
		cs.State.Waiting = &api.ContainerStateWaiting{Reason: "ContainerCreating"}
		if len(all) > 1 {
			prev = all[1]
		}
	default:
		cs.State.Terminated = terminatedState(latest)
		if len(all) > 1 {
			prev = all[1]
		}
	}
	switch {
	case prev != nil && exited(prev):
		cs.LastState = api.ContainerState{Terminated: terminatedState(prev)}
	case old != nil && old.LastState.Terminated != nil && cs.RestartCount > 0:
		// The previous container was removed (e.g. with its sandbox): keep
		// what was reported.
		cs.LastState = old.LastState
	}
	return cs
}

// neverStarts says whether the pod's sandbox died after its containers
// ran under restartPolicy Never, so no container starts any more (the
// plan's rule in computePodActions).
func (in statusInput) neverStarts(pod *api.Pod) bool {
	sb := in.Runtime.sandbox()
	if pod.Spec.RestartPolicy != api.RestartNever || sb == nil || sb.State == runtime.SandboxReady {
		return false
	}
	// Only once app containers ran: after a failed init container the app
	// containers stay PodInitializing.
	for _, c := range pod.Spec.Containers {
		if len(in.Runtime.containersNamed(c.Name)) > 0 {
			return true
		}
	}
	return false
}

// podPhase is Kubernetes' getPhase.
func podPhase(spec *api.PodSpec, initStatuses, statuses []api.ContainerStatus) string {
	pendingInit, failedInit := 0, 0
	for _, c := range spec.InitContainers {
		s := findStatus(initStatuses, c.Name)
		switch {
		case s == nil:
			pendingInit++
		case s.State.Running != nil:
			pendingInit++
		case s.State.Terminated != nil:
			if s.State.Terminated.ExitCode != 0 {
				failedInit++
			}
		case s.State.Waiting != nil:
			if s.LastState.Terminated != nil {
				if s.LastState.Terminated.ExitCode != 0 {
					failedInit++
				}
			} else {
				pendingInit++
			}
		default:
			pendingInit++
		}
	}
	var waiting, running, stopped, succeeded int
	for _, s := range statuses {
		switch {
		case s.State.Running != nil:
			running++
		case s.State.Terminated != nil:
			stopped++
			if s.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case s.State.Waiting != nil:
			if s.LastState.Terminated != nil {
				stopped++
			} else {
				waiting++
			}
		}
	}
	if failedInit > 0 && spec.RestartPolicy == api.RestartNever {
		return api.PodFailed
	}
	switch {
	case pendingInit > 0 && !anyStarted(statuses):
		return api.PodPending
	case waiting > 0:
		return api.PodPending
	case running > 0:
		return api.PodRunning
	case stopped > 0:
		switch {
		case spec.RestartPolicy == api.RestartAlways:
			return api.PodRunning
		case stopped == succeeded:
			return api.PodSucceeded
		case spec.RestartPolicy == api.RestartNever:
			return api.PodFailed
		default:
			return api.PodRunning
		}
	}
	return api.PodPending
}

// setCondition sets c in conds, keeping lastTransitionTime when the status
// did not change.
func setCondition(old []api.PodCondition, c api.PodCondition, now time.Time) api.PodCondition {
	c.LastTransitionTime = apiTime(now)
	for _, o := range old {
		if o.Type == c.Type && o.Status == c.Status && !o.LastTransitionTime.IsZero() {
			c.LastTransitionTime = o.LastTransitionTime
		}
	}
	return c
}

// qosClass is the pod's QoS class as Kubernetes computes it.
func qosClass(spec *api.PodSpec) string {
	any, guaranteed := false, true
	for _, c := range spec.Containers {
		for _, res := range []string{"cpu", "memory"} {
			lim, hasLim := c.Resources.Limits[res]
			req, hasReq := c.Resources.Requests[res]
			if hasLim && !lim.IsZero() || hasReq && !req.IsZero() {
				any = true
			}
			if !hasLim || lim.IsZero() || hasReq && req.Cmp(lim) != 0 {
				guaranteed = false
			}
		}
	}
	switch {
	case !any:
		return "BestEffort"
	case guaranteed:
		return "Guaranteed"
	}
	return "Burstable"
}

// computePodStatus is the status the kubelet reports for pod, given what
// the runtime has. It is pure.
func computePodStatus(pod *api.Pod, in statusInput) api.PodStatus {
	old := pod.Status
	st := api.PodStatus{
		QOSClass:          qosClass(&pod.Spec),
		NominatedNodeName: old.NominatedNodeName,
	}
	if in.HostIP != "" {
		st.HostIP = in.HostIP
		st.HostIPs = []api.HostIP{{IP: in.HostIP}}
	}
	st.StartTime = old.StartTime
	if st.StartTime.IsZero() {
		t := apiTime(in.Now)
		st.StartTime = &t
	}
	if sb := in.Runtime.sandbox(); sb != nil && sb.State == runtime.SandboxReady && sb.IP != "" {
		st.PodIP = sb.IP
	} else {
		st.PodIP = old.PodIP // a finished pod keeps its IP in status, as in Kubernetes
	}
	if st.PodIP != "" {
		st.PodIPs = []api.PodIP{{IP: st.PodIP}}
	}
	oldStatuses := map[string]*api.ContainerStatus{}
	for i := range old.ContainerStatuses {
		oldStatuses[old.ContainerStatuses[i].Name] = &old.ContainerStatuses[i]
	}
	var notReady []string
	for i := range pod.Spec.Containers {
		cs := computeContainerStatus(pod, &pod.Spec.Containers[i], in, oldStatuses[pod.Spec.Containers[i].Name])
		if !cs.Ready {
			notReady = append(notReady, cs.Name)
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	for i := range pod.Spec.InitContainers {
		spec := &pod.Spec.InitContainers[i]
		var oldCS *api.ContainerStatus
		for j := range old.InitContainerStatuses {
			if old.InitContainerStatuses[j].Name == spec.Name {
				oldCS = &old.InitContainerStatuses[j]
			}
		}
		st.InitContainerStatuses = append(st.InitContainerStatuses, computeInitContainerStatus(pod, spec, in, oldCS))
	}
	st.Phase = podPhase(&pod.Spec, st.InitContainerStatuses, st.ContainerStatuses)
	if old.Phase == api.PodSucceeded || old.Phase == api.PodFailed {
		st.Phase = old.Phase // terminal phases are final
	}

	conds := []api.PodCondition{
		setCondition(old.Conditions, initializedCondition(pod, st.InitContainerStatuses, st.ContainerStatuses), in.Now),
	}
	ready := api.PodCondition{Type: api.ContainersReady, Status: api.ConditionTrue}
	if len(notReady) > 0 {
		ready.Status, ready.Reason = api.ConditionFalse, "ContainersNotReady"
		ready.Message = "containers with unready status: [" + strings.Join(notReady, " ") + "]"
		if st.Phase == api.PodSucceeded || st.Phase == api.PodFailed {
			ready.Reason, ready.Message = "PodCompleted", ""
		}
	}
	conds = append(conds, setCondition(old.Conditions, ready, in.Now))
	podReady := ready
	podReady.Type = api.PodReady
	conds = append(conds, setCondition(old.Conditions, podReady, in.Now))
	scheduled := api.PodCondition{Type: api.PodScheduled, Status: api.ConditionTrue}
	conds = append(conds, setCondition(old.Conditions, scheduled, in.Now))
	// Keep conditions others own (e.g. set by a controller), in order.
	for _, c := range old.Conditions {
		switch c.Type {
		case api.PodInitialized, api.ContainersReady, api.PodReady, api.PodScheduled:
		default:
			conds = append(conds, c)
		}
	}
	sort.SliceStable(conds, func(i, j int) bool { return condOrder(conds[i].Type) < condOrder(conds[j].Type) })
	st.Conditions = conds
	return st
}

func condOrder(t string) int {
	switch t {
	case api.PodInitialized:
		return 0
	case api.PodReady:
		return 1
	case api.ContainersReady:
		return 2
	case api.PodScheduled:
		return 3
	}
	return 4
}
