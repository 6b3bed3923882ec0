package controller

import (
	"math"
	"strconv"
	"time"

	"minik8s/pkg/api"
)

// PodDeletionCostAnnotation lowers or raises a pod's place in the order in
// which a controller scales down (lower is deleted first).
const PodDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

// PodKey is "namespace/name".
func PodKey(p *api.Pod) string { return p.Namespace + "/" + p.Name }

// IsPodActive reports whether a pod counts toward a controller's replicas:
// not finished and not being deleted.
func IsPodActive(p *api.Pod) bool {
	return p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed && p.DeletionTimestamp == nil
}

// FilterActivePods keeps the active pods.
func FilterActivePods(pods []*api.Pod) []*api.Pod {
	var out []*api.Pod
	for _, p := range pods {
		if IsPodActive(p) {
			out = append(out, p)
		}
	}
	return out
}

func readyCondition(p *api.Pod) *api.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == api.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// IsPodReady reports whether the pod's Ready condition is True.
func IsPodReady(p *api.Pod) bool {
	c := readyCondition(p)
	return c != nil && c.Status == api.ConditionTrue
}

// podReadyTime is when a ready pod became ready (zero if not ready).
func podReadyTime(p *api.Pod) time.Time {
	if c := readyCondition(p); c != nil && c.Status == api.ConditionTrue {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

// IsPodAvailable reports whether the pod has been ready for at least
// minReadySeconds at now (Kubernetes' podutil.IsPodAvailable).
func IsPodAvailable(p *api.Pod, minReadySeconds int32, now time.Time) bool {
	if !IsPodReady(p) {
		return false
	}
	if minReadySeconds == 0 {
		return true
	}
	t := podReadyTime(p)
	return !t.IsZero() && t.Add(time.Duration(minReadySeconds)*time.Second).Before(now)
}

// deletionCost is the pod's pod-deletion-cost annotation (0 when unset or
// not an int32).
func deletionCost(p *api.Pod) int64 {
	v, ok := p.Annotations[PodDeletionCostAnnotation]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0
	}
	return n
}

func maxContainerRestarts(p *api.Pod) int32 {
	var m int32
	for _, c := range p.Status.ContainerStatuses {
		m = max(m, c.RestartCount)
	}
	return m
}

var podPhaseOrdinal = map[string]int{api.PodPending: 0, api.PodUnknown: 1, api.PodRunning: 2}

// ActivePodsWithRanks sorts pods into the order a controller deletes them
// (Kubernetes' ActivePodsWithRanks): first unscheduled, then pending <
// unknown < running, not ready, lower deletion cost, more related pods on
// the same node (Rank), ready for less time, more restarts, newer. Ready
// and creation times are compared in log2 buckets of their age at Now, as
// Kubernetes' LogarithmicScaleDown does, ties broken by UID.
type ActivePodsWithRanks struct {
	Pods []*api.Pod
	Rank []int
	Now  time.Time
}

func (s ActivePodsWithRanks) Len() int { return len(s.Pods) }

func (s ActivePodsWithRanks) Swap(i, j int) {
	s.Pods[i], s.Pods[j] = s.Pods[j], s.Pods[i]
	s.Rank[i], s.Rank[j] = s.Rank[j], s.Rank[i]
}

func (s ActivePodsWithRanks) Less(i, j int) bool {
	pi, pj := s.Pods[i], s.Pods[j]
	// 1. Unassigned < assigned.
	if pi.Spec.NodeName != pj.Spec.NodeName && (pi.Spec.NodeName == "" || pj.Spec.NodeName == "") {
		return pi.Spec.NodeName == ""
	}
	// 2. Pending < Unknown < Running.
	if oi, oj := podPhaseOrdinal[pi.Status.Phase], podPhaseOrdinal[pj.Status.Phase]; oi != oj {
		return oi < oj
	}
	// 3. Not ready < ready.
	if ri, rj := IsPodReady(pi), IsPodReady(pj); ri != rj {
		return !ri
	}
	// 4. Lower deletion cost < higher.
	if ci, cj := deletionCost(pi), deletionCost(pj); ci != cj {
		return ci < cj
	}
	// 5. Doubled up (more related pods on the node) < not.
	if s.Rank[i] != s.Rank[j] {
		return s.Rank[i] > s.Rank[j]
	}
	// 6. Ready for less time < more time.
	if IsPodReady(pi) && IsPodReady(pj) {
		if ti, tj := podReadyTime(pi), podReadyTime(pj); !ti.Equal(tj) {
			return s.newerFirst(pi, pj, ti, tj)
		}
	}
	// 7. More restarts < fewer.
	if ri, rj := maxContainerRestarts(pi), maxContainerRestarts(pj); ri != rj {
		return ri > rj
	}
	// 8. Newer < older.
	if ti, tj := pi.CreationTimestamp.Time, pj.CreationTimestamp.Time; !ti.Equal(tj) {
		return s.newerFirst(pi, pj, ti, tj)
	}
	return false
}

// newerFirst orders two different times: zero first, then by log2 bucket
// of their age at Now (newer first), ties by UID.
func (s ActivePodsWithRanks) newerFirst(pi, pj *api.Pod, ti, tj time.Time) bool {
	if s.Now.IsZero() || ti.IsZero() || tj.IsZero() {
		return afterOrZero(ti, tj)
	}
	d := logarithmicRankDiff(ti, tj, s.Now)
	if d == 0 {
		return pi.UID < pj.UID
	}
	return d < 0
}

func afterOrZero(t1, t2 time.Time) bool {
	if t1.IsZero() || t2.IsZero() {
		return t1.IsZero()
	}
	return t1.After(t2)
}

func logarithmicRankDiff(t1, t2, now time.Time) int64 {
	d1, d2 := now.Sub(t1), now.Sub(t2)
	r1, r2 := int64(-1), int64(-1)
	if d1 > 0 {
		r1 = int64(math.Log2(float64(d1)))
	}
	if d2 > 0 {
		r2 = int64(math.Log2(float64(d2)))
	}
	return r1 - r2
}

// RanksByRelatedPodsOnSameNode gives each pod the number of active related
// pods (those of the controller and its siblings) on its node.
func RanksByRelatedPodsOnSameNode(pods, related []*api.Pod) []int {
	onNode := map[string]int{}
	for _, p := range related {
		if IsPodActive(p) {
			onNode[p.Spec.NodeName]++
		}
	}
	ranks := make([]int, len(pods))
	for i, p := range pods {
		ranks[i] = onNode[p.Spec.NodeName]
	}
	return ranks
}
