package deployment

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/pkg/controller"
	"minik8s/pkg/labels"
)

// syncKey reconciles one deployment from the current state of the caches.
func (c *Controller) syncKey(ctx context.Context, key string) error {
	ns, name := cache.SplitKey(key)
	cached, ok := cache.NewLister[*api.Deployment](c.deploys.Store()).Get(ns, name)
	if !ok {
		return nil // deleted: its replica sets are the garbage collector's
	}
	d := deepCopy(cached)
	sel, err := labels.FromLabelSelector(d.Spec.Selector)
	if err != nil || sel.Empty() {
		if d.Status.ObservedGeneration < d.Generation {
			c.recorder.Eventf(d, record.EventTypeWarning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.")
			d.Status.ObservedGeneration = d.Generation
			_, err := c.client.Deployments(ns).UpdateStatus(ctx, d)
			return err
		}
		return nil
	}
	rsList, err := c.replicaSetsFor(ctx, d, sel)
	if err != nil {
		return err
	}
	if d.DeletionTimestamp != nil {
		return c.syncStatusOnly(ctx, d, rsList)
	}
	if err := c.checkPausedConditions(ctx, d); err != nil {
		return err
	}
	if d.Spec.Paused {
		return c.syncScale(ctx, d, rsList)
	}
	newRS, oldRSs, err := c.allReplicaSets(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	if IsScalingEvent(d, newRS, oldRSs) {
		return c.syncScale(ctx, d, rsList)
	}
	if d.Spec.Strategy.Type == api.RecreateDeploymentStrategyType {
		return c.rolloutRecreate(ctx, d, rsList)
	}
	return c.rolloutRolling(ctx, d, rsList)
}

// replicaSetsFor lists the deployment's replica sets: those it controls that
// its selector matches, and orphans the selector matches, which it adopts.
func (c *Controller) replicaSetsFor(ctx context.Context, d *api.Deployment, sel labels.Selector) ([]*api.ReplicaSet, error) {
	var out []*api.ReplicaSet
	for _, rs := range cache.NewLister[*api.ReplicaSet](c.rss.Store()).List(d.Namespace, labels.Everything()) {
		ref := controller.ControllerOf(&rs.ObjectMeta)
		switch {
		case ref != nil && ref.UID == d.UID:
			if sel.Matches(rs.Labels) {
				out = append(out, deepCopy(rs))
			}
		case ref == nil && rs.DeletionTimestamp == nil && d.DeletionTimestamp == nil && sel.Matches(rs.Labels):
			adopted, err := c.adopt(ctx, d, rs)
			if err != nil {
				if client.IsNotFound(err) {
					continue
				}
				return nil, err
			}
			out = append(out, adopted)
		}
	}
	return out, nil
}

func ownerRefFor(d *api.Deployment) api.OwnerReference {
	t := true
	return api.OwnerReference{APIVersion: "apps/v1", Kind: "Deployment", Name: d.Name, UID: d.UID, Controller: &t, BlockOwnerDeletion: &t}
}

// adopt makes the deployment the controller of an orphan replica set.
func (c *Controller) adopt(ctx context.Context, d *api.Deployment, rs *api.ReplicaSet) (*api.ReplicaSet, error) {
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []api.OwnerReference{ownerRefFor(d)},
		"uid":             rs.UID,
	}})
	out, err := c.client.ReplicaSets(rs.Namespace).Patch(ctx, rs.Name, client.StrategicMergePatchType, patch)
	if err != nil {
		return nil, fmt.Errorf("adopting replica set %s: %w", rs.Name, err)
	}
	return out, nil
}

// allReplicaSets is getAllReplicaSetsAndSyncRevision: the new replica set
// (created when create is set and there is none) and the old ones, with the
// revisions brought up to date.
func (c *Controller) allReplicaSets(ctx context.Context, d *api.Deployment, rsList []*api.ReplicaSet, create bool) (*api.ReplicaSet, []*api.ReplicaSet, error) {
	oldRSs := FindOldReplicaSets(FindNewReplicaSet(d, rsList), rsList)
	newRS, err := c.newReplicaSet(ctx, d, rsList, oldRSs, create)
	if err != nil {
		return nil, nil, err
	}
	return newRS, oldRSs, nil
}

// setDeploymentRevision writes the revision annotation on the deployment
// (metadata goes through the main resource, not /status).
func (c *Controller) setDeploymentRevision(ctx context.Context, d *api.Deployment, rev string) error {
	if d.Annotations[RevisionAnnotation] == rev {
		return nil
	}
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"annotations":     map[string]string{RevisionAnnotation: rev},
		"resourceVersion": d.ResourceVersion,
	}})
	out, err := c.client.Deployments(d.Namespace).Patch(ctx, d.Name, client.MergePatchType, patch)
	if err != nil {
		return fmt.Errorf("setting the revision of deployment %s: %w", d.Name, err)
	}
	d.ResourceVersion = out.ResourceVersion
	d.Annotations = out.Annotations
	return nil
}

