package api

import "strconv"

// Node affinity matching, shared by the scheduler and the DaemonSet
// controller (Kubernetes' component-helpers nodeaffinity).

// MatchesNodeSelectorAndAffinity reports whether node matches every
// nodeSelector label and one term of the required node affinity.
func MatchesNodeSelectorAndAffinity(spec *PodSpec, node *Node) bool {
	for k, v := range spec.NodeSelector {
		if lv, ok := node.Labels[k]; !ok || lv != v {
			return false
		}
	}
	a := spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return true
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		if MatchesNodeSelectorTerm(&term, node) {
			return true
		}
	}
	return false // no terms match nothing, as in Kubernetes
}

// MatchesNodeSelectorTerm reports whether node matches every requirement of term; an
// empty term matches no node.
func MatchesNodeSelectorTerm(term *NodeSelectorTerm, node *Node) bool {
	if len(term.MatchExpressions) == 0 && len(term.MatchFields) == 0 {
		return false
	}
	for _, r := range term.MatchExpressions {
		v, ok := node.Labels[r.Key]
		if !matchRequirement(&r, v, ok) {
			return false
		}
	}
	for _, r := range term.MatchFields {
		if r.Key != "metadata.name" || !matchRequirement(&r, node.Name, true) {
			return false
		}
	}
	return true
}

func matchRequirement(r *NodeSelectorRequirement, v string, exists bool) bool {
	in := func() bool {
		for _, x := range r.Values {
			if x == v {
				return true
			}
		}
		return false
	}
	switch r.Operator {
	case NodeSelectorOpIn:
		return exists && in()
	case NodeSelectorOpNotIn:
		return !exists || !in()
	case NodeSelectorOpExists:
		return exists
	case NodeSelectorOpDoesNotExist:
		return !exists
	case NodeSelectorOpGt, NodeSelectorOpLt:
		if !exists || len(r.Values) != 1 {
			return false
		}
		lv, err1 := strconv.ParseInt(v, 10, 64)
		rv, err2 := strconv.ParseInt(r.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if r.Operator == NodeSelectorOpGt {
			return lv > rv
		}
		return lv < rv
	}
	return false
}
