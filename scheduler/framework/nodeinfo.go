package framework

import "minik8s/pkg/api"

// Defaults kube-scheduler assumes for containers without requests when it
// scores (not when it filters): 0.1 CPU and 200 MiB.
const (
	DefaultMilliCPURequest int64 = 100
	DefaultMemoryRequest   int64 = 200 * 1024 * 1024
)

// Resource is an amount of the resources the scheduler accounts.
type Resource struct {
	MilliCPU int64
	Memory   int64
	Pods     int64
}

// Add adds r2 to r.
func (r *Resource) Add(r2 Resource) {
	r.MilliCPU += r2.MilliCPU
	r.Memory += r2.Memory
	r.Pods += r2.Pods
}

// Sub subtracts r2 from r.
func (r *Resource) Sub(r2 Resource) {
	r.MilliCPU -= r2.MilliCPU
	r.Memory -= r2.Memory
	r.Pods -= r2.Pods
}

// PodRequests is what a pod asks for, as Kubernetes computes it: the sum
// of its containers' requests, at least the largest init container's, and
// one pod slot. nonZero applies the scoring defaults to containers that
// request no cpu or memory.
func PodRequests(pod *api.Pod, nonZero bool) Resource {
	var sum Resource
	for i := range pod.Spec.Containers {
		c, m := containerRequests(&pod.Spec.Containers[i], nonZero)
		sum.MilliCPU += c
		sum.Memory += m
	}
	for i := range pod.Spec.InitContainers {
		c, m := containerRequests(&pod.Spec.InitContainers[i], nonZero)
		sum.MilliCPU = max(sum.MilliCPU, c)
		sum.Memory = max(sum.Memory, m)
	}
	sum.Pods = 1
	return sum
}

func containerRequests(c *api.Container, nonZero bool) (milliCPU, memory int64) {
	if q, ok := c.Resources.Requests["cpu"]; ok {
		milliCPU = q.MilliValue()
	} else if nonZero {
		milliCPU = DefaultMilliCPURequest
	}
	if q, ok := c.Resources.Requests["memory"]; ok {
		memory = q.Value()
	} else if nonZero {
		memory = DefaultMemoryRequest
	}
	return milliCPU, memory
}

// Allocatable is a node's allocatable cpu, memory and pods (capacity when
// allocatable is not reported).
func Allocatable(n *api.Node) Resource {
	list := n.Status.Allocatable
	if len(list) == 0 {
		list = n.Status.Capacity
	}
	var r Resource
	if q, ok := list["cpu"]; ok {
		r.MilliCPU = q.MilliValue()
	}
	if q, ok := list["memory"]; ok {
		r.Memory = q.Value()
	}
	if q, ok := list["pods"]; ok {
		r.Pods = q.Value()
	}
	return r
}

// HostPort is a port a pod binds on its node.
type HostPort struct {
	IP       string // "" or 0.0.0.0: every address
	Protocol string
	Port     int32
}

// PodHostPorts lists the host ports a pod's containers ask for.
func PodHostPorts(pod *api.Pod) []HostPort {
	var out []HostPort
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort <= 0 {
				continue
			}
			proto := p.Protocol
			if proto == "" {
				proto = "TCP"
			}
			ip := p.HostIP
			if ip == "0.0.0.0" {
				ip = ""
			}
			out = append(out, HostPort{IP: ip, Protocol: proto, Port: p.HostPort})
		}
	}
	return out
}

// Conflicts reports whether two host ports cannot both be bound: same
// protocol and port, and the same address or either on every address.
func (a HostPort) Conflicts(b HostPort) bool {
	return a.Port == b.Port && a.Protocol == b.Protocol && (a.IP == "" || b.IP == "" || a.IP == b.IP)
}

// PodInfo is a pod with what the plugins ask of it computed once per
// scheduling attempt.
type PodInfo struct {
	*api.Pod
	Requests        Resource // for filtering
	NonZeroRequests Resource // for scoring
	HostPorts       []HostPort
	ControllerUID   string
}

// NewPodInfo computes a pod's requests, host ports and owner.
func NewPodInfo(p *api.Pod) *PodInfo {
	return &PodInfo{Pod: p, Requests: PodRequests(p, false), NonZeroRequests: PodRequests(p, true),
		HostPorts: PodHostPorts(p), ControllerUID: ControllerUID(p)}
}

// NodeInfo is a node with the pods bound (or assumed bound) to it.
type NodeInfo struct {
	Node *api.Node
	// Allocatable is Allocatable(Node), kept by SetNode.
	Allocatable Resource
	Pods        []*api.Pod
	// Requested is the sum of the pods' requests; NonZeroRequested the
	// same with the scoring defaults.
	Requested        Resource
	NonZeroRequested Resource
	UsedPorts        []HostPort
}

// NewNodeInfo returns the info of node with pods on it.
func NewNodeInfo(node *api.Node, pods ...*api.Pod) *NodeInfo {
	ni := &NodeInfo{}
	ni.SetNode(node)
	for _, p := range pods {
		ni.AddPod(p)
	}
	return ni
}

// SetNode sets (or replaces) the node.
func (ni *NodeInfo) SetNode(n *api.Node) {
	ni.Node = n
	if n != nil {
		ni.Allocatable = Allocatable(n)
	}
}

// Name is the node's name.
func (ni *NodeInfo) Name() string { return ni.Node.Name }

// AddPod accounts pod on the node.
func (ni *NodeInfo) AddPod(p *api.Pod) {
	ni.Pods = append(ni.Pods, p)
	ni.Requested.Add(PodRequests(p, false))
	ni.NonZeroRequested.Add(PodRequests(p, true))
	ni.UsedPorts = append(ni.UsedPorts, PodHostPorts(p)...)
}

// RemovePod removes the pod with p's namespace and name; it reports
// whether it was there.
func (ni *NodeInfo) RemovePod(p *api.Pod) bool {
	for i, q := range ni.Pods {
		if q.Namespace == p.Namespace && q.Name == p.Name {
			ni.Pods = append(ni.Pods[:i], ni.Pods[i+1:]...)
			ni.Requested.Sub(PodRequests(q, false))
			ni.NonZeroRequested.Sub(PodRequests(q, true))
			ni.UsedPorts = nil
			for _, r := range ni.Pods {
				ni.UsedPorts = append(ni.UsedPorts, PodHostPorts(r)...)
			}
			return true
		}
	}
	return false
}

// ControllerUID is the UID of a pod's controlling owner ("" if none).
func ControllerUID(p *api.Pod) string {
	for _, o := range p.OwnerReferences {
		if o.Controller != nil && *o.Controller {
			return o.UID
		}
	}
	return ""
}
