package nodelifecycle

import (
	"context"
	"fmt"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/record"
)

// monitorNodeHealth is one pass of Kubernetes' monitorNodeHealth: new and
// removed nodes, each node's health (marking it Unknown when it has not been
// seen for its grace period), its pods, its NoExecute taints, and the
// zones' disruption state.
func (c *Controller) monitorNodeHealth(ctx context.Context) {
	nodes := c.nodeList()
	seen := map[string]bool{}
	for _, n := range nodes {
		seen[n.Name] = true
		if !c.known[n.Name] {
			c.known[n.Name] = true
			c.recorder.Eventf(nodeRef(n.Name, string(n.UID)), record.EventTypeNormal, reasonRegisteredNode, "Node %s event: Registered Node %s in Controller", n.Name, n.Name)
			c.addTainterForZone(zoneKey(n))
			c.markNodeAsReachable(ctx, n)
		}
	}
	for name := range c.known {
		if !seen[name] {
			c.recorder.Eventf(nodeRef(name, name), record.EventTypeNormal, reasonRemovingNode, "Node %s event: Removing Node %s from Controller", name, name)
			delete(c.known, name)
			delete(c.health, name)
			delete(c.retryPods, name)
			for _, t := range c.tainters {
				t.remove(name)
			}
		}
	}

	zoneConds := map[string][]*api.NodeCondition{}
	for _, n := range nodes {
		observed, current, err := c.tryUpdateNodeHealth(ctx, n)
		if err != nil {
			c.logf("nodelifecycle: node %s: %v", n.Name, err)
			continue
		}
		zone := zoneKey(n)
		zoneConds[zone] = append(zoneConds[zone], current)
		if current == nil {
			continue
		}
		if current.Status != api.ConditionTrue && observed.Status == api.ConditionTrue {
			// Report the change once, and mark the node's pods not ready.
			c.recorder.Eventf(nodeRef(n.Name, n.Name), record.EventTypeNormal, reasonNodeNotReady, "Node %s status is now: %s", n.Name, reasonNodeNotReady)
			c.retryPods[n.Name] = true
		}
		if c.retryPods[n.Name] && current.Status != api.ConditionTrue {
			if err := c.markPodsNotReady(ctx, n.Name); err != nil {
				c.logf("nodelifecycle: marking the pods of node %s not ready: %v (retrying)", n.Name, err)
			} else {
				delete(c.retryPods, n.Name)
			}
		} else if current.Status == api.ConditionTrue {
			delete(c.retryPods, n.Name)
		}
		c.processTaintBaseEviction(ctx, n, observed.Status)
	}
	c.handleDisruption(ctx, zoneConds, nodes)
}

// tryUpdateNodeHealth observes the node and, past its grace period, writes
// its kubelet conditions as Unknown. It returns the Ready condition as
// observed and as it is now (nil: the node never posted one and is still in
// its startup grace period).
func (c *Controller) tryUpdateNodeHealth(ctx context.Context, node *api.Node) (observed api.NodeCondition, current *api.NodeCondition, err error) {
	now := c.clock.Now()
	if cur := readyCondition(&node.Status); cur != nil {
		observed = *cur
		current = copyCond(cur)
	} else {
		// Never posted: an Unknown condition as of the node's creation.
		observed = api.NodeCondition{Type: api.NodeReady, Status: api.ConditionUnknown,
			LastHeartbeatTime: node.CreationTimestamp, LastTransitionTime: node.CreationTimestamp}
	}
	var lease *api.Lease
	if o, ok := c.leases.Store().GetByName(leaseNamespace, node.Name); ok {
		lease, _ = o.(*api.Lease)
	}
	h := observeHealth(c.health[node.Name], node, lease, now)
	c.health[node.Name] = h
	grace := gracePeriod(node, c.cfg.GracePeriod, c.cfg.StartupGracePeriod)
	if !now.After(h.probeTimestamp.Add(grace)) {
		return observed, current, nil
	}
	st, changed := markUnknown(node.Status, node.CreationTimestamp.Time, now)
	if !changed {
		return observed, current, nil
	}
	written, err := c.writeStatus(ctx, node.Name, func(n *api.Node) bool {
		var ch bool
		n.Status, ch = markUnknown(n.Status, n.CreationTimestamp.Time, now)
		return ch
	})
	if err != nil {
		return observed, current, err
	}
	if written != nil {
		st = written.Status
	}
	c.logf("nodelifecycle: node %s not seen for %v: conditions Unknown", node.Name, now.Sub(h.probeTimestamp).Round(time.Second))
	h.ready, h.readyTransitionTimestamp = copyCond(readyCondition(&st)), now
	return observed, copyCond(readyCondition(&st)), nil
}

