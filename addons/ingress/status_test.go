package ingress

import (
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

func TestPublishAddresses(t *testing.T) {
	node := func(name string, addrs ...api.NodeAddress) *api.Node {
		return &api.Node{ObjectMeta: api.ObjectMeta{Name: name}, Status: api.NodeStatus{Addresses: addrs}}
	}
	nodes := map[string]*api.Node{
		"n1": node("n1", api.NodeAddress{Type: api.NodeInternalIP, Address: "192.168.1.20"}, api.NodeAddress{Type: api.NodeHostName, Address: "n1"}),
		"n2": node("n2", api.NodeAddress{Type: api.NodeInternalIP, Address: "192.168.1.3"}),
		"n3": node("n3", api.NodeAddress{Type: api.NodeInternalIP, Address: "192.168.1.100"}),
		"n4": node("n4", api.NodeAddress{Type: api.NodeHostName, Address: "n4"}),
	}
	lookup := func(n string) (*api.Node, bool) { nd, ok := nodes[n]; return nd, ok }
	pod := func(name, nodeName string, ready bool, deleting bool) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "kube-system"}, Spec: api.PodSpec{NodeName: nodeName}}
		st := api.ConditionFalse
		if ready {
			st = api.ConditionTrue
		}
		p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: st}}
		if deleting {
			now := api.Now()
			p.DeletionTimestamp = &now
		}
		return p
	}
	pods := []*api.Pod{
		pod("a", "n1", true, false),
		pod("b", "n2", true, false),
		pod("c", "n3", false, false),  // not ready
		pod("d", "n3", true, true),    // terminating
		pod("e", "", true, false),     // not scheduled
		pod("f", "n4", true, false),   // no InternalIP
		pod("g", "gone", true, false), // node unknown
		pod("h", "n1", true, false),   // second pod on n1: one address
	}
	got := PublishAddresses(pods, lookup)
	want := []api.IngressLoadBalancerIngress{{IP: "192.168.1.3"}, {IP: "192.168.1.20"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("= %v, want %v (numeric order)", got, want)
	}
	if statusDiffers(nil, []api.IngressLoadBalancerIngress{}) || !statusDiffers(want[:1], want) || statusDiffers(want, want) {
		t.Error("statusDiffers")
	}
}
