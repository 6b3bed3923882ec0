package kubelet

import (
	"strings"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

// initState is how far a pod's init containers got in its sandbox.
type initState struct {
	done bool
	// next is the init container to start (-1: none, one is running).
	next int
	// failed is the failed init container restarted as next (nil: none).
	failed *runtime.Container
}

// initProgress is Kubernetes' findNextInitContainerToRun over the
// containers of the current sandbox: init containers run one at a time,
// in order, each to success; a failed one is run again (under the restart
// policy and back-off); once an app container has run the pod is
// initialized.
func initProgress(pod *api.Pod, rt *podRuntime, sb *runtime.Sandbox) initState {
	inSandbox := func(name string) *runtime.Container {
		for _, c := range rt.containersNamed(name) {
			if sb != nil && c.SandboxID == sb.ID {
				return c
			}
		}
		return nil
	}
	for _, c := range pod.Spec.Containers {
		if inSandbox(c.Name) != nil {
			return initState{done: true}
		}
	}
	inits := pod.Spec.InitContainers
	for i := len(inits) - 1; i >= 0; i-- {
		if c := inSandbox(inits[i].Name); c != nil && exited(c) && exitCode(c) != 0 {
			return initState{next: i, failed: c}
		}
	}
	for i := len(inits) - 1; i >= 0; i-- {
		c := inSandbox(inits[i].Name)
		switch {
		case c == nil:
			continue
		case !exited(c):
			return initState{next: -1}
		case i == len(inits)-1:
			return initState{done: true}
		default:
			return initState{next: i + 1}
		}
	}
	return initState{next: 0}
}

// allContainers are the pod's init containers, then its app containers.
func allContainers(pod *api.Pod) []*api.Container {
	var out []*api.Container
	for i := range pod.Spec.InitContainers {
		out = append(out, &pod.Spec.InitContainers[i])
	}
	for i := range pod.Spec.Containers {
		out = append(out, &pod.Spec.Containers[i])
	}
	return out
}

// computeInitContainerStatus is the status of one init container: as an app
// container's, but ready only once it terminated with success.
func computeInitContainerStatus(pod *api.Pod, spec *api.Container, in statusInput, old *api.ContainerStatus) api.ContainerStatus {
	cs := computeContainerStatus(pod, spec, in, old)
	started := cs.State.Running != nil
	cs.Started = &started
	cs.Ready = cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0
	return cs
}

// findStatus is the status of container name, or nil.
func findStatus(statuses []api.ContainerStatus, name string) *api.ContainerStatus {
	for i := range statuses {
		if statuses[i].Name == name {
			return &statuses[i]
		}
	}
	return nil
}

// anyStarted says whether an app container has run (Kubernetes'
// HasAnyRegularContainerStarted).
func anyStarted(statuses []api.ContainerStatus) bool {
	for _, s := range statuses {
		if s.State.Running != nil || s.State.Terminated != nil || s.LastState.Terminated != nil {
			return true
		}
	}
	return false
}

// initializedCondition is the Initialized condition: true once every init
// container succeeded (or an app container has run), as Kubernetes'
// GeneratePodInitializedCondition words it.
func initializedCondition(pod *api.Pod, initStatuses, statuses []api.ContainerStatus) api.PodCondition {
	c := api.PodCondition{Type: api.PodInitialized, Status: api.ConditionTrue}
	if len(pod.Spec.InitContainers) == 0 || anyStarted(statuses) {
		return c
	}
	var incomplete []string
	for _, ic := range pod.Spec.InitContainers {
		if s := findStatus(initStatuses, ic.Name); s == nil || !s.Ready {
			incomplete = append(incomplete, ic.Name)
		}
	}
	if len(incomplete) > 0 {
		c.Status, c.Reason = api.ConditionFalse, "ContainersNotInitialized"
		c.Message = "containers with incomplete status: [" + strings.Join(incomplete, " ") + "]"
	}
	return c
}