// leaseNamespace holds the kubelets' leases.
const leaseNamespace = "kube-node-lease"

// writeStatus reads the node, lets change edit its status, and writes it
// (retrying on conflicts); it returns the node written (nil: nothing to do).
func (c *Controller) writeStatus(ctx context.Context, name string, change func(*api.Node) bool) (*api.Node, error) {
	for attempt := 0; ; attempt++ {
		node, err := c.client.Nodes().Get(ctx, name)
		if client.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("get node %s: %w", name, err)
		}
		if !change(node) {
			return nil, nil
		}
		out, err := c.client.Nodes().UpdateStatus(ctx, node)
		if err == nil {
			return out, nil
		}
		if !client.IsConflict(err) || attempt >= 4 {
			return nil, fmt.Errorf("update status of node %s: %w", name, err)
		}
	}
}

// markPodsNotReady sets Ready=False on the node's pods (Kubernetes'
// MarkPodsNotReady), recording NodeNotReady on each.
func (c *Controller) markPodsNotReady(ctx context.Context, node string) error {
	var errs []error
	for _, p := range c.podsOnNode(node) {
		if !podReadyNeedsFalse(p) {
			continue
		}
		if err := c.markPodNotReady(ctx, p.Namespace, p.Name, node); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d pods: %w", len(errs), errs[0])
	}
	return nil
}

// podReadyNeedsFalse reports whether the pod has a Ready condition that is
// not False.
func podReadyNeedsFalse(p *api.Pod) bool {
	for _, cond := range p.Status.Conditions {
		if cond.Type == api.PodReady {
			return cond.Status != api.ConditionFalse
		}
	}
	return false
}

func (c *Controller) markPodNotReady(ctx context.Context, ns, name, node string) error {
	pods := c.client.Pods(ns)
	for attempt := 0; ; attempt++ {
		p, err := pods.Get(ctx, name)
		if client.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if p.Spec.NodeName != node || !podReadyNeedsFalse(p) {
			return nil
		}
		for i := range p.Status.Conditions {
			if cond := &p.Status.Conditions[i]; cond.Type == api.PodReady {
				cond.Status = api.ConditionFalse
				cond.LastTransitionTime = api.NewTime(c.clock.Now())
			}
		}
		out, err := pods.UpdateStatus(ctx, p)
		if client.IsNotFound(err) {
			return nil
		}
		if err == nil {
			c.recorder.Event(out, record.EventTypeWarning, reasonNodeNotReady, "Node is not ready")
			return nil
		}
		if !client.IsConflict(err) || attempt >= 4 {
			return fmt.Errorf("pod %s/%s: %w", ns, name, err)
		}
	}
}

// processTaintBaseEviction acts on noExecuteDecision.
func (c *Controller) processTaintBaseEviction(ctx context.Context, node *api.Node, observedReady string) {
	var err error
	switch noExecuteDecision(observedReady, node.Spec.Taints) {
	case noExecuteToNotReady:
		err = c.updateNodeTaints(ctx, node.Name, func(*api.Node) (add, del []api.Taint) {
			return []api.Taint{notReadyTaint}, []api.Taint{unreachableTaint}
		})
	case noExecuteToUnreachable:
		err = c.updateNodeTaints(ctx, node.Name, func(*api.Node) (add, del []api.Taint) {
			return []api.Taint{unreachableTaint}, []api.Taint{notReadyTaint}
		})
	case noExecuteMarkForTaint:
		want := unreachableTaint
		if observedReady == api.ConditionFalse {
			want = notReadyTaint
		}
		if !taintExists(node.Spec.Taints, want) {
			c.addTainterForZone(zoneKey(node))
			c.tainters[zoneKey(node)].add(node.Name)
		}
	case noExecuteMarkReachable:
		c.markNodeAsReachable(ctx, node)
	}
	if err != nil {
		c.logf("nodelifecycle: %v", err)
	}
}

