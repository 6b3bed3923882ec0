package proxy

import (
	"sort"

	"minik8s/pkg/api"
)

// EndpointsFor returns the endpoints of every port of one Service from its
// EndpointSlices, keyed by the ServicePortName's String() plus "/" and the
// protocol (see PortKey), as Kubernetes' endpointslicecache: an endpoint
// without addresses, or a slice that is not IPv4, is skipped; ready is
// true unless the condition says false, serving defaults to ready,
// terminating to false; an address listed twice (two slices during an
// update) counts once, the first slice by name winning; each list is
// sorted by "ip:port" so the rules do not change with the slices' order.
func EndpointsFor(namespace, service, nodeName string, slices []*api.EndpointSlice) map[string][]Endpoint {
	sorted := append([]*api.EndpointSlice(nil), slices...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	seen := map[string]map[string]bool{}
	out := map[string][]Endpoint{}
	for _, s := range sorted {
		if s.AddressType != api.AddressTypeIPv4 {
			continue
		}
		for _, p := range s.Ports {
			if p.Port == nil || *p.Port <= 0 {
				continue
			}
			name := ServicePortName{Namespace: namespace, Name: service, Protocol: "TCP"}
			if p.Name != nil {
				name.Port = *p.Name
			}
			if p.Protocol != nil && *p.Protocol != "" {
				name.Protocol = *p.Protocol
			}
			key := PortKey(name)
			if seen[key] == nil {
				seen[key] = map[string]bool{}
			}
			for _, e := range s.Endpoints {
				if len(e.Addresses) == 0 || !isIPv4(e.Addresses[0]) {
					continue
				}
				ready := e.Conditions.Ready == nil || *e.Conditions.Ready
				serving := ready
				if e.Conditions.Serving != nil {
					serving = *e.Conditions.Serving
				}
				ep := Endpoint{
					IP:          e.Addresses[0],
					Port:        int(*p.Port),
					Local:       e.NodeName != nil && *e.NodeName == nodeName && nodeName != "",
					Ready:       ready,
					Serving:     serving,
					Terminating: e.Conditions.Terminating != nil && *e.Conditions.Terminating,
				}
				if e.Hints != nil {
					for _, z := range e.Hints.ForZones {
						ep.ZoneHints = append(ep.ZoneHints, z.Name)
					}
				}
				if seen[key][ep.String()] {
					continue
				}
				seen[key][ep.String()] = true
				out[key] = append(out[key], ep)
			}
		}
	}
	for _, eps := range out {
		sortEndpoints(eps)
	}
	return out
}

// PortKey is the key of a service port's endpoints: "ns/name:port/PROTO".
func PortKey(n ServicePortName) string { return n.String() + "/" + n.Protocol }

// lessEndpoint orders by IP (numerically) then port.
func lessEndpoint(a, b Endpoint) bool {
	ai, _ := parseAddr(a.IP)
	bi, _ := parseAddr(b.IP)
	if c := ai.Compare(bi); c != 0 {
		return c < 0
	}
	return a.Port < b.Port
}
