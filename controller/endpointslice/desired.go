package endpointslice

import (
	"fmt"
	"slices"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/controller"
	"minik8s/pkg/controller/endpointutil"
)

// LabelZone is the node label an endpoint's zone comes from.
const LabelZone = "topology.kubernetes.io/zone"

// portGroup is the endpoints that serve one set of resolved ports.
type portGroup struct {
	ports     []api.EndpointSlicePort
	endpoints []api.Endpoint
}

// portsKey identifies a set of slice ports regardless of their order.
func portsKey(ports []api.EndpointSlicePort) string {
	keys := make([]string, 0, len(ports))
	for _, p := range ports {
		keys = append(keys, fmt.Sprintf("%s/%s/%d/%s", deref(p.Name), deref(p.Protocol), derefInt(p.Port), deref(p.AppProtocol)))
	}
	slices.Sort(keys)
	return strings.Join(keys, ",")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefInt(i *int32) int32 {
	if i == nil {
		return 0
	}
	return *i
}

// Desired groups the endpoints of svc's pods by the ports they serve, as
// Kubernetes' reconciler does: every pod with an IP that is not finished
// (terminating ones included) becomes one endpoint in the group of the
// service ports its containers resolve (a pod resolving none is in the
// group without ports, as in Kubernetes); zoneOf gives a node's zone ("":
// none).
func Desired(svc *api.Service, pods []*api.Pod, zoneOf func(node string) string) map[string]*portGroup {
	out := map[string]*portGroup{}
	for _, p := range pods {
		if !endpointutil.ShouldPodBeInEndpoints(p, true) {
			continue
		}
		var ports []api.EndpointSlicePort
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			port, err := endpointutil.FindPort(p, sp)
			if err != nil {
				continue
			}
			name, proto := sp.Name, sp.Protocol
			if proto == "" {
				proto = "TCP"
			}
			ports = append(ports, api.EndpointSlicePort{Name: &name, Protocol: &proto, Port: &port, AppProtocol: sp.AppProtocol})
		}
		key := portsKey(ports)
		g := out[key]
		if g == nil {
			g = &portGroup{ports: ports}
			out[key] = g
		}
		g.endpoints = append(g.endpoints, endpointOf(svc, p, zoneOf))
	}
	return out
}

// endpointOf is Kubernetes' podToEndpoint.
func endpointOf(svc *api.Service, p *api.Pod, zoneOf func(string) string) api.Endpoint {
	serving := controller.IsPodReady(p)
	terminating := p.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || (serving && !terminating)
	ep := api.Endpoint{
		Addresses:  []string{endpointutil.PodIP(p)},
		Conditions: api.EndpointConditions{Ready: &ready, Serving: &serving, Terminating: &terminating},
		TargetRef:  &api.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID},
	}
	if n := p.Spec.NodeName; n != "" {
		ep.NodeName = &n
		if zoneOf != nil {
			if z := zoneOf(n); z != "" {
				ep.Zone = &z
			}
		}
	}
	if endpointutil.ShouldSetHostname(p, svc) {
		h := p.Spec.Hostname
		ep.Hostname = &h
	}
	return ep
}

// endpointKey identifies an endpoint across syncs (Kubernetes'
// hashEndpoint): its addresses, hostname and pod.
func endpointKey(ep *api.Endpoint) string {
	addrs := slices.Clone(ep.Addresses)
	slices.Sort(addrs)
	k := strings.Join(addrs, ",") + "|" + deref(ep.Hostname)
	if ep.TargetRef != nil {
		k += "|" + ep.TargetRef.Namespace + "/" + ep.TargetRef.Name
	}
	return k
}
