package deployment

import (
	"minik8s/pkg/api"
)

// ScaleOp is one planned change of a replica set's spec.replicas.
type ScaleOp struct {
	RS *api.ReplicaSet
	To int32
}

// PlanNewReplicaSet is reconcileNewReplicaSet's decision: the size the new
// replica set should have now, and whether it differs from its current one.
func PlanNewReplicaSet(d *api.Deployment, allRSs []*api.ReplicaSet, newRS *api.ReplicaSet) (int32, bool, error) {
	want := replicas(d.Spec.Replicas)
	cur := rsReplicas(newRS)
	if cur == want {
		return cur, false, nil
	}
	if cur > want {
		return want, true, nil // scale down to the deployment's size
	}
	to, err := NewRSNewReplicas(d, allRSs, newRS)
	if err != nil {
		return cur, false, err
	}
	return to, to != cur, nil
}

// PlanOldReplicaSets is reconcileOldReplicaSets' decision for a rolling
// update: first scale unhealthy old replica sets down (their unavailable
// pods cost no availability), then scale old ones down oldest first as far
// as minAvailable (replicas - maxUnavailable) allows, counting the new
// replica set's unavailable pods against the budget.
func PlanOldReplicaSets(d *api.Deployment, newRS *api.ReplicaSet, oldRSs []*api.ReplicaSet) []ScaleOp {
	if ReplicaCount(oldRSs) == 0 {
		return nil
	}
	allPods := ReplicaCount(withNew(newRS, oldRSs))
	minAvailable := replicas(d.Spec.Replicas) - MaxUnavailable(d)
	var newUnavailable int32
	if newRS != nil {
		newUnavailable = rsReplicas(newRS) - newRS.Status.AvailableReplicas
	}
	maxScaledDown := allPods - minAvailable - newUnavailable
	if maxScaledDown <= 0 {
		return nil
	}
	// Work on copies: the plan's sizes feed its later steps.
	olds := make([]*api.ReplicaSet, len(oldRSs))
	index := map[*api.ReplicaSet]*api.ReplicaSet{}
	for i, rs := range oldRSs {
		c := *rs
		r := rsReplicas(rs)
		c.Spec.Replicas = &r
		olds[i] = &c
		index[&c] = rs
	}
	byCreation(olds)
	planned := map[*api.ReplicaSet]int32{}

	// cleanupUnhealthyReplicas
	var cleaned int32
	for _, rs := range olds {
		if cleaned >= maxScaledDown {
			break
		}
		cur := *rs.Spec.Replicas
		if cur == 0 || cur == rs.Status.AvailableReplicas {
			continue
		}
		n := min(maxScaledDown-cleaned, cur-rs.Status.AvailableReplicas)
		to := cur - n
		*rs.Spec.Replicas = to
		planned[rs] = to
		cleaned += n
	}

	// scaleDownOldReplicaSetsForRollingUpdate
	available := AvailableReplicaCount(withNew(newRS, olds))
	if available > minAvailable {
		total := available - minAvailable
		var done int32
		for _, rs := range olds {
			if done >= total {
				break
			}
			cur := *rs.Spec.Replicas
			if cur == 0 {
				continue
			}
			n := min(cur, total-done)
			*rs.Spec.Replicas = cur - n
			planned[rs] = cur - n
			done += n
		}
	}
	var ops []ScaleOp
	for _, rs := range olds {
		if to, ok := planned[rs]; ok && to != rsReplicas(index[rs]) {
			ops = append(ops, ScaleOp{RS: index[rs], To: to})
		}
	}
	return ops
}
