package nodelifecycle

import (
	"time"

	"minik8s/pkg/api"
)

// Taint keys of node conditions (Kubernetes' well-known taints).
const (
	TaintNodeNotReady       = "node.kubernetes.io/not-ready"
	TaintNodeUnreachable    = "node.kubernetes.io/unreachable"
	TaintNodeUnschedulable  = "node.kubernetes.io/unschedulable"
	TaintNodeMemoryPressure = "node.kubernetes.io/memory-pressure"
	TaintNodeDiskPressure   = "node.kubernetes.io/disk-pressure"
	TaintNodePIDPressure    = "node.kubernetes.io/pid-pressure"
	TaintNodeNetworkUnavail = "node.kubernetes.io/network-unavailable"
)

// The NoExecute taints the controller puts on a node that is not ready.
var (
	notReadyTaint    = api.Taint{Key: TaintNodeNotReady, Effect: api.TaintEffectNoExecute}
	unreachableTaint = api.Taint{Key: TaintNodeUnreachable, Effect: api.TaintEffectNoExecute}
)

// conditionTaintKeys maps a condition type and status to the NoSchedule
// taint it puts on the node (Kubernetes' nodeConditionToTaintKeyStatusMap).
var conditionTaintKeys = map[string]map[string]string{
	api.NodeReady:        {api.ConditionFalse: TaintNodeNotReady, api.ConditionUnknown: TaintNodeUnreachable},
	"MemoryPressure":     {api.ConditionTrue: TaintNodeMemoryPressure},
	"DiskPressure":       {api.ConditionTrue: TaintNodeDiskPressure},
	"NetworkUnavailable": {api.ConditionTrue: TaintNodeNetworkUnavail},
	"PIDPressure":        {api.ConditionTrue: TaintNodePIDPressure},
}

// isConditionTaintKey reports whether the controller owns NoSchedule
// taints of key.
func isConditionTaintKey(key string) bool {
	if key == TaintNodeUnschedulable {
		return true
	}
	for _, m := range conditionTaintKeys {
		for _, k := range m {
			if k == key {
				return true
			}
		}
	}
	return false
}

// noScheduleTaintChanges is Kubernetes' doNoScheduleTaintingPass: the
// NoSchedule taints the node's conditions (and spec.unschedulable) call
// for, against those it has: what to add and what to remove.
func noScheduleTaintChanges(node *api.Node) (add, del []api.Taint) {
	var want []api.Taint
	for _, c := range node.Status.Conditions {
		if key, ok := conditionTaintKeys[c.Type][c.Status]; ok {
			want = append(want, api.Taint{Key: key, Effect: api.TaintEffectNoSchedule})
		}
	}
	if node.Spec.Unschedulable {
		want = append(want, api.Taint{Key: TaintNodeUnschedulable, Effect: api.TaintEffectNoSchedule})
	}
	var have []api.Taint
	for _, t := range node.Spec.Taints {
		if t.Effect == api.TaintEffectNoSchedule && isConditionTaintKey(t.Key) {
			have = append(have, t)
		}
	}
	return taintSetDiff(want, have)
}

// taintSetDiff is what turns have into want (taints match by key and effect).
func taintSetDiff(want, have []api.Taint) (add, del []api.Taint) {
	for _, w := range want {
		if !taintExists(have, w) {
			add = append(add, w)
		}
	}
	for _, h := range have {
		if !taintExists(want, h) {
			del = append(del, h)
		}
	}
	return add, del
}

// taintExists reports whether taints has one with t's key and effect.
func taintExists(taints []api.Taint, t api.Taint) bool {
	for _, x := range taints {
		if x.Key == t.Key && x.Effect == t.Effect {
			return true
		}
	}
	return false
}

// swapTaints returns taints without del and with add (stamped timeAdded
// now, as Kubernetes' SwapNodeControllerTaint does), and whether that
// changed anything.
func swapTaints(taints, add, del []api.Taint, now time.Time) ([]api.Taint, bool) {
	var out []api.Taint
	changed := false
	for _, t := range taints {
		if taintExists(del, t) {
			changed = true
			continue
		}
		out = append(out, t)
	}
	for _, a := range add {
		if taintExists(out, a) {
			continue
		}
		ts := api.NewTime(now)
		a.TimeAdded = &ts
		out = append(out, a)
		changed = true
	}
	return out, changed
}

// noExecuteTaints are the node's NoExecute taints.
func noExecuteTaints(taints []api.Taint) []api.Taint {
	var out []api.Taint
	for _, t := range taints {
		if t.Effect == api.TaintEffectNoExecute {
			out = append(out, t)
		}
	}
	return out
}

// noExecuteAction is what processTaintBaseEviction does with a node.
type noExecuteAction int

const (
	noExecuteNone          noExecuteAction = iota
	noExecuteToNotReady                    // swap unreachable for not-ready now
	noExecuteToUnreachable                 // swap not-ready for unreachable now
	noExecuteMarkForTaint                  // queue the node for the rate-limited tainter
	noExecuteMarkReachable                 // remove both taints, unqueue the node
)

// noExecuteDecision is Kubernetes' processTaintBaseEviction: a node
// whose Ready condition (as observed before this pass) is False or Unknown
// is queued for its NoExecute taint, or has the other one swapped at once;
// a Ready node loses both.
func noExecuteDecision(observedReady string, taints []api.Taint) noExecuteAction {
	switch observedReady {
	case api.ConditionFalse:
		if taintExists(taints, unreachableTaint) {
			return noExecuteToNotReady
		}
		return noExecuteMarkForTaint
	case api.ConditionUnknown:
		if taintExists(taints, notReadyTaint) {
			return noExecuteToUnreachable
		}
		return noExecuteMarkForTaint
	case api.ConditionTrue:
		return noExecuteMarkReachable
	}
	return noExecuteNone
}

// noExecuteTaintFor is the NoExecute taint the tainter adds for a node's
// current Ready status, and the one it removes (ok false: none, the node is
// ready again).
func noExecuteTaintFor(ready string) (add, del api.Taint, ok bool) {
	switch ready {
	case api.ConditionFalse:
		return notReadyTaint, unreachableTaint, true
	case api.ConditionUnknown:
		return unreachableTaint, notReadyTaint, true
	}
	return api.Taint{}, api.Taint{}, false
}
