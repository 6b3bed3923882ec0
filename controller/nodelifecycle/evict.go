package nodelifecycle

import (
	"context"
	"strings"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/record"
)

// Pod condition the taint eviction manager adds before deleting a pod.
const (
	conditionDisruptionTarget = "DisruptionTarget"
	reasonDeletionByTaint     = "DeletionByTaintManager"
	messageDeletionByTaint    = "Taint manager: deleting due to NoExecute taint"
)

// syncEviction handles a key of the eviction queue: a node whose NoExecute
// taints changed (every pod on it) or a pod that changed.
func (c *Controller) syncEviction(ctx context.Context, key string) {
	now := c.clock.Now()
	if name, ok := strings.CutPrefix(key, "node/"); ok {
		var taints []api.Taint
		if o, ok := c.nodes.Store().GetByName("", name); ok {
			taints = noExecuteTaints(o.(*api.Node).Spec.Taints)
		}
		for _, p := range c.podsOnNode(name) {
			c.processPod(p.Namespace, p.Name, p.Spec.Tolerations, taints, now)
		}
		return
	}
	podKey := strings.TrimPrefix(key, "pod/")
	ns, name, _ := strings.Cut(podKey, "/")
	o, ok := c.pods.Store().GetByName(ns, name)
	if !ok {
		c.cancelEviction(ns, name)
		return
	}
	p := o.(*api.Pod)
	if p.Spec.NodeName == "" {
		return
	}
	n, ok := c.nodes.Store().GetByName("", p.Spec.NodeName)
	if !ok {
		return // a deleted node: its pods' evictions were cancelled with it
	}
	taints := noExecuteTaints(n.(*api.Node).Spec.Taints)
	if len(taints) == 0 {
		return
	}
	c.processPod(ns, name, p.Spec.Tolerations, taints, now)
}

// processPod applies planEviction to one pod.
func (c *Controller) processPod(ns, name string, tolerations []api.Toleration, taints []api.Taint, now time.Time) {
	key := ns + "/" + name
	d := planEviction(tolerations, taints, c.evictions.scheduled(key), now)
	switch d.action {
	case evictCancel:
		c.cancelEviction(ns, name)
	case evictNow:
		c.cancelEviction(ns, name)
		c.evictions.add(key, d.createdAt, d.fireAt)
	case evictSchedule:
		if c.evictions.scheduled(key) != nil {
			c.cancelEviction(ns, name)
		}
		c.evictions.add(key, d.createdAt, d.fireAt)
	}
}

func podRef(ns, name string) api.Object {
	return &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name}}
}

// cancelEviction cancels the pod's scheduled deletion, recording it.
func (c *Controller) cancelEviction(ns, name string) {
	if c.evictions.cancel(ns + "/" + name) {
		c.evictRec.Eventf(podRef(ns, name), record.EventTypeNormal, reasonTaintEviction, "Cancelling deletion of Pod %s/%s", ns, name)
	}
}

// evictPod deletes the pod whose time is up: a DisruptionTarget condition
// says why, then the pod is deleted (retried a few times, as Kubernetes'
// deletePodHandler).
func (c *Controller) evictPod(key string) {
	ns, name, _ := strings.Cut(key, "/")
	ctx, cancel := context.WithTimeout(c.runCtx, 30*time.Second)
	defer cancel()
	c.evictRec.Eventf(podRef(ns, name), record.EventTypeNormal, reasonTaintEviction, "Marking for deletion Pod %s/%s", ns, name)
	pods := c.client.Pods(ns)
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Millisecond << attempt):
			}
		}
		if err = c.addDisruptionCondition(ctx, ns, name); err == nil {
			err = pods.Delete(ctx, name, nil)
		}
		if err == nil || client.IsNotFound(err) {
			c.logf("nodelifecycle: evicted pod %s (NoExecute taint)", key)
			return
		}
	}
	c.logf("nodelifecycle: evicting pod %s: %v", key, err)
}

// addDisruptionCondition marks the pod DisruptionTarget=True (Kubernetes
// does before a taint eviction).
func (c *Controller) addDisruptionCondition(ctx context.Context, ns, name string) error {
	pods := c.client.Pods(ns)
	p, err := pods.Get(ctx, name)
	if err != nil {
		return err
	}
	for _, cond := range p.Status.Conditions {
		if cond.Type == conditionDisruptionTarget && cond.Status == api.ConditionTrue {
			return nil
		}
	}
	p.Status.Conditions = append(p.Status.Conditions, api.PodCondition{
		Type: conditionDisruptionTarget, Status: api.ConditionTrue, Reason: reasonDeletionByTaint,
		Message: messageDeletionByTaint, LastTransitionTime: api.NewTime(c.clock.Now()),
	})
	_, err = pods.UpdateStatus(ctx, p)
	return err
}
