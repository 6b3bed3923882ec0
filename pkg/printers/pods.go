package printers

import (
	"fmt"
	"strconv"
	"time"

	"minik8s/pkg/api"
)

func init() {
	register("Pod", []api.TableColumnDefinition{
		nameCol(),
		col("Ready", TypeString, "The aggregate readiness state of this pod for accepting traffic."),
		col("Status", TypeString, "The aggregate status of the containers in this pod."),
		col("Restarts", TypeString, "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
		ageCol(),
		wideCol("IP", TypeString, "IP address allocated to the pod. Routable at least within the cluster."),
		wideCol("Node", TypeString, "Name of the node the pod is bound to."),
		wideCol("Nominated Node", TypeString, "Node the scheduler nominated for this pod when preempting."),
		wideCol("Readiness Gates", TypeString, "Pod readiness gates that are true, out of all of them."),
	}, podRow)
}

// Row conditions Kubernetes attaches to finished pods.
var (
	podSucceededConditions = []api.TableRowCondition{{Type: "Completed", Status: api.ConditionTrue, Reason: "Succeeded", Message: "The pod has completed successfully."}}
	podFailedConditions    = []api.TableRowCondition{{Type: "Completed", Status: api.ConditionTrue, Reason: "Failed", Message: "The pod failed."}}
)

func podRow(pod *api.Pod, now time.Time) ([]any, []api.TableRowCondition) {
	st := PodStatus(pod, now)
	var conds []api.TableRowCondition
	switch pod.Status.Phase {
	case api.PodSucceeded:
		conds = podSucceededConditions
	case api.PodFailed:
		conds = podFailedConditions
	}
	ip := ""
	if len(pod.Status.PodIPs) > 0 {
		ip = pod.Status.PodIPs[0].IP
	}
	if ip == "" {
		ip = pod.Status.PodIP
	}
	cells := []any{
		pod.Name,
		fmt.Sprintf("%d/%d", st.Ready, st.Total),
		st.Reason,
		st.Restarts,
		Age(pod.CreationTimestamp, now),
		orNone(ip),
		orNone(pod.Spec.NodeName),
		orNone(pod.Status.NominatedNodeName),
		"<none>", // minik8s pods have no readiness gates
	}
	return cells, conds
}

// PodSummary is what `kubectl get pods` shows of a pod's state.
type PodSummary struct {
	Ready, Total int    // ready and total (regular) containers
	Reason       string // the STATUS column
	Restarts     string // the RESTARTS column: "0", "3 (42s ago)"
}

// PodStatus computes the READY, STATUS and RESTARTS of a pod the way
// Kubernetes' printPod does: the phase (or status.reason), overridden by
// the state of init containers that have not finished ("Init:0/2",
// "Init:CrashLoopBackOff"), then by waiting or terminated reasons of the
// containers ("CrashLoopBackOff", "ErrImagePull", "OOMKilled", "Completed",
// "ContainerCreating"), and "Terminating" once deletion has started.
func PodStatus(pod *api.Pod, now time.Time) PodSummary {
	restarts := 0
	total := len(pod.Spec.Containers)
	ready := 0
	var lastRestart time.Time
	noteRestart := func(cs api.ContainerStatus) {
		if t := cs.LastState.Terminated; t != nil && t.FinishedAt.Time.After(lastRestart) {
			lastRestart = t.FinishedAt.Time
		}
	}

	reason := pod.Status.Phase
	if pod.Status.Reason != "" {
		reason = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == api.PodScheduled && c.Reason == "SchedulingGated" {
			reason = "SchedulingGated"
		}
	}

	initializing := false
	for i, cs := range pod.Status.InitContainerStatuses {
		restarts += int(cs.RestartCount)
		noteRestart(cs)
		switch {
		case cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0:
			continue
		case cs.State.Terminated != nil:
			t := cs.State.Terminated
			switch {
			case t.Reason != "":
				reason = "Init:" + t.Reason
			case t.Signal != 0:
				reason = fmt.Sprintf("Init:Signal:%d", t.Signal)
			default:
				reason = fmt.Sprintf("Init:ExitCode:%d", t.ExitCode)
			}
		case cs.State.Waiting != nil && cs.State.Waiting.Reason != "" && cs.State.Waiting.Reason != "PodInitializing":
			reason = "Init:" + cs.State.Waiting.Reason
		default:
			reason = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		initializing = true
		break
	}

	if !initializing || podConditionTrue(pod, api.PodInitialized) {
		// Restarts of (non-sidecar) init containers no longer count once
		// the pod is initialized.
		restarts = 0
		lastRestart = time.Time{}
		hasRunning := false
		for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
			cs := pod.Status.ContainerStatuses[i]
			restarts += int(cs.RestartCount)
			noteRestart(cs)
			switch {
			case cs.State.Waiting != nil && cs.State.Waiting.Reason != "":
				reason = cs.State.Waiting.Reason
			case cs.State.Terminated != nil && cs.State.Terminated.Reason != "":
				reason = cs.State.Terminated.Reason
			case cs.State.Terminated != nil && cs.State.Terminated.Signal != 0:
				reason = fmt.Sprintf("Signal:%d", cs.State.Terminated.Signal)
			case cs.State.Terminated != nil:
				reason = fmt.Sprintf("ExitCode:%d", cs.State.Terminated.ExitCode)
			case cs.Ready && cs.State.Running != nil:
				hasRunning = true
				ready++
			}
		}
		// A container still running turns "Completed" back into Running.
		if reason == "Completed" && hasRunning {
			if podConditionTrue(pod, api.PodReady) {
				reason = api.PodRunning
			} else {
				reason = "NotReady"
			}
		}
	}

	terminal := pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed
	if pod.DeletionTimestamp != nil && pod.Status.Reason == "NodeLost" {
		reason = api.PodUnknown
	} else if pod.DeletionTimestamp != nil && !terminal {
		reason = "Terminating"
	}

	restartStr := strconv.Itoa(restarts)
	if restarts != 0 && !lastRestart.IsZero() {
		restartStr = fmt.Sprintf("%d (%s ago)", restarts, HumanDuration(now.Sub(lastRestart)))
	}
	return PodSummary{Ready: ready, Total: total, Reason: reason, Restarts: restartStr}
}

func podConditionTrue(pod *api.Pod, typ string) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == typ {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}
