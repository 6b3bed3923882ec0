package daemonset

import (
	"sort"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
	"minik8s/pkg/controller"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// nodeToDaemonPods groups a daemon set's pods by the node they are for
// (Kubernetes' getNodesToDaemonPods): pods that are both finished and
// being deleted are left out, as are pods with no target node.
func nodeToDaemonPods(pods []*api.Pod) map[string][]*api.Pod {
	out := map[string][]*api.Pod{}
	for _, p := range pods {
		if isTerminal(p) && p.DeletionTimestamp != nil {
			continue
		}
		if n, ok := TargetNodeName(p); ok {
			out[n] = append(out[n], p)
		}
	}
	return out
}

func isTerminal(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}

// sortPods orders a node's daemon pods oldest first, bound before unbound
// (podByCreationTimestampAndPhase).
func sortPods(pods []*api.Pod) {
	sort.SliceStable(pods, func(i, j int) bool {
		a, b := pods[i], pods[j]
		if (a.Spec.NodeName != "") != (b.Spec.NodeName != "") {
			return a.Spec.NodeName != ""
		}
		if a.CreationTimestamp.Equal(b.CreationTimestamp.Time) {
			return a.Name < b.Name
		}
		return a.CreationTimestamp.Before(b.CreationTimestamp.Time)
	})
}

// allowsSurge reports whether the daemon set's rolling update surges.
func allowsSurge(ds *api.DaemonSet) bool {
	s, err := surgeCount(ds, 1)
	return err == nil && s > 0
}

// surgeCount and unavailableCount resolve maxSurge and maxUnavailable
// against the number of nodes that should run a pod, rounding up
// (Kubernetes' SurgeCount and UnavailableCount); 0 for OnDelete.
func surgeCount(ds *api.DaemonSet, desired int) (int, error) {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != api.RollingUpdateDaemonSetStrategyType || ru == nil || ru.MaxSurge == nil {
		return 0, nil
	}
	return intstr.GetScaledValueFromIntOrPercent(ru.MaxSurge, desired, true)
}

func unavailableCount(ds *api.DaemonSet, desired int) (int, error) {
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != api.RollingUpdateDaemonSetStrategyType || ru == nil || ru.MaxUnavailable == nil {
		return 0, nil
	}
	return intstr.GetScaledValueFromIntOrPercent(ru.MaxUnavailable, desired, true)
}

// nodePlan is what one node needs (Kubernetes' podsShouldBeOnNode).
type nodePlan struct {
	create bool       // the node needs a daemon pod
	delete []*api.Pod // pods to delete now
	failed []*api.Pod // failed pods to delete, subject to the controller's backoff
}

// planNode decides the pods of one node: create one where it should run
// and none is; delete finished pods, surplus pods (all but the oldest; with
// surge, all but the oldest old and oldest new, and the old one once the
// new one is available or the old one is not ready), and every pod on a
// node where it may not continue running.
func planNode(node *api.Node, pods []*api.Pod, ds *api.DaemonSet, hash string, now time.Time) nodePlan {
	var plan nodePlan
	shouldRun, shouldContinue := NodeShouldRunDaemonPod(node, ds)
	switch {
	case shouldRun && len(pods) == 0:
		plan.create = true
	case shouldContinue:
		var running []*api.Pod
		for _, p := range pods {
			switch {
			case p.DeletionTimestamp != nil:
			case p.Status.Phase == api.PodFailed:
				plan.failed = append(plan.failed, p)
			case p.Status.Phase == api.PodSucceeded:
				plan.delete = append(plan.delete, p)
			default:
				running = append(running, p)
			}
		}
		sortPods(running)
		if !allowsSurge(ds) {
			if len(running) > 1 {
				plan.delete = append(plan.delete, running[1:]...)
			}
			break
		}
		if len(running) <= 1 {
			// With surge at least one pod that is not being deleted.
			plan.create = len(running) == 0 && shouldRun
			break
		}
		var oldestNew, oldestOld *api.Pod
		for _, p := range running {
			if IsPodUpdated(p, hash) {
				if oldestNew == nil {
					oldestNew = p
					continue
				}
			} else if oldestOld == nil {
				oldestOld = p
				continue
			}
			plan.delete = append(plan.delete, p)
		}
		if oldestNew != nil && oldestOld != nil &&
			(!controller.IsPodReady(oldestOld) || controller.IsPodAvailable(oldestNew, ds.Spec.MinReadySeconds, now)) {
			plan.delete = append(plan.delete, oldestOld)
		}
	case len(pods) > 0:
		for _, p := range pods {
			if p.DeletionTimestamp == nil {
				plan.delete = append(plan.delete, p)
			}
		}
	}
	return plan
}

// unscheduledPodsWithoutNode are pods for nodes that do not exist and
// were never bound: nobody else would delete them.
func unscheduledPodsWithoutNode(nodes []*api.Node, byNode map[string][]*api.Pod) []*api.Pod {
	exists := map[string]bool{}
	for _, n := range nodes {
		exists[n.Name] = true
	}
	var out []*api.Pod
	for name, pods := range byNode {
		if exists[name] {
			continue
		}
		for _, p := range pods {
			if p.Spec.NodeName == "" && p.DeletionTimestamp == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// findUpdatedPodsOnNode splits a node's live pods into the one of the
// current revision and the old one; ok is false with more than one of
// either (the manage step cleans that up first).
func findUpdatedPodsOnNode(pods []*api.Pod, hash string) (newPod, oldPod *api.Pod, ok bool) {
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if IsPodUpdated(p, hash) {
			if newPod != nil {
				return nil, nil, false
			}
			newPod = p
		} else {
			if oldPod != nil {
				return nil, nil, false
			}
			oldPod = p
		}
	}
	return newPod, oldPod, true
}

// rollingPlan is what a rolling update step does: delete old pods (the
// manage step then creates their replacements), and create new pods on
// nodes (with surge, beside the old one).
type rollingPlan struct {
	delete      []string
	createNodes []string
}

// planRollingUpdate is Kubernetes' rollingUpdate (update.go) for the nodes
// and the daemon set's pods by node. Without surge it deletes old pods so
// that at most maxUnavailable nodes are without an available pod (old
// pods that are not available anyway go first); with surge it starts a new
// pod beside at most maxSurge available old pods, beside every unavailable
// one, and deletes an old pod once its new one is available.
func planRollingUpdate(ds *api.DaemonSet, nodes []*api.Node, pods map[string][]*api.Pod, hash string, now time.Time) (rollingPlan, error) {
	byName := map[string]*api.Node{}
	desired := 0
	perNode := map[string][]*api.Pod{}
	for n, ps := range pods {
		perNode[n] = ps
	}
	for _, n := range nodes {
		byName[n.Name] = n
		if run, _ := NodeShouldRunDaemonPod(n, ds); run {
			desired++
			if _, ok := perNode[n.Name]; !ok {
				perNode[n.Name] = nil
			}
		}
	}
	maxSurge, err := surgeCount(ds, desired)
	if err != nil {
		return rollingPlan{}, err
	}
	maxUnavailable, err := unavailableCount(ds, desired)
	if err != nil {
		return rollingPlan{}, err
	}
	if desired > 0 && maxSurge == 0 && maxUnavailable == 0 {
		maxUnavailable = 1 // an impossible configuration: the default
	}
	available := func(p *api.Pod) bool { return controller.IsPodAvailable(p, ds.Spec.MinReadySeconds, now) }
	names := sortedKeys(perNode)
	var plan rollingPlan

	if maxSurge == 0 {
		numUnavailable := 0
		var replace, candidates []string
		for _, name := range names {
			newPod, oldPod, ok := findUpdatedPodsOnNode(perNode[name], hash)
			if !ok {
				numUnavailable++ // the manage step cleans up this node
				continue
			}
			switch {
			case (oldPod == nil) == (newPod == nil):
				numUnavailable++ // the manage step creates or deletes
			case newPod != nil:
				if !available(newPod) {
					numUnavailable++
				}
			case !available(oldPod):
				replace = append(replace, oldPod.Name)
				numUnavailable++
			case numUnavailable >= maxUnavailable:
			default:
				candidates = append(candidates, oldPod.Name)
			}
		}
		remaining := min(max(maxUnavailable-numUnavailable, 0), len(candidates))
		plan.delete = append(replace, candidates[:remaining]...)
		return plan, nil
	}

	var shouldNotRun, candidateNodes, allowedNodes []string
	numSurge, numAvailable := 0, 0
	for _, name := range names {
		newPod, oldPod, ok := findUpdatedPodsOnNode(perNode[name], hash)
		if !ok {
			numSurge++
			continue
		}
		if oldPod != nil {
			if available(oldPod) {
				numAvailable++
			}
		} else if newPod != nil && available(newPod) {
			numAvailable++
		}
		switch {
		case oldPod == nil:
		case newPod == nil:
			node := byName[name]
			run := false
			if node != nil {
				run, _ = NodeShouldRunDaemonPod(node, ds)
			}
			switch {
			case !available(oldPod):
				if !run {
					plan.delete = append(plan.delete, oldPod.Name)
					continue
				}
				allowedNodes = append(allowedNodes, name)
			case !run:
				shouldNotRun = append(shouldNotRun, oldPod.Name)
			case numSurge >= maxSurge:
			default:
				candidateNodes = append(candidateNodes, name)
			}
		default:
			if !available(newPod) {
				numSurge++
				continue
			}
			plan.delete = append(plan.delete, oldPod.Name)
		}
	}
	// Pods on nodes that no longer fit go only as others become available.
	if deletable := min(numAvailable-desired, len(shouldNotRun)); deletable > 0 {
		plan.delete = append(plan.delete, shouldNotRun[:deletable]...)
	}
	remaining := min(max(maxSurge-numSurge, 0), len(candidateNodes))
	plan.createNodes = append(allowedNodes, candidateNodes[:remaining]...)
	return plan, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// calculateStatus counts, over the nodes, the daemon set's status
// (Kubernetes' updateDaemonSetStatus); the oldest pod of a node counts.
func calculateStatus(ds *api.DaemonSet, nodes []*api.Node, pods map[string][]*api.Pod, hash string, now time.Time) api.DaemonSetStatus {
	var st api.DaemonSetStatus
	for _, n := range nodes {
		shouldRun, _ := NodeShouldRunDaemonPod(n, ds)
		ps := pods[n.Name]
		if !shouldRun {
			if len(ps) > 0 {
				st.NumberMisscheduled++
			}
			continue
		}
		st.DesiredNumberScheduled++
		if len(ps) == 0 {
			continue
		}
		st.CurrentNumberScheduled++
		sorted := append([]*api.Pod(nil), ps...)
		sortPods(sorted)
		p := sorted[0]
		if controller.IsPodReady(p) {
			st.NumberReady++
			if controller.IsPodAvailable(p, ds.Spec.MinReadySeconds, now) {
				st.NumberAvailable++
			}
		}
		if IsPodUpdated(p, hash) {
			st.UpdatedNumberScheduled++
		}
	}
	st.NumberUnavailable = st.DesiredNumberScheduled - st.NumberAvailable
	return st
}
