package daemonset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/controller"
	"minik8s/pkg/labels"
)

// controlledRevisions are the daemon set's ControllerRevisions, adopting
// matching orphans.
func (c *Controller) controlledRevisions(ctx context.Context, ds *api.DaemonSet) ([]*api.ControllerRevision, error) {
	sel, err := labels.FromLabelSelector(ds.Spec.Selector)
	if err != nil {
		return nil, err
	}
	var out []*api.ControllerRevision
	for _, o := range c.revs.Store().Select(ds.Namespace, nil) {
		r, ok := o.(*api.ControllerRevision)
		if !ok {
			continue
		}
		ref := controller.ControllerOf(&r.ObjectMeta)
		switch {
		case ref != nil && ref.UID == ds.UID:
			out = append(out, r)
		case ref == nil && sel.Matches(r.Labels) && r.DeletionTimestamp == nil:
			patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
				"ownerReferences": []api.OwnerReference{c.controllerRef(ds)}, "uid": r.UID}})
			adopted, err := c.client.Patch(ctx, revInfo, r.Namespace, r.Name, client.StrategicMergePatchType, patch)
			if err != nil {
				if client.IsNotFound(err) {
					continue
				}
				return nil, fmt.Errorf("adopting revision %s: %w", r.Name, err)
			}
			out = append(out, adopted.(*api.ControllerRevision))
		}
	}
	return out, nil
}

// constructHistory returns the revision of the daemon set's current
// template (created, or renumbered to be the newest) and the old ones
// (Kubernetes' constructHistory).
func (c *Controller) constructHistory(ctx context.Context, ds *api.DaemonSet) (cur *api.ControllerRevision, old []*api.ControllerRevision, err error) {
	revs, err := c.controlledRevisions(ctx, ds)
	if err != nil {
		return nil, nil, err
	}
	patch, err := revisionPatch(ds)
	if err != nil {
		return nil, nil, err
	}
	plan := planHistory(ds, revs, patch, controller.ComputeHash(&ds.Spec.Template, ds.Status.CollisionCount))
	for _, d := range plan.dups {
		if err := c.client.Delete(ctx, revInfo, d.Namespace, d.Name, nil); err != nil && !client.IsNotFound(err) {
			return nil, nil, fmt.Errorf("deleting duplicate revision %s: %w", d.Name, err)
		}
	}
	if plan.cur == nil {
		cur, err := c.snapshot(ctx, ds, plan, patch)
		return cur, plan.old, err
	}
	cur = plan.cur
	if plan.bump {
		cp := *cur
		cp.Revision = plan.next
		updated, err := c.client.Update(ctx, revInfo, cp.Namespace, &cp)
		if err != nil {
			return nil, nil, fmt.Errorf("renumbering revision %s: %w", cur.Name, err)
		}
		cur = updated.(*api.ControllerRevision)
	}
	return cur, plan.old, nil
}

// snapshot creates the revision of the current template. A revision of
// that name with other data is a hash collision: the collision count goes
// up and the next sync tries another name (Kubernetes' snapshot).
func (c *Controller) snapshot(ctx context.Context, ds *api.DaemonSet, plan historyPlan, patch []byte) (*api.ControllerRevision, error) {
	rev := newRevision(ds, plan.newName, plan.hash, patch, plan.next, c.controllerRef(ds))
	created, err := c.client.Create(ctx, revInfo, ds.Namespace, rev)
	if err == nil {
		return created.(*api.ControllerRevision), nil
	}
	if !client.IsAlreadyExists(err) {
		return nil, fmt.Errorf("creating revision %s: %w", rev.Name, err)
	}
	existing, gerr := c.client.Get(ctx, revInfo, ds.Namespace, rev.Name)
	if gerr != nil {
		return nil, gerr
	}
	if e := existing.(*api.ControllerRevision); sameData(e.Data, patch) {
		if controller.IsControlledBy(&e.ObjectMeta, ds.UID) {
			return e, nil
		}
	}
	fresh, gerr := client.Typed[*api.DaemonSet](c.client, ds.Namespace).Get(ctx, ds.Name)
	if gerr != nil {
		return nil, gerr
	}
	if !int32PtrEqual(fresh.Status.CollisionCount, ds.Status.CollisionCount) {
		return nil, fmt.Errorf("found a stale collision count of DaemonSet %q; will retry until it is updated", ds.Name)
	}
	n := int32(1)
	if fresh.Status.CollisionCount != nil {
		n = *fresh.Status.CollisionCount + 1
	}
	fresh.Status.CollisionCount = &n
	if _, err := client.Typed[*api.DaemonSet](c.client, ds.Namespace).UpdateStatus(ctx, fresh); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("found a hash collision for DaemonSet %q - bumping collisionCount to %d to resolve it", ds.Name, n)
}

func int32PtrEqual(a, b *int32) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// cleanupHistory deletes old revisions beyond revisionHistoryLimit that
// no live pod runs.
func (c *Controller) cleanupHistory(ctx context.Context, ds *api.DaemonSet, old []*api.ControllerRevision, pods []*api.Pod) error {
	limit := int32(10)
	if ds.Spec.RevisionHistoryLimit != nil {
		limit = *ds.Spec.RevisionHistoryLimit
	}
	var live []*api.Pod
	for _, ps := range nodeToDaemonPods(pods) {
		live = append(live, ps...)
	}
	var errs []error
	for _, r := range revisionsToDelete(old, limit, live) {
		if err := c.client.Delete(ctx, revInfo, r.Namespace, r.Name, nil); err != nil && !client.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