func (c *Controller) newReplicaSet(ctx context.Context, d *api.Deployment, rsList, oldRSs []*api.ReplicaSet, create bool) (*api.ReplicaSet, error) {
	existing := FindNewReplicaSet(d, rsList)
	newRevision := strconv.FormatInt(MaxRevision(oldRSs)+1, 10)
	now := c.now()
	if existing != nil {
		rsCopy := deepCopy(existing)
		changed := SetNewReplicaSetAnnotations(d, rsCopy, newRevision, true, MaxRevHistoryLengthInChars)
		if rsCopy.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
			rsCopy.Spec.MinReadySeconds = d.Spec.MinReadySeconds
			changed = true
		}
		if changed {
			out, err := c.client.ReplicaSets(d.Namespace).Update(ctx, rsCopy)
			if err != nil {
				return nil, fmt.Errorf("updating replica set %s: %w", rsCopy.Name, err)
			}
			rsCopy = out
		}
		if err := c.setDeploymentRevision(ctx, d, rsCopy.Annotations[RevisionAnnotation]); err != nil {
			return nil, err
		}
		if hasProgressDeadline(d) && GetCondition(&d.Status, ConditionProgressing) == nil {
			SetCondition(&d.Status, NewCondition(ConditionProgressing, "True", ReasonFoundNewRS,
				fmt.Sprintf("Found new replica set %q", rsCopy.Name), now))
			if err := c.updateStatus(ctx, d); err != nil {
				return nil, err
			}
		}
		return rsCopy, nil
	}
	if !create {
		return nil, nil
	}
	hash := ComputeHash(&d.Spec.Template, d.Status.CollisionCount)
	tmpl := deepCopyTemplate(&d.Spec.Template)
	tmpl.Labels = labelsWith(tmpl.Labels, PodTemplateHashLabel, hash)
	rs := &api.ReplicaSet{
		TypeMeta: api.TypeMeta{APIVersion: "apps/v1", Kind: "ReplicaSet"},
		ObjectMeta: api.ObjectMeta{
			Name:            ReplicaSetName(d.Name, hash),
			Namespace:       d.Namespace,
			Labels:          tmpl.Labels,
			OwnerReferences: []api.OwnerReference{ownerRefFor(d)},
		},
		Spec: api.ReplicaSetSpec{
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        selectorWith(d.Spec.Selector, PodTemplateHashLabel, hash),
			Template:        *tmpl,
		},
	}
	zero := int32(0)
	rs.Spec.Replicas = &zero
	allRSs := append(append([]*api.ReplicaSet(nil), oldRSs...), rs)
	newReplicas, err := NewRSNewReplicas(d, allRSs, rs)
	if err != nil {
		return nil, err
	}
	rs.Spec.Replicas = &newReplicas
	SetNewReplicaSetAnnotations(d, rs, newRevision, false, MaxRevHistoryLengthInChars)

	created, err := c.client.ReplicaSets(d.Namespace).Create(ctx, rs)
	switch {
	case client.IsAlreadyExists(err):
		// Ours from an earlier sync the cache does not show yet, or a hash
		// collision: then count it, so that the next hash differs.
		cur, gerr := c.client.ReplicaSets(d.Namespace).Get(ctx, rs.Name)
		if gerr != nil {
			return nil, gerr
		}
		if controller.IsControlledBy(&cur.ObjectMeta, d.UID) && EqualIgnoreHash(&cur.Spec.Template, &d.Spec.Template) {
			return cur, nil
		}
		var n int32
		if d.Status.CollisionCount != nil {
			n = *d.Status.CollisionCount
		}
		n++
		d.Status.CollisionCount = &n
		if uerr := c.updateStatus(ctx, d); uerr != nil {
			return nil, uerr
		}
		return nil, fmt.Errorf("hash collision for replica set %s: collisionCount is now %d", rs.Name, n)
	case err != nil:
		if hasProgressDeadline(d) {
			SetCondition(&d.Status, NewCondition(ConditionProgressing, "False", ReasonRSCreateError,
				fmt.Sprintf("Failed to create new replica set %q: %v", rs.Name, err), now))
			_ = c.updateStatus(ctx, d)
		}
		c.recorder.Eventf(d, record.EventTypeWarning, ReasonRSCreateError, "Failed to create new replica set %q: %v", rs.Name, err)
		return nil, fmt.Errorf("creating replica set %s: %w", rs.Name, err)
	}
	if newReplicas > 0 {
		c.recorder.Eventf(d, record.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", created.Name, newReplicas)
	}
	if err := c.setDeploymentRevision(ctx, d, newRevision); err != nil {
		return nil, err
	}
	if hasProgressDeadline(d) {
		SetCondition(&d.Status, NewCondition(ConditionProgressing, "True", ReasonNewRSCreated,
			fmt.Sprintf("Created new replica set %q", created.Name), now))
		if err := c.updateStatus(ctx, d); err != nil {
			return nil, err
		}
	}
	return created, nil
}

