package dns

import (
	"net/netip"

	"minik8s/pkg/api"
)

// IngressHosts turns Ingresses into the hosts the DNS answers: every
// rule's host with the addresses the ingress controller wrote into the
// Ingress's status.loadBalancer.ingress[].ip (the nodes that run it).
// Ingresses with no address yet, and rules with no host, give nothing.
// Kubernetes leaves these names to an external DNS; minik8s answers them
// so that pods and nodes using the cluster DNS reach an Ingress by name.
func IngressHosts(ings []*api.Ingress) []IngressHost {
	var out []IngressHost
	for _, ing := range ings {
		var addrs []netip.Addr
		for _, lb := range ing.Status.LoadBalancer.Ingress {
			if a, err := netip.ParseAddr(lb.IP); err == nil {
				addrs = append(addrs, a.Unmap())
			}
		}
		if len(addrs) == 0 {
			continue
		}
		for _, r := range ing.Spec.Rules {
			if r.Host != "" {
				out = append(out, IngressHost{Host: r.Host, Addrs: addrs})
			}
		}
	}
	return out
}
