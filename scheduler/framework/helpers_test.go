package framework

import (
	"minik8s/pkg/api"

	"k8s.io/apimachinery/pkg/api/resource"
)

func rl(cpu, mem string) api.ResourceList {
	out := api.ResourceList{}
	if cpu != "" {
		out["cpu"] = resource.MustParse(cpu)
	}
	if mem != "" {
		out["memory"] = resource.MustParse(mem)
	}
	return out
}

// node is a Ready node with allocatable cpu, memory and 110 pods.
func node(name, cpu, mem string, mods ...func(*api.Node)) *api.Node {
	a := rl(cpu, mem)
	a["pods"] = resource.MustParse("110")
	n := &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{}},
		Status: api.NodeStatus{Allocatable: a, Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}}}}
	for _, m := range mods {
		m(n)
	}
	return n
}

// pod requests cpu and memory in one container.
func pod(name, cpu, mem string, mods ...func(*api.Pod)) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Resources: api.ResourceRequirements{Requests: rl(cpu, mem)}}}}}
	for _, m := range mods {
		m(p)
	}
	return p
}

func ownedBy(uid string) func(*api.Pod) {
	return func(p *api.Pod) {
		t := true
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: uid, Controller: &t}}
	}
}

func hostPort(port int32, ip string) func(*api.Pod) {
	return func(p *api.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, api.ContainerPort{ContainerPort: 80, HostPort: port, HostIP: ip})
	}
}

func resourceQ(s string) api.Quantity { return resource.MustParse(s) }
