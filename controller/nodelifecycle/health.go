package nodelifecycle

import (
	"time"

	"minik8s/pkg/api"
)

// The conditions the kubelet owns; the controller makes them Unknown when
// the kubelet stops posting.
var kubeletConditions = []string{api.NodeReady, "MemoryPressure", "DiskPressure", "PIDPressure"}

// Reasons and messages of the conditions the controller writes.
const (
	reasonStatusUnknown      = "NodeStatusUnknown"
	messageStatusUnknown     = "Kubelet stopped posting node status."
	reasonStatusNeverUpdated = "NodeStatusNeverUpdated"
	messageNeverUpdated      = "Kubelet never posted node status."
)

// nodeHealth is what the controller remembers of a node (Kubernetes'
// nodeHealthData). Its timestamps are the controller's own clock at the
// moment it saw a change, never the kubelet's.
type nodeHealth struct {
	ready                    *api.NodeCondition // the Ready condition last seen (nil: none)
	probeTimestamp           time.Time          // last time the node was seen alive
	readyTransitionTimestamp time.Time          // last time Ready was seen to change
	leaseRenew               *time.Time         // renewTime of the lease last seen (nil: none yet)
}

// readyCondition is the node's Ready condition, or nil.
func readyCondition(st *api.NodeStatus) *api.NodeCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == api.NodeReady {
			return &st.Conditions[i]
		}
	}
	return nil
}

func copyCond(c *api.NodeCondition) *api.NodeCondition {
	if c == nil {
		return nil
	}
	cp := *c
	return &cp
}

// observeHealth is the first half of Kubernetes' tryUpdateNodeHealth: the
// node's health after seeing node and its lease (nil: none) at now, given
// what was saved before (nil: first sight). The probe timestamp moves to now
// when the Ready heartbeat or the lease's renewTime changed.
func observeHealth(saved *nodeHealth, node *api.Node, lease *api.Lease, now time.Time) *nodeHealth {
	cur := readyCondition(&node.Status)
	var h nodeHealth
	switch {
	case saved == nil && cur == nil:
		// Never posted: count from the node's creation.
		created := node.CreationTimestamp.Time
		h = nodeHealth{probeTimestamp: created, readyTransitionTimestamp: created}
	case saved == nil:
		h = nodeHealth{ready: copyCond(cur), probeTimestamp: now, readyTransitionTimestamp: now}
	default:
		h = *saved
		switch {
		case saved.ready == nil && cur != nil:
			// The first status the kubelet posted.
			h = nodeHealth{ready: copyCond(cur), probeTimestamp: now, readyTransitionTimestamp: now}
		case saved.ready != nil && cur == nil:
			// The condition went away (never happens with a kubelet).
			h = nodeHealth{probeTimestamp: now, readyTransitionTimestamp: now}
		case saved.ready != nil && !saved.ready.LastHeartbeatTime.Equal(cur.LastHeartbeatTime.Time):
			h.ready, h.probeTimestamp = copyCond(cur), now
			if !saved.ready.LastTransitionTime.Equal(cur.LastTransitionTime.Time) {
				h.readyTransitionTimestamp = now
			}
		default:
			h.ready = copyCond(cur)
		}
		h.leaseRenew = saved.leaseRenew
	}
	// A renewed lease is always a sign of life.
	if lease != nil && lease.Spec.RenewTime != nil {
		renew := lease.Spec.RenewTime.Time
		if h.leaseRenew == nil || h.leaseRenew.Before(renew) {
			h.leaseRenew, h.probeTimestamp = &renew, now
		}
	}
	return &h
}

// gracePeriod is how long a node may go unseen: the startup grace period
// until it has posted a Ready condition, the monitor grace period after.
func gracePeriod(node *api.Node, monitorGrace, startupGrace time.Duration) time.Duration {
	if readyCondition(&node.Status) == nil {
		return startupGrace
	}
	return monitorGrace
}

// markUnknown returns st with the kubelet's conditions made Unknown, as
// the controller writes them when a node has not been seen for its grace
// period; changed reports whether any condition changed. created is the
// node's creation time (the heartbeat of a condition never posted).
func markUnknown(st api.NodeStatus, created, now time.Time) (out api.NodeStatus, changed bool) {
	out = st
	out.Conditions = append([]api.NodeCondition(nil), st.Conditions...)
	for _, typ := range kubeletConditions {
		found := false
		for i := range out.Conditions {
			c := &out.Conditions[i]
			if c.Type != typ {
				continue
			}
			found = true
			if c.Status != api.ConditionUnknown {
				c.Status, c.Reason, c.Message = api.ConditionUnknown, reasonStatusUnknown, messageStatusUnknown
				c.LastTransitionTime = api.NewTime(now)
				changed = true
			}
		}
		if !found {
			out.Conditions = append(out.Conditions, api.NodeCondition{
				Type: typ, Status: api.ConditionUnknown, Reason: reasonStatusNeverUpdated, Message: messageNeverUpdated,
				LastHeartbeatTime: api.NewTime(created), LastTransitionTime: api.NewTime(now),
			})
			changed = true
		}
	}
	return out, changed
}
