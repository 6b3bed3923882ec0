package daemonset

import (
	"testing"

	"minik8s/pkg/api"
)

func testDS(mod ...func(*api.DaemonSet)) *api.DaemonSet {
	ds := &api.DaemonSet{
		ObjectMeta: api.ObjectMeta{Name: "ds", Namespace: "default", UID: "ds-uid", Generation: 1},
		Spec: api.DaemonSetSpec{
			Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "d"}},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "d"}},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "img:1"}}}},
			UpdateStrategy: api.DaemonSetUpdateStrategy{Type: api.RollingUpdateDaemonSetStrategyType},
		},
	}
	for _, m := range mod {
		m(ds)
	}
	return ds
}

func testNode(name string, mod ...func(*api.Node)) *api.Node {
	n := &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}}}
	for _, m := range mod {
		m(n)
	}
	return n
}

func taint(key, effect string) func(*api.Node) {
	return func(n *api.Node) { n.Spec.Taints = append(n.Spec.Taints, api.Taint{Key: key, Effect: effect}) }
}

// Cases after Kubernetes' TestNodeShouldRunDaemonPod and the taint tests
// of daemon_controller_test.go.
func TestNodeShouldRunDaemonPod(t *testing.T) {
	tests := []struct {
		name               string
		ds                 *api.DaemonSet
		node               *api.Node
		run, continueToRun bool
	}{
		{"plain node", testDS(), testNode("n1"), true, true},
		{"nodeSelector matches", testDS(func(d *api.DaemonSet) { d.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"} }),
			testNode("n1", func(n *api.Node) { n.Labels["disk"] = "ssd" }), true, true},
		{"nodeSelector does not match", testDS(func(d *api.DaemonSet) { d.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"} }),
			testNode("n1"), false, false},
		{"template nodeName other node", testDS(func(d *api.DaemonSet) { d.Spec.Template.Spec.NodeName = "n2" }), testNode("n1"), false, false},
		{"template nodeName this node", testDS(func(d *api.DaemonSet) { d.Spec.Template.Spec.NodeName = "n1" }), testNode("n1"), true, true},
		{"required affinity matches", testDS(func(d *api.DaemonSet) {
			d.Spec.Template.Spec.Affinity = &api.Affinity{NodeAffinity: &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{
				NodeSelectorTerms: []api.NodeSelectorTerm{{MatchExpressions: []api.NodeSelectorRequirement{{Key: "kubernetes.io/hostname", Operator: "In", Values: []string{"n1"}}}}}}}}
		}), testNode("n1"), true, true},
		{"required affinity does not match", testDS(func(d *api.DaemonSet) {
			d.Spec.Template.Spec.Affinity = &api.Affinity{NodeAffinity: &api.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{
				NodeSelectorTerms: []api.NodeSelectorTerm{{MatchFields: []api.NodeSelectorRequirement{{Key: "metadata.name", Operator: "In", Values: []string{"n2"}}}}}}}}
		}), testNode("n1"), false, false},
		{"NoSchedule taint not tolerated: keeps a running pod", testDS(), testNode("n1", taint("dedicated", "NoSchedule")), false, true},
		{"NoExecute taint not tolerated", testDS(), testNode("n1", taint("dedicated", "NoExecute")), false, false},
		{"PreferNoSchedule taint ignored", testDS(), testNode("n1", taint("dedicated", "PreferNoSchedule")), true, true},
		{"tolerated taint", testDS(func(d *api.DaemonSet) {
			d.Spec.Template.Spec.Tolerations = []api.Toleration{{Key: "dedicated", Operator: "Exists"}}
		}), testNode("n1", taint("dedicated", "NoExecute")), true, true},
		{"control-plane toleration", testDS(func(d *api.DaemonSet) {
			d.Spec.Template.Spec.Tolerations = []api.Toleration{{Key: "node-role.kubernetes.io/control-plane", Operator: "Exists", Effect: "NoSchedule"}}
		}), testNode("n1", taint("node-role.kubernetes.io/control-plane", "NoSchedule")), true, true},
		{"not-ready NoExecute tolerated by every daemon pod", testDS(), testNode("n1", taint(TaintNodeNotReady, "NoExecute")), true, true},
		{"unreachable NoExecute tolerated", testDS(), testNode("n1", taint(TaintNodeUnreachable, "NoExecute")), true, true},
		{"not-ready NoSchedule not tolerated", testDS(), testNode("n1", taint(TaintNodeNotReady, "NoSchedule")), false, true},
		{"disk pressure tolerated", testDS(), testNode("n1", taint(TaintNodeDiskPressure, "NoSchedule")), true, true},
		{"memory pressure tolerated", testDS(), testNode("n1", taint(TaintNodeMemoryPressure, "NoSchedule")), true, true},
		{"pid pressure tolerated", testDS(), testNode("n1", taint(TaintNodePIDPressure, "NoSchedule")), true, true},
		{"unschedulable tolerated", testDS(), testNode("n1", taint(TaintNodeUnschedulable, "NoSchedule"), func(n *api.Node) { n.Spec.Unschedulable = true }), true, true},
		{"network unavailable: not for pod network", testDS(), testNode("n1", taint(TaintNodeNetworkUnavailable, "NoSchedule")), false, true},
		{"network unavailable: hostNetwork tolerates", testDS(func(d *api.DaemonSet) { d.Spec.Template.Spec.HostNetwork = true }),
			testNode("n1", taint(TaintNodeNetworkUnavailable, "NoSchedule")), true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run, cont := NodeShouldRunDaemonPod(tc.node, tc.ds)
			if run != tc.run || cont != tc.continueToRun {
				t.Errorf("got (%v, %v), want (%v, %v)", run, cont, tc.run, tc.continueToRun)
			}
		})
	}
}

func TestAddDaemonPodTolerations(t *testing.T) {
	spec := api.PodSpec{Tolerations: []api.Toleration{{Key: TaintNodeNotReady, Operator: "Exists", Effect: "NoExecute", TolerationSeconds: ptr(int64(300))}}}
	AddDaemonPodTolerations(&spec)
	if len(spec.Tolerations) != 6 {
		t.Fatalf("tolerations %+v", spec.Tolerations)
	}
	if spec.Tolerations[0].TolerationSeconds != nil {
		t.Errorf("not-ready toleration keeps a time limit: %+v", spec.Tolerations[0])
	}
	AddDaemonPodTolerations(&spec)
	if len(spec.Tolerations) != 6 {
		t.Errorf("not idempotent: %+v", spec.Tolerations)
	}
	hn := api.PodSpec{HostNetwork: true}
	AddDaemonPodTolerations(&hn)
	if len(hn.Tolerations) != 7 || hn.Tolerations[6].Key != TaintNodeNetworkUnavailable {
		t.Errorf("hostNetwork tolerations %+v", hn.Tolerations)
	}
}

func ptr[T any](v T) *T { return &v }

func TestNodeNameAffinity(t *testing.T) {
	a := ReplaceNodeNameAffinity(&api.Affinity{NodeAffinity: &api.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{NodeSelectorTerms: []api.NodeSelectorTerm{{
			MatchExpressions: []api.NodeSelectorRequirement{{Key: "disk", Operator: "Exists"}}}}},
		PreferredDuringSchedulingIgnoredDuringExecution: []api.PreferredSchedulingTerm{{Weight: 1}},
	}}, "n1")
	terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) != 1 || len(terms[0].MatchFields) != 1 || terms[0].MatchFields[0].Values[0] != "n1" || len(terms[0].MatchExpressions) != 0 {
		t.Errorf("required terms %+v", terms)
	}
	if len(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) != 1 {
		t.Error("preferred terms dropped")
	}
	p := &api.Pod{Spec: api.PodSpec{Affinity: a}}
	if n, ok := TargetNodeName(p); !ok || n != "n1" {
		t.Errorf("TargetNodeName = %q %v", n, ok)
	}
	p.Spec.NodeName = "n2"
	if n, _ := TargetNodeName(p); n != "n2" {
		t.Errorf("bound pod: TargetNodeName = %q", n)
	}
	if !api.MatchesNodeSelectorAndAffinity(&api.PodSpec{Affinity: ReplaceNodeNameAffinity(nil, "n1")}, testNode("n1")) ||
		api.MatchesNodeSelectorAndAffinity(&api.PodSpec{Affinity: ReplaceNodeNameAffinity(nil, "n1")}, testNode("n2")) {
		t.Error("the metadata.name affinity does not select exactly its node")
	}
}