// markNodeAsReachable unqueues the node and removes its NoExecute
// not-ready and unreachable taints.
func (c *Controller) markNodeAsReachable(ctx context.Context, node *api.Node) {
	for _, t := range c.tainters {
		t.remove(node.Name)
	}
	if !taintExists(node.Spec.Taints, notReadyTaint) && !taintExists(node.Spec.Taints, unreachableTaint) {
		return
	}
	err := c.updateNodeTaints(ctx, node.Name, func(*api.Node) (add, del []api.Taint) {
		return nil, []api.Taint{notReadyTaint, unreachableTaint}
	})
	if err != nil {
		c.logf("nodelifecycle: %v", err)
	}
}

func (c *Controller) addTainterForZone(zone string) {
	if _, ok := c.tainters[zone]; ok {
		return
	}
	c.zoneStates[zone] = stateInitial
	c.tainters[zone] = &tainter{limiter: newTokenBucket(c.cfg.EvictionRate, c.clock.Now())}
}

// noExecuteTaintingPass gives the queued nodes the limiters let through
// their NoExecute taint for their current Ready condition.
func (c *Controller) noExecuteTaintingPass(ctx context.Context) {
	now := c.clock.Now()
	for _, t := range c.tainters {
		for _, name := range t.take(now) {
			o, ok := c.nodes.Store().GetByName("", name)
			if !ok {
				continue
			}
			ready := readyCondition(&o.(*api.Node).Status)
			if ready == nil {
				continue
			}
			add, del, ok := noExecuteTaintFor(ready.Status)
			if !ok {
				continue
			}
			err := c.updateNodeTaints(ctx, name, func(*api.Node) ([]api.Taint, []api.Taint) {
				return []api.Taint{add}, []api.Taint{del}
			})
			if err != nil {
				c.logf("nodelifecycle: %v (retrying)", err)
				t.add(name)
			}
		}
	}
}

// handleDisruption is Kubernetes' handleDisruption: zones change state and
// tainting rate; when every node is not ready the controller stops tainting
// and removes the NoExecute taints (it is more likely cut off than every
// node dead), and when some node is ready again it starts over.
func (c *Controller) handleDisruption(ctx context.Context, zoneConds map[string][]*api.NodeCondition, nodes []*api.Node) {
	newStates := map[string]zoneState{}
	allAreFullyDisrupted := true
	for zone, conds := range zoneConds {
		_, st := computeZoneState(conds, c.cfg.UnhealthyZoneThreshold)
		if st != stateFullDisruption {
			allAreFullyDisrupted = false
		}
		newStates[zone] = st
		c.addTainterForZone(zone)
	}
	allWasFullyDisrupted := true
	for zone, st := range c.zoneStates {
		if _, ok := zoneConds[zone]; !ok {
			delete(c.zoneStates, zone)
			delete(c.tainters, zone)
			continue
		}
		if st != stateFullDisruption {
			allWasFullyDisrupted = false
		}
	}
	if allAreFullyDisrupted && allWasFullyDisrupted {
		return
	}
	now := c.clock.Now()
	if allAreFullyDisrupted {
		c.logf("nodelifecycle: every node is not ready: entering master disruption mode (no evictions)")
		for _, n := range nodes {
			c.markNodeAsReachable(ctx, n)
		}
		for zone := range c.zoneStates {
			c.tainters[zone].limiter.setRate(0, now)
			c.zoneStates[zone] = stateFullDisruption
		}
		return
	}
	if allWasFullyDisrupted && len(c.zoneStates) > 0 {
		c.logf("nodelifecycle: some nodes are ready: leaving master disruption mode")
		for _, n := range nodes {
			if h := c.health[n.Name]; h != nil {
				h.probeTimestamp, h.readyTransitionTimestamp = now, now
			}
		}
		for zone := range c.zoneStates {
			c.tainters[zone].limiter.setRate(zoneRate(newStates[zone], len(zoneConds[zone]), &c.cfg), now)
			c.zoneStates[zone] = newStates[zone]
		}
		return
	}
	for zone, st := range c.zoneStates {
		if st == newStates[zone] {
			continue
		}
		c.tainters[zone].limiter.setRate(zoneRate(newStates[zone], len(zoneConds[zone]), &c.cfg), now)
		c.zoneStates[zone] = newStates[zone]
	}
}