// updateStatus writes d's status; d takes the new resourceVersion.
func (c *Controller) updateStatus(ctx context.Context, d *api.Deployment) error {
	out, err := c.client.Deployments(d.Namespace).UpdateStatus(ctx, d)
	if err != nil {
		return fmt.Errorf("updating the status of deployment %s: %w", d.Name, err)
	}
	d.ResourceVersion = out.ResourceVersion
	return nil
}

// scaleReplicaSet sets a replica set's size and the deployment's
// replicas/max-replicas annotations on it, with a ScalingReplicaSet event.
func (c *Controller) scaleReplicaSet(ctx context.Context, d *api.Deployment, rs *api.ReplicaSet, to int32) (bool, *api.ReplicaSet, error) {
	from := rsReplicas(rs)
	sizeChange := from != to
	annChange := replicasAnnotationsNeedUpdate(rs, replicas(d.Spec.Replicas), replicas(d.Spec.Replicas)+MaxSurge(d))
	if !sizeChange && !annChange {
		return false, rs, nil
	}
	cp := deepCopy(rs)
	cp.Spec.Replicas = &to
	setReplicasAnnotations(cp, replicas(d.Spec.Replicas), replicas(d.Spec.Replicas)+MaxSurge(d))
	out, err := c.client.ReplicaSets(rs.Namespace).Update(ctx, cp)
	if err != nil {
		return false, nil, fmt.Errorf("scaling replica set %s to %d: %w", rs.Name, to, err)
	}
	if sizeChange {
		dir := "up"
		if to < from {
			dir = "down"
		}
		c.recorder.Eventf(d, record.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d", dir, rs.Name, from, to)
	}
	return sizeChange, out, nil
}

// apply runs scale ops; it returns the replica sets with ops applied.
func (c *Controller) apply(ctx context.Context, d *api.Deployment, ops []ScaleOp) (bool, map[string]*api.ReplicaSet, error) {
	scaled := false
	updated := map[string]*api.ReplicaSet{}
	for _, op := range ops {
		s, out, err := c.scaleReplicaSet(ctx, d, op.RS, op.To)
		if err != nil {
			return scaled, updated, err
		}
		scaled = scaled || s
		updated[op.RS.Name] = out
	}
	return scaled, updated, nil
}

func replaceUpdated(rss []*api.ReplicaSet, updated map[string]*api.ReplicaSet) []*api.ReplicaSet {
	out := make([]*api.ReplicaSet, len(rss))
	for i, rs := range rss {
		if u, ok := updated[rs.Name]; ok && u != nil {
			out[i] = u
		} else {
			out[i] = rs
		}
	}
	return out
}

// rolloutRolling is one step of a rolling update.
func (c *Controller) rolloutRolling(ctx context.Context, d *api.Deployment, rsList []*api.ReplicaSet) error {
	newRS, oldRSs, err := c.allReplicaSets(ctx, d, rsList, true)
	if err != nil {
		return err
	}
	allRSs := withNew(newRS, oldRSs)
	if to, change, err := PlanNewReplicaSet(d, allRSs, newRS); err != nil {
		return err
	} else if change {
		_, out, err := c.scaleReplicaSet(ctx, d, newRS, to)
		if err != nil {
			return err
		}
		return c.syncRolloutStatus(ctx, d, out, withNew(out, oldRSs))
	}
	if ops := PlanOldReplicaSets(d, newRS, oldRSs); len(ops) > 0 {
		_, updated, err := c.apply(ctx, d, ops)
		if err != nil {
			return err
		}
		oldRSs = replaceUpdated(oldRSs, updated)
		return c.syncRolloutStatus(ctx, d, newRS, withNew(newRS, oldRSs))
	}
	if s := CalculateStatus(d, newRS, allRSs, c.now()); DeploymentComplete(d, &s) {
		if err := c.cleanup(ctx, d, oldRSs); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, d, newRS, allRSs)
}

// rolloutRecreate scales every old replica set to 0, waits for their pods
// to go, then creates and scales up the new one.
func (c *Controller) rolloutRecreate(ctx context.Context, d *api.Deployment, rsList []*api.ReplicaSet) error {
	newRS, oldRSs, err := c.allReplicaSets(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	var ops []ScaleOp
	for _, rs := range activeReplicaSets(oldRSs) {
		ops = append(ops, ScaleOp{RS: rs, To: 0})
	}
	if scaled, updated, err := c.apply(ctx, d, ops); err != nil {
		return err
	} else if scaled {
		oldRSs = replaceUpdated(oldRSs, updated)
		return c.syncRolloutStatus(ctx, d, newRS, withNew(newRS, oldRSs))
	}
	if ActualReplicaCount(oldRSs) > 0 {
		return c.syncRolloutStatus(ctx, d, newRS, withNew(newRS, oldRSs)) // old pods still running
	}
	if newRS == nil {
		if newRS, oldRSs, err = c.allReplicaSets(ctx, d, rsList, true); err != nil {
			return err
		}
	}
	if _, out, err := c.scaleReplicaSet(ctx, d, newRS, replicas(d.Spec.Replicas)); err != nil {
		return err
	} else {
		newRS = out
	}
	allRSs := withNew(newRS, oldRSs)
	if s := CalculateStatus(d, newRS, allRSs, c.now()); DeploymentComplete(d, &s) {
		if err := c.cleanup(ctx, d, oldRSs); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, d, newRS, allRSs)
}

// syncScale handles a scaling event or a paused deployment: sizes change
// proportionally, nothing rolls out.
func (c *Controller) syncScale(ctx context.Context, d *api.Deployment, rsList []*api.ReplicaSet) error {
	newRS, oldRSs, err := c.allReplicaSets(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	_, updated, err := c.apply(ctx, d, PlanScale(d, newRS, oldRSs))
	if err != nil {
		return err
	}
	if newRS != nil && updated[newRS.Name] != nil {
		newRS = updated[newRS.Name]
	}
	oldRSs = replaceUpdated(oldRSs, updated)
	if d.Spec.Paused {
		if err := c.cleanup(ctx, d, oldRSs); err != nil {
			return err
		}
	}
	return c.syncStatus(ctx, d, newRS, withNew(newRS, oldRSs))
}

func (c *Controller) syncStatusOnly(ctx context.Context, d *api.Deployment, rsList []*api.ReplicaSet) error {
	newRS, oldRSs, err := c.allReplicaSets(ctx, d, rsList, false)
	if err != nil {
		return err
	}
	return c.syncStatus(ctx, d, newRS, withNew(newRS, oldRSs))
}

// syncStatus writes the calculated status when it changed.
func (c *Controller) syncStatus(ctx context.Context, d *api.Deployment, newRS *api.ReplicaSet, allRSs []*api.ReplicaSet) error {
	s := CalculateStatus(d, newRS, allRSs, c.now())
	if reflect.DeepEqual(s, d.Status) {
		return nil
	}
	d.Status = s
	return c.updateStatus(ctx, d)
}

// syncRolloutStatus writes the status with the Progressing condition, and
// requeues the deployment to notice its progress deadline.
func (c *Controller) syncRolloutStatus(ctx context.Context, d *api.Deployment, newRS *api.ReplicaSet, allRSs []*api.ReplicaSet) error {
	now := c.now()
	s := RolloutStatus(d, newRS, allRSs, now)
	if !reflect.DeepEqual(s, d.Status) {
		d.Status = s
		if err := c.updateStatus(ctx, d); err != nil {
			return err
		}
	}
	if after := RequeueAfter(d, &s, now); after > 0 {
		c.queue.AddAfter(cache.Key(d), after)
	}
	return nil
}

// checkPausedConditions sets Progressing to DeploymentPaused/Resumed.
func (c *Controller) checkPausedConditions(ctx context.Context, d *api.Deployment) error {
	cond := PausedCondition(d, c.now())
	if cond == nil {
		return nil
	}
	RemoveCondition(&d.Status, ConditionProgressing)
	d.Status.Conditions = append(d.Status.Conditions, *cond)
	return c.updateStatus(ctx, d)
}

// cleanup deletes old replica sets beyond revisionHistoryLimit.
func (c *Controller) cleanup(ctx context.Context, d *api.Deployment, oldRSs []*api.ReplicaSet) error {
	for _, rs := range PlanCleanup(d, oldRSs) {
		err := c.client.ReplicaSets(rs.Namespace).Delete(ctx, rs.Name, &api.DeleteOptions{Preconditions: &api.Preconditions{UID: &rs.UID}})
		if err != nil && !client.IsNotFound(err) {
			return fmt.Errorf("deleting old replica set %s: %w", rs.Name, err)
		}
	}
	return nil
}
