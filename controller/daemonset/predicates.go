package daemonset

import (
	"maps"

	"minik8s/pkg/api"
	"minik8s/pkg/controller"
)

// Taint keys a daemon pod tolerates (k8s.io/api/core/v1 well-known taints).
const (
	TaintNodeNotReady           = "node.kubernetes.io/not-ready"
	TaintNodeUnreachable        = "node.kubernetes.io/unreachable"
	TaintNodeDiskPressure       = "node.kubernetes.io/disk-pressure"
	TaintNodeMemoryPressure     = "node.kubernetes.io/memory-pressure"
	TaintNodePIDPressure        = "node.kubernetes.io/pid-pressure"
	TaintNodeUnschedulable      = "node.kubernetes.io/unschedulable"
	TaintNodeNetworkUnavailable = "node.kubernetes.io/network-unavailable"
)

// AddDaemonPodTolerations adds (or replaces) the tolerations Kubernetes
// gives every daemon pod (daemonset_util.AddOrUpdateDaemonPodTolerations):
// not-ready and unreachable NoExecute without a time limit, so the node
// lifecycle controller never evicts them; disk, memory and PID pressure and
// unschedulable NoSchedule; network-unavailable NoSchedule for hostNetwork
// pods.
func AddDaemonPodTolerations(spec *api.PodSpec) {
	add := func(key, effect string) {
		t := api.Toleration{Key: key, Operator: api.TolerationOpExists, Effect: effect}
		for i := range spec.Tolerations {
			o := &spec.Tolerations[i]
			if o.Key == key && o.Effect == effect {
				*o = t
				return
			}
		}
		spec.Tolerations = append(spec.Tolerations, t)
	}
	add(TaintNodeNotReady, api.TaintEffectNoExecute)
	add(TaintNodeUnreachable, api.TaintEffectNoExecute)
	add(TaintNodeDiskPressure, api.TaintEffectNoSchedule)
	add(TaintNodeMemoryPressure, api.TaintEffectNoSchedule)
	add(TaintNodePIDPressure, api.TaintEffectNoSchedule)
	add(TaintNodeUnschedulable, api.TaintEffectNoSchedule)
	if spec.HostNetwork {
		add(TaintNodeNetworkUnavailable, api.TaintEffectNoSchedule)
	}
}

// newPod is the daemon pod the daemon set would run on nodeName, as the
// predicates see it (Kubernetes' NewPod).
func newPod(ds *api.DaemonSet, nodeName string) *api.Pod {
	tmpl := controller.PodFromTemplate(&ds.Spec.Template, api.OwnerReference{Name: ds.Name})
	tmpl.Namespace = ds.Namespace
	tmpl.Spec.NodeName = nodeName
	AddDaemonPodTolerations(&tmpl.Spec)
	return tmpl
}

// untoleratedTaint reports whether some taint passing filter is not
// tolerated (v1helper.FindMatchingUntoleratedTaint).
func untoleratedTaint(taints []api.Taint, tolerations []api.Toleration, filter func(*api.Taint) bool) bool {
	for i := range taints {
		t := &taints[i]
		if filter(t) && !api.TaintToleratedByTolerations(t, tolerations) {
			return true
		}
	}
	return false
}

// NodeShouldRunDaemonPod is Kubernetes' NodeShouldRunDaemonPod: shouldRun
// says a daemon pod should be created on node; shouldContinueRunning that
// one already there may stay (a node that only gained a NoSchedule taint
// keeps its pod; a NoExecute taint or a selector mismatch does not).
func NodeShouldRunDaemonPod(node *api.Node, ds *api.DaemonSet) (shouldRun, shouldContinueRunning bool) {
	if n := ds.Spec.Template.Spec.NodeName; n != "" && n != node.Name {
		return false, false
	}
	pod := newPod(ds, node.Name)
	if !api.MatchesNodeSelectorAndAffinity(&pod.Spec, node) {
		return false, false
	}
	if untoleratedTaint(node.Spec.Taints, pod.Spec.Tolerations, func(t *api.Taint) bool {
		return t.Effect == api.TaintEffectNoSchedule || t.Effect == api.TaintEffectNoExecute
	}) {
		return false, !untoleratedTaint(node.Spec.Taints, pod.Spec.Tolerations, func(t *api.Taint) bool {
			return t.Effect == api.TaintEffectNoExecute
		})
	}
	return true, true
}

// ReplaceNodeNameAffinity makes the affinity require the node named
// nodeName, replacing any required node terms (the controller has already
// checked that the node matches them), as Kubernetes'
// ReplaceDaemonSetPodNodeNameNodeAffinity does.
func ReplaceNodeNameAffinity(a *api.Affinity, nodeName string) *api.Affinity {
	sel := &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
		MatchFields: []api.NodeSelectorRequirement{{Key: "metadata.name", Operator: api.NodeSelectorOpIn, Values: []string{nodeName}}},
	}}}
	if a == nil {
		a = &api.Affinity{}
	}
	if a.NodeAffinity == nil {
		a.NodeAffinity = &api.NodeAffinity{}
	}
	a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = sel
	return a
}

// TargetNodeName is the node a daemon pod is for: spec.nodeName once bound,
// before that the single metadata.name of its required node affinity.
func TargetNodeName(p *api.Pod) (string, bool) {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName, true
	}
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return "", false
	}
	terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	for _, t := range terms {
		for _, r := range t.MatchFields {
			if r.Key == "metadata.name" && r.Operator == api.NodeSelectorOpIn && len(r.Values) == 1 {
				return r.Values[0], true
			}
		}
	}
	return "", false
}

// podTemplate is the template of the daemon pods of revision hash: the
// daemon tolerations, and the pod-template-generation and
// controller-revision-hash labels (Kubernetes' CreatePodTemplate).
func podTemplate(ds *api.DaemonSet, hash string) api.PodTemplateSpec {
	t := api.PodTemplateSpec{ObjectMeta: ds.Spec.Template.ObjectMeta}
	t.Labels = maps.Clone(ds.Spec.Template.Labels)
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	t.Labels[api.DaemonSetTemplateGenerationLabel] = itoa(ds.Generation)
	if hash != "" {
		t.Labels[api.ControllerRevisionHashLabel] = hash
	}
	t.Spec = controller.PodFromTemplate(&ds.Spec.Template, api.OwnerReference{}).Spec // a deep copy
	AddDaemonPodTolerations(&t.Spec)
	return t
}

// IsPodUpdated reports whether a pod runs the current revision.
func IsPodUpdated(p *api.Pod, hash string) bool {
	return hash != "" && p.Labels[api.ControllerRevisionHashLabel] == hash
}
