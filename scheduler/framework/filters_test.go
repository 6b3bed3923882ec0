package framework

import (
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

func TestFilters(t *testing.T) {
	notReady := func(n *api.Node) { n.Status.Conditions[0].Status = api.ConditionFalse }
	cordoned := func(n *api.Node) { n.Spec.Unschedulable = true }
	taint := func(key, value, effect string) func(*api.Node) {
		return func(n *api.Node) {
			n.Spec.Taints = append(n.Spec.Taints, api.Taint{Key: key, Value: value, Effect: effect})
		}
	}
	label := func(k, v string) func(*api.Node) { return func(n *api.Node) { n.Labels[k] = v } }
	tolerate := func(tol api.Toleration) func(*api.Pod) {
		return func(p *api.Pod) { p.Spec.Tolerations = append(p.Spec.Tolerations, tol) }
	}
	selector := func(k, v string) func(*api.Pod) {
		return func(p *api.Pod) { p.Spec.NodeSelector = map[string]string{k: v} }
	}
	required := func(terms ...api.NodeSelectorTerm) func(*api.Pod) {
		return func(p *api.Pod) {
			p.Spec.Affinity = &api.Affinity{NodeAffinity: &api.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &api.NodeSelector{NodeSelectorTerms: terms}}}
		}
	}
	expr := func(key, op string, values ...string) api.NodeSelectorTerm {
		return api.NodeSelectorTerm{MatchExpressions: []api.NodeSelectorRequirement{{Key: key, Operator: op, Values: values}}}
	}
	tests := []struct {
		name     string
		pod      *api.Pod
		node     *api.Node
		existing []*api.Pod
		want     []string
	}{
		{"fits", pod("p", "500m", "1Gi"), node("n", "1", "2Gi"), nil, nil},
		{"no requests fit a full node", pod("p", "", ""), node("n", "1", "1Gi"), []*api.Pod{pod("a", "1", "1Gi")}, nil},
		{"insufficient cpu", pod("p", "600m", ""), node("n", "1", "2Gi"), []*api.Pod{pod("a", "500m", "")}, []string{ReasonInsufficientCPU}},
		{"exactly full cpu fits", pod("p", "500m", ""), node("n", "1", "2Gi"), []*api.Pod{pod("a", "500m", "")}, nil},
		{"insufficient cpu and memory", pod("p", "2", "3Gi"), node("n", "1", "2Gi"), nil, []string{ReasonInsufficientCPU, ReasonInsufficientMem}},
		{"too many pods", pod("p", "", ""), node("n", "1", "2Gi", func(n *api.Node) { n.Status.Allocatable["pods"] = resourceQ("1") }), []*api.Pod{pod("a", "", "")}, []string{ReasonTooManyPods}},
		{"capacity when no allocatable", pod("p", "2", ""), node("n", "", "", func(n *api.Node) {
			n.Status.Capacity, n.Status.Allocatable = n.Status.Allocatable, nil
			n.Status.Capacity["cpu"] = resourceQ("1")
		}), nil, []string{ReasonInsufficientCPU}},
		{"init container larger than the sum", pod("p", "100m", "", func(p *api.Pod) {
			p.Spec.InitContainers = []api.Container{{Name: "i", Resources: api.ResourceRequirements{Requests: rl("2", "")}}}
		}), node("n", "1", "1Gi"), nil, []string{ReasonInsufficientCPU}},
		{"not ready", pod("p", "", ""), node("n", "1", "1Gi", notReady), nil, []string{"node(s) had untolerated taint {node.kubernetes.io/not-ready: }"}},
		{"not ready tolerated", pod("p", "", "", tolerate(api.Toleration{Key: TaintNodeNotReady, Operator: "Exists", Effect: "NoSchedule"})), node("n", "1", "1Gi", notReady), nil, nil},
		{"cordoned", pod("p", "", ""), node("n", "1", "1Gi", cordoned), nil, []string{ReasonUnschedulable}},
		{"cordoned tolerated", pod("p", "", "", tolerate(api.Toleration{Key: TaintNodeUnschedulable, Operator: "Exists"})), node("n", "1", "1Gi", cordoned), nil, nil},
		{"cordoned is checked before resources", pod("p", "4", ""), node("n", "1", "1Gi", cordoned), nil, []string{ReasonUnschedulable}},
		{"untolerated NoSchedule taint", pod("p", "", ""), node("n", "1", "1Gi", taint("dedicated", "gpu", "NoSchedule")), nil, []string{"node(s) had untolerated taint {dedicated: gpu}"}},
		{"NoExecute taint", pod("p", "", ""), node("n", "1", "1Gi", taint("k", "", "NoExecute")), nil, []string{"node(s) had untolerated taint {k: }"}},
		{"PreferNoSchedule does not filter", pod("p", "", ""), node("n", "1", "1Gi", taint("k", "v", "PreferNoSchedule")), nil, nil},
		{"Equal toleration", pod("p", "", "", tolerate(api.Toleration{Key: "dedicated", Value: "gpu", Effect: "NoSchedule"})), node("n", "1", "1Gi", taint("dedicated", "gpu", "NoSchedule")), nil, nil},
		{"Equal toleration wrong value", pod("p", "", "", tolerate(api.Toleration{Key: "dedicated", Value: "cpu"})), node("n", "1", "1Gi", taint("dedicated", "gpu", "NoSchedule")), nil, []string{"node(s) had untolerated taint {dedicated: gpu}"}},
		{"Exists without key tolerates all", pod("p", "", "", tolerate(api.Toleration{Operator: "Exists"})), node("n", "1", "1Gi", taint("a", "b", "NoSchedule"), taint("c", "", "NoExecute")), nil, nil},
		{"toleration for another effect", pod("p", "", "", tolerate(api.Toleration{Key: "a", Operator: "Exists", Effect: "NoExecute"})), node("n", "1", "1Gi", taint("a", "b", "NoSchedule")), nil, []string{"node(s) had untolerated taint {a: b}"}},
		{"nodeSelector matches", pod("p", "", "", selector("disk", "ssd")), node("n", "1", "1Gi", label("disk", "ssd")), nil, nil},
		{"nodeSelector mismatch", pod("p", "", "", selector("disk", "ssd")), node("n", "1", "1Gi", label("disk", "hdd")), nil, []string{ReasonNodeAffinity}},
		{"affinity In", pod("p", "", "", required(expr("zone", "In", "a", "b"))), node("n", "1", "1Gi", label("zone", "b")), nil, nil},
		{"affinity NotIn", pod("p", "", "", required(expr("zone", "NotIn", "b"))), node("n", "1", "1Gi", label("zone", "b")), nil, []string{ReasonNodeAffinity}},
		{"affinity NotIn absent label", pod("p", "", "", required(expr("zone", "NotIn", "b"))), node("n", "1", "1Gi"), nil, nil},
		{"affinity DoesNotExist", pod("p", "", "", required(expr("zone", "DoesNotExist"))), node("n", "1", "1Gi", label("zone", "a")), nil, []string{ReasonNodeAffinity}},
		{"affinity Gt", pod("p", "", "", required(expr("cores", "Gt", "4"))), node("n", "1", "1Gi", label("cores", "8")), nil, nil},
		{"affinity Lt", pod("p", "", "", required(expr("cores", "Lt", "4"))), node("n", "1", "1Gi", label("cores", "8")), nil, []string{ReasonNodeAffinity}},
		{"affinity terms are ORed", pod("p", "", "", required(expr("zone", "In", "x"), expr("disk", "Exists"))), node("n", "1", "1Gi", label("disk", "ssd")), nil, nil},
		{"affinity empty term matches nothing", pod("p", "", "", required(api.NodeSelectorTerm{})), node("n", "1", "1Gi"), nil, []string{ReasonNodeAffinity}},
		{"affinity matchFields name", pod("p", "", "", required(api.NodeSelectorTerm{MatchFields: []api.NodeSelectorRequirement{{Key: "metadata.name", Operator: "In", Values: []string{"n"}}}})), node("n", "1", "1Gi"), nil, nil},
		{"host port conflict", pod("p", "", "", hostPort(8080, "")), node("n", "1", "1Gi"), []*api.Pod{pod("a", "", "", hostPort(8080, "10.0.0.1"))}, []string{ReasonNodePorts}},
		{"host port different ips", pod("p", "", "", hostPort(8080, "10.0.0.2")), node("n", "1", "1Gi"), []*api.Pod{pod("a", "", "", hostPort(8080, "10.0.0.1"))}, nil},
		{"host port other port", pod("p", "", "", hostPort(8081, "")), node("n", "1", "1Gi"), []*api.Pod{pod("a", "", "", hostPort(8080, ""))}, nil},
		{"nodeName mismatch", pod("p", "", "", func(p *api.Pod) { p.Spec.NodeName = "other" }), node("n", "1", "1Gi"), nil, []string{ReasonNodeNameMismatch}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RunFilters(DefaultFilters, NewPodInfo(tt.pod), NewNodeInfo(tt.node, tt.existing...))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNodeInfoRemovePod(t *testing.T) {
	ni := NewNodeInfo(node("n", "2", "2Gi"), pod("a", "500m", "1Gi", hostPort(80, "")), pod("b", "1", "", hostPort(81, "")))
	if !ni.RemovePod(pod("a", "", "")) {
		t.Fatal("a not removed")
	}
	if ni.Requested != (Resource{MilliCPU: 1000, Pods: 1}) {
		t.Errorf("requested = %+v", ni.Requested)
	}
	if len(ni.UsedPorts) != 1 || ni.UsedPorts[0].Port != 81 {
		t.Errorf("ports = %+v", ni.UsedPorts)
	}
	if ni.RemovePod(pod("a", "", "")) {
		t.Error("removed twice")
	}
}
