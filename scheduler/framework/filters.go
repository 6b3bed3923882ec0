package framework

import (
	"fmt"

	"minik8s/pkg/api"
)

// Reasons Kubernetes gives for a node that does not fit (FitError counts
// them per node).
const (
	ReasonUnschedulable    = "node(s) were unschedulable"
	ReasonNodeAffinity     = "node(s) didn't match Pod's node affinity/selector"
	ReasonNodePorts        = "node(s) didn't have free ports for the requested pod ports"
	ReasonTooManyPods      = "Too many pods"
	ReasonInsufficientCPU  = "Insufficient cpu"
	ReasonInsufficientMem  = "Insufficient memory"
	ReasonNodeNameMismatch = "node(s) didn't match the requested node name"
)

// Taints the node lifecycle puts on nodes, which the scheduler honours even
// when only the condition or spec field says so.
const (
	TaintNodeNotReady      = "node.kubernetes.io/not-ready"
	TaintNodeUnschedulable = "node.kubernetes.io/unschedulable"
)

// FilterFunc says why pod does not fit ni (nil: it fits).
type FilterFunc func(pod *PodInfo, ni *NodeInfo) []string

// NamedFilter is a filter plugin.
type NamedFilter struct {
	Name   string
	Filter FilterFunc
}

// DefaultFilters are the filters in kube-scheduler's order; the first that
// fails decides a node's reasons.
var DefaultFilters = []NamedFilter{
	{"NodeReady", NodeReady},
	{"NodeUnschedulable", NodeUnschedulable},
	{"NodeName", NodeName},
	{"TaintToleration", TaintToleration},
	{"NodeAffinity", NodeAffinity},
	{"NodePorts", NodePorts},
	{"NodeResourcesFit", NodeResourcesFit},
}

// RunFilters runs filters in order and returns the reasons of the first
// that fails (nil: the pod fits).
func RunFilters(filters []NamedFilter, pod *PodInfo, ni *NodeInfo) []string {
	for _, f := range filters {
		if r := f.Filter(pod, ni); len(r) > 0 {
			return r
		}
	}
	return nil
}

// NodeReady rejects a node whose Ready condition is not True, as the
// not-ready NoSchedule taint does in Kubernetes (and tolerations of that
// taint let a pod through).
func NodeReady(pod *PodInfo, ni *NodeInfo) []string {
	for _, c := range ni.Node.Status.Conditions {
		if c.Type == api.NodeReady && c.Status == api.ConditionTrue {
			return nil
		}
	}
	t := api.Taint{Key: TaintNodeNotReady, Effect: api.TaintEffectNoSchedule}
	if api.TaintToleratedByTolerations(&t, pod.Spec.Tolerations) {
		return nil
	}
	return []string{untoleratedTaint(t)}
}

// NodeUnschedulable rejects a cordoned node unless the pod tolerates the
// unschedulable taint.
func NodeUnschedulable(pod *PodInfo, ni *NodeInfo) []string {
	if !ni.Node.Spec.Unschedulable {
		return nil
	}
	t := api.Taint{Key: TaintNodeUnschedulable, Effect: api.TaintEffectNoSchedule}
	if api.TaintToleratedByTolerations(&t, pod.Spec.Tolerations) {
		return nil
	}
	return []string{ReasonUnschedulable}
}

// NodeName rejects every node but spec.nodeName when it is set.
func NodeName(pod *PodInfo, ni *NodeInfo) []string {
	if pod.Spec.NodeName != "" && pod.Spec.NodeName != ni.Name() {
		return []string{ReasonNodeNameMismatch}
	}
	return nil
}

func untoleratedTaint(t api.Taint) string {
	return fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value)
}

// TaintToleration rejects a node with a NoSchedule or NoExecute taint the
// pod does not tolerate.
func TaintToleration(pod *PodInfo, ni *NodeInfo) []string {
	for _, t := range ni.Node.Spec.Taints {
		if t.Effect != api.TaintEffectNoSchedule && t.Effect != api.TaintEffectNoExecute {
			continue
		}
		if !api.TaintToleratedByTolerations(&t, pod.Spec.Tolerations) {
			return []string{untoleratedTaint(t)}
		}
	}
	return nil
}

// NodeAffinity rejects a node that does not match the pod's nodeSelector
// or its required node affinity.
func NodeAffinity(pod *PodInfo, ni *NodeInfo) []string {
	if !MatchesNodeSelectorAndAffinity(pod.Pod, ni.Node) {
		return []string{ReasonNodeAffinity}
	}
	return nil
}

// MatchesNodeSelectorAndAffinity reports whether node matches every
// nodeSelector label and one term of the required node affinity.
func MatchesNodeSelectorAndAffinity(pod *api.Pod, node *api.Node) bool {
	return api.MatchesNodeSelectorAndAffinity(&pod.Spec, node)
}

// MatchesTerm reports whether node matches every requirement of term; an
// empty term matches no node.
func MatchesTerm(term *api.NodeSelectorTerm, node *api.Node) bool {
	return api.MatchesNodeSelectorTerm(term, node)
}

// NodePorts rejects a node where a host port the pod wants is taken.
func NodePorts(pod *PodInfo, ni *NodeInfo) []string {
	for _, want := range pod.HostPorts {
		for _, used := range ni.UsedPorts {
			if want.Conflicts(used) {
				return []string{ReasonNodePorts}
			}
		}
	}
	return nil
}

// NodeResourcesFit rejects a node without room for the pod's requests:
// allocatable minus what its pods already request, for pods, cpu and
// memory (every shortage is a reason).
func NodeResourcesFit(pod *PodInfo, ni *NodeInfo) []string {
	alloc := ni.Allocatable
	var out []string
	if int64(len(ni.Pods))+1 > alloc.Pods {
		out = append(out, ReasonTooManyPods)
	}
	req := pod.Requests
	if req.MilliCPU > 0 && req.MilliCPU > alloc.MilliCPU-ni.Requested.MilliCPU {
		out = append(out, ReasonInsufficientCPU)
	}
	if req.Memory > 0 && req.Memory > alloc.Memory-ni.Requested.Memory {
		out = append(out, ReasonInsufficientMem)
	}
	return out
}
