package ingress

import (
	"net"
	"sort"
	"strconv"

	"minik8s/pkg/api"
)

// ResolveTargets returns the "ip:port" of every ready endpoint of the
// Service port a backend names, as kube-proxy would pick them: the Service
// port is found by number or name, the EndpointSlice port by that Service
// port's name (which resolves a named targetPort per endpoint slice), and
// only endpoints whose ready condition is not false count. reason says why
// there is none.
func ResolveTargets(svc *api.Service, slices []*api.EndpointSlice, port api.ServiceBackendPort) (targets []string, reason string) {
	if svc == nil {
		return nil, "service not found"
	}
	var sp *api.ServicePort
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if (port.Name != "" && p.Name == port.Name) || (port.Name == "" && p.Port == port.Number) {
			sp = p
			break
		}
	}
	if sp == nil {
		return nil, "service has no such port"
	}
	if sp.Protocol != "" && sp.Protocol != "TCP" {
		return nil, "service port is not TCP"
	}
	seen := map[string]bool{}
	for _, s := range slices {
		if s.AddressType != "" && s.AddressType != api.AddressTypeIPv4 && s.AddressType != api.AddressTypeIPv6 {
			continue
		}
		var num int32
		for _, p := range s.Ports {
			name := ""
			if p.Name != nil {
				name = *p.Name
			}
			if name == sp.Name && p.Port != nil && (p.Protocol == nil || *p.Protocol == "TCP") {
				num = *p.Port
				break
			}
		}
		if num == 0 {
			continue
		}
		ps := strconv.Itoa(int(num))
		for _, ep := range s.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				t := net.JoinHostPort(a, ps)
				if !seen[t] {
					seen[t] = true
					targets = append(targets, t)
				}
			}
		}
	}
	if len(targets) == 0 {
		return nil, "no ready endpoints"
	}
	sort.Strings(targets)
	return targets, ""
}
