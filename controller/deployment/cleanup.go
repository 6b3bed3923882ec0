package deployment

import "minik8s/pkg/api"

// PlanCleanup is cleanupDeployment's decision: the old replica sets to
// delete: of the old ones beyond revisionHistoryLimit (oldest revision
// first), those scaled to 0 with no pods left and whose status is
// current.
func PlanCleanup(d *api.Deployment, oldRSs []*api.ReplicaSet) []*api.ReplicaSet {
	if d.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	var alive []*api.ReplicaSet
	for _, rs := range oldRSs {
		if rs != nil && rs.DeletionTimestamp == nil {
			alive = append(alive, rs)
		}
	}
	diff := len(alive) - int(*d.Spec.RevisionHistoryLimit)
	if diff <= 0 {
		return nil
	}
	byRevision(alive)
	var out []*api.ReplicaSet
	for _, rs := range alive[:diff] { // only the diff oldest are candidates
		if rs.Status.Replicas != 0 || rsReplicas(rs) != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		out = append(out, rs)
	}
	return out
}
