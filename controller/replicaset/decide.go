package replicaset

import (
	"sort"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/controller"
	"minik8s/pkg/labels"
)

// BurstReplicas caps the pods created or deleted in one sync (Kubernetes'
// --replicaset burst of 500).
const BurstReplicas = 500

// ReplicaFailure is the condition set when pods cannot be created or deleted.
const ReplicaFailure = "ReplicaFailure"

// scaleDecision returns how many pods to create and to delete when active
// pods are running for replicas desired, at most burst at once.
func scaleDecision(active int, replicas int32, burst int) (create, del int) {
	diff := active - int(replicas)
	switch {
	case diff < 0:
		return min(-diff, burst), 0
	case diff > 0:
		return 0, min(diff, burst)
	}
	return 0, 0
}

// podsToDelete picks the n pods to delete first (Kubernetes'
// getPodsToDelete): when not all go, sorted by ActivePodsWithRanks with
// ranks from the related pods (those of the controller's siblings) on the
// same node. pods is reordered.
func podsToDelete(pods, related []*api.Pod, n int, now time.Time) []*api.Pod {
	if n < len(pods) {
		sort.Sort(controller.ActivePodsWithRanks{Pods: pods, Rank: controller.RanksByRelatedPodsOnSameNode(pods, related), Now: now})
	}
	return pods[:min(n, len(pods))]
}

// claimAction is what the controller does with a pod of its namespace.
type claimAction int

const (
	claimIgnore  claimAction = iota // not ours and not to be ours
	claimKeep                       // ours and still matching
	claimAdopt                      // an orphan that matches: take it
	claimRelease                    // ours but no longer matching: let go
)

// claimDecision is Kubernetes' ClaimObject for one pod: a controller keeps
// the pods it controls that match, releases those that stopped matching
// (not while it is itself being deleted), and adopts matching orphans
// that are not being deleted (not while it is being deleted).
func claimDecision(pod *api.Pod, ownerUID string, ownerDeleting bool, sel labels.Selector) claimAction {
	match := sel.Matches(pod.Labels)
	if ref := controller.ControllerOf(&pod.ObjectMeta); ref != nil {
		switch {
		case ref.UID != ownerUID:
			return claimIgnore
		case match:
			return claimKeep
		case ownerDeleting:
			return claimIgnore
		}
		return claimRelease
	}
	if ownerDeleting || !match || pod.DeletionTimestamp != nil {
		return claimIgnore
	}
	return claimAdopt
}

// calculateStatus is the status of a controller over its active pods
// (Kubernetes' calculateStatus): fullyLabeled counts pods carrying all the
// template's labels, available those ready for minReadySeconds; a
// manageReplicas error sets ReplicaFailure (FailedCreate when pods were
// missing, FailedDelete when in surplus) and its absence clears it.
func calculateStatus(v *view, pods []*api.Pod, manageErr error, missing int, now time.Time) Status {
	st := Status{ObservedGeneration: v.status.ObservedGeneration, Conditions: v.status.Conditions}
	tmplSel := labels.SelectorFromSet(v.template.Labels)
	for _, p := range pods {
		if tmplSel.Matches(p.Labels) {
			st.FullyLabeledReplicas++
		}
		if controller.IsPodReady(p) {
			st.ReadyReplicas++
			if controller.IsPodAvailable(p, v.minReady, now) {
				st.AvailableReplicas++
			}
		}
	}
	st.Replicas = int32(len(pods))
	hasFailure := false
	for _, c := range st.Conditions {
		if c.Type == ReplicaFailure {
			hasFailure = true
		}
	}
	switch {
	case manageErr != nil && !hasFailure:
		reason := ""
		if missing > 0 {
			reason = "FailedCreate"
		} else if missing < 0 {
			reason = "FailedDelete"
		}
		st.Conditions = append(append([]api.ReplicaSetCondition(nil), st.Conditions...), api.ReplicaSetCondition{
			Type: ReplicaFailure, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(now.UTC().Truncate(time.Second)),
			Reason: reason, Message: manageErr.Error()})
	case manageErr == nil && hasFailure:
		var keep []api.ReplicaSetCondition
		for _, c := range st.Conditions {
			if c.Type != ReplicaFailure {
				keep = append(keep, c)
			}
		}
		st.Conditions = keep
	}
	return st
}

// statusEqual reports whether writing st over old would change nothing.
func statusEqual(a, b Status) bool {
	if a.Replicas != b.Replicas || a.FullyLabeledReplicas != b.FullyLabeledReplicas || a.ReadyReplicas != b.ReadyReplicas ||
		a.AvailableReplicas != b.AvailableReplicas || a.ObservedGeneration != b.ObservedGeneration || len(a.Conditions) != len(b.Conditions) {
		return false
	}
	for i := range a.Conditions {
		x, y := a.Conditions[i], b.Conditions[i]
		if x.Type != y.Type || x.Status != y.Status || x.Reason != y.Reason || x.Message != y.Message {
			return false
		}
	}
	return true
}
