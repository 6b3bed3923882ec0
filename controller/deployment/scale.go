package deployment

import (
	"math"
	"sort"
	"strconv"

	"minik8s/pkg/api"
)

// IsScalingEvent reports whether the deployment's replicas changed since its
// active replica sets were sized (their desired-replicas annotation).
func IsScalingEvent(d *api.Deployment, newRS *api.ReplicaSet, oldRSs []*api.ReplicaSet) bool {
	for _, rs := range activeReplicaSets(withNew(newRS, oldRSs)) {
		v, err := strconv.ParseInt(rs.Annotations[DesiredReplicasAnnotation], 10, 32)
		if err != nil {
			continue
		}
		if int32(v) != replicas(d.Spec.Replicas) {
			return true
		}
	}
	return false
}

// findActiveOrLatest is the only active replica set, or the newest one when
// none is active; nil when several are active.
func findActiveOrLatest(newRS *api.ReplicaSet, oldRSs []*api.ReplicaSet) *api.ReplicaSet {
	if newRS == nil && len(oldRSs) == 0 {
		return nil
	}
	olds := append([]*api.ReplicaSet(nil), oldRSs...)
	byCreation(olds)
	active := activeReplicaSets(withNew(newRS, olds))
	switch len(active) {
	case 0:
		if newRS != nil {
			return newRS
		}
		return olds[len(olds)-1]
	case 1:
		return active[0]
	}
	return nil
}

// PlanScale is the controller's scale(): the sizes of the replica sets
// after a change of the deployment's replicas (or while it is paused).
// One active replica set takes the new size; a saturated new one leaves the
// old ones at 0; during a rolling update the change is spread over the
// active replica sets in proportion to their size (GetProportion), the
// leftover going to the largest.
func PlanScale(d *api.Deployment, newRS *api.ReplicaSet, oldRSs []*api.ReplicaSet) []ScaleOp {
	want := replicas(d.Spec.Replicas)
	if rs := findActiveOrLatest(newRS, oldRSs); rs != nil {
		if rsReplicas(rs) == want {
			return nil
		}
		return []ScaleOp{{RS: rs, To: want}}
	}
	if IsSaturated(d, newRS) {
		var ops []ScaleOp
		for _, rs := range activeReplicaSets(oldRSs) {
			ops = append(ops, ScaleOp{RS: rs, To: 0})
		}
		return ops
	}
	if !isRolling(d) {
		return nil
	}
	all := activeReplicaSets(withNew(newRS, oldRSs))
	var allowed int32
	if want > 0 {
		allowed = want + MaxSurge(d)
	}
	toAdd := allowed - ReplicaCount(all)
	if toAdd != 0 {
		byCreation(all)
		newerFirst := toAdd > 0
		sort.SliceStable(all, func(i, j int) bool {
			a, b := rsReplicas(all[i]), rsReplicas(all[j])
			if a != b {
				return a > b
			}
			ti, tj := all[i].CreationTimestamp.Time, all[j].CreationTimestamp.Time
			if newerFirst {
				return ti.After(tj)
			}
			return ti.Before(tj)
		})
	}
	var added int32
	sizes := make([]int32, len(all))
	for i, rs := range all {
		sizes[i] = rsReplicas(rs)
		if toAdd != 0 {
			p := proportion(rs, d, toAdd, added)
			sizes[i] += p
			added += p
		}
	}
	ops := make([]ScaleOp, 0, len(all))
	for i, rs := range all {
		if i == 0 && toAdd != 0 {
			sizes[i] += toAdd - added
			if sizes[i] < 0 {
				sizes[i] = 0
			}
		}
		ops = append(ops, ScaleOp{RS: rs, To: sizes[i]})
	}
	return ops
}

// proportion is GetProportion: the share of toAdd this replica set gets.
func proportion(rs *api.ReplicaSet, d *api.Deployment, toAdd, added int32) int32 {
	if rs == nil || rsReplicas(rs) == 0 || toAdd == 0 || toAdd == added {
		return 0
	}
	f := fraction(rs, d)
	allowed := toAdd - added
	if toAdd > 0 {
		return min(f, allowed)
	}
	return max(f, allowed)
}

// fraction is getReplicaSetFraction: how much rs grows or shrinks if it
// keeps its share of the deployment's replicas + maxSurge.
func fraction(rs *api.ReplicaSet, d *api.Deployment) int32 {
	if replicas(d.Spec.Replicas) == 0 {
		return -rsReplicas(rs)
	}
	total := replicas(d.Spec.Replicas) + MaxSurge(d)
	annotated := d.Status.Replicas
	if v, err := strconv.ParseInt(rs.Annotations[MaxReplicasAnnotation], 10, 32); err == nil {
		annotated = int32(v)
	}
	if annotated == 0 {
		return 0
	}
	size := float64(rsReplicas(rs)*total) / float64(annotated)
	return int32(math.Round(size)) - rsReplicas(rs)
}
