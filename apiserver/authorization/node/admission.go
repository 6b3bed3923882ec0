package node

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"minik8s/pkg/api"
)

// MirrorPodAnnotation marks a pod a kubelet created for a static pod.
const MirrorPodAnnotation = "kubernetes.io/config.mirror"

// labelNamespaceNodeRestriction is the label prefix only administrators
// may set on nodes (node-restriction.kubernetes.io/).
const labelNamespaceNodeRestriction = "node-restriction.kubernetes.io"

// Admit is the NodeRestriction admission for writes by node nodeName,
// where the authorizer cannot see the object: it returns why the write is
// forbidden, or "". resource and sub name what is written; old is nil on
// create. Kubernetes' messages (plugin/pkg/admission/noderestriction).
func Admit(nodeName, resource, sub string, obj, old api.Object) string {
	switch resource {
	case "pods":
		switch {
		case sub == "" && old == nil:
			return admitPodCreate(nodeName, obj.(*api.Pod))
		case sub == "status" && old != nil:
			o, n := old.(*api.Pod), obj.(*api.Pod)
			if o.Spec.NodeName != nodeName {
				return fmt.Sprintf("node %q can only update pod status for pods with spec.nodeName set to itself", nodeName)
			}
			if !reflect.DeepEqual(nonNil(o.Labels), nonNil(n.Labels)) {
				return fmt.Sprintf("node %q cannot update labels through pod status", nodeName)
			}
		case sub == "" && old != nil:
			// NodeRules give nodes no pod update; the authorizer already
			// refused. Nothing to add.
		}
	case "nodes":
		return admitNode(nodeName, obj.(*api.Node), old)
	case "leases":
		if old == nil && obj.GetObjectMeta().Name != nodeName {
			return "can only access node lease with the same name as the requesting node"
		}
	}
	return ""
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func admitPodCreate(nodeName string, pod *api.Pod) string {
	if _, ok := pod.Annotations[MirrorPodAnnotation]; !ok {
		return fmt.Sprintf("pod does not have %q annotation, node %q can only create mirror pods", MirrorPodAnnotation, nodeName)
	}
	if pod.Spec.NodeName != nodeName {
		return fmt.Sprintf("node %q can only create pods with spec.nodeName set to itself", nodeName)
	}
	if pod.Spec.ServiceAccountName != "" {
		return fmt.Sprintf("node %q can not create pods that reference a service account", nodeName)
	}
	for _, v := range PodReferences(pod) {
		switch v.kind {
		case KindSecret:
			return fmt.Sprintf("node %q can not create pods that reference secrets", nodeName)
		case KindConfigMap:
			return fmt.Sprintf("node %q can not create pods that reference configmaps", nodeName)
		}
	}
	return ""
}

func admitNode(nodeName string, node *api.Node, old api.Object) string {
	if node.Name != nodeName {
		return fmt.Sprintf("node %q is not allowed to modify node %q", nodeName, node.Name)
	}
	var oldLabels map[string]string
	if old != nil {
		o := old.(*api.Node)
		if !reflect.DeepEqual(node.Spec.Taints, o.Spec.Taints) && (len(node.Spec.Taints) > 0 || len(o.Spec.Taints) > 0) {
			return fmt.Sprintf("node %q is not allowed to modify taints", nodeName)
		}
		oldLabels = o.Labels
	}
	forbidden := forbiddenLabels(node.Labels, oldLabels)
	if len(forbidden) == 0 {
		return ""
	}
	if old == nil {
		return fmt.Sprintf("node %q is not allowed to set the following labels: %s", nodeName, strings.Join(forbidden, ", "))
	}
	return "is not allowed to modify labels: " + strings.Join(forbidden, ", ")
}

// forbiddenLabels lists, sorted, the node-restriction labels that differ
// between a and b.
func forbiddenLabels(a, b map[string]string) []string {
	var out []string
	check := func(k string) {
		ns, _, ok := strings.Cut(k, "/")
		if !ok || (ns != labelNamespaceNodeRestriction && !strings.HasSuffix(ns, "."+labelNamespaceNodeRestriction)) {
			return
		}
		va, inA := a[k]
		vb, inB := b[k]
		if inA != inB || va != vb {
			out = append(out, k)
		}
	}
	for k := range a {
		check(k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			check(k)
		}
	}
	sort.Strings(out)
	return out
}
