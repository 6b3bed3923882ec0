package proxy

import (
	"net/netip"
	"sort"

	"minik8s/pkg/api"
)

// DefaultStickySeconds is sessionAffinity ClientIP's default timeout
// (Kubernetes' DefaultClientIPServiceAffinitySeconds: 3 hours).
const DefaultStickySeconds = 10800

// Traffic policy values.
const (
	TrafficPolicyLocal   = "Local"
	TrafficPolicyCluster = "Cluster"
)

// ServicePorts returns the ports kube-proxy proxies for svc: none for a
// headless Service (clusterIP None or unset), an ExternalName Service or a
// cluster IP that is not IPv4; external and load-balancer IPs that are not
// IPv4 are left out.
func ServicePorts(svc *api.Service) []ServicePort {
	if svc.Spec.Type == api.ServiceTypeExternalName || !isIPv4(svc.Spec.ClusterIP) {
		return nil
	}
	sticky := 0
	if svc.Spec.SessionAffinity == "ClientIP" {
		sticky = DefaultStickySeconds
		if c := svc.Spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil && *c.ClientIP.TimeoutSeconds > 0 {
			sticky = int(*c.ClientIP.TimeoutSeconds)
		}
	}
	external := svc.Spec.Type == api.ServiceTypeNodePort || svc.Spec.Type == api.ServiceTypeLoadBalancer
	var extIPs, lbIPs []string
	for _, ip := range svc.Spec.ExternalIPs {
		if isIPv4(ip) {
			extIPs = append(extIPs, ip)
		}
	}
	if svc.Spec.Type == api.ServiceTypeLoadBalancer {
		for _, in := range svc.Status.LoadBalancer.Ingress {
			if isIPv4(in.IP) {
				lbIPs = append(lbIPs, in.IP)
			}
		}
	}
	out := make([]ServicePort, 0, len(svc.Spec.Ports))
	for _, p := range svc.Spec.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = "TCP"
		}
		sp := ServicePort{
			Name:                ServicePortName{Namespace: svc.Namespace, Name: svc.Name, Port: p.Name, Protocol: proto},
			ClusterIP:           svc.Spec.ClusterIP,
			Port:                int(p.Port),
			ExternalIPs:         extIPs,
			LoadBalancerIPs:     lbIPs,
			StickySeconds:       sticky,
			ExternalPolicyLocal: external && svc.Spec.ExternalTrafficPolicy == TrafficPolicyLocal,
			InternalPolicyLocal: svc.Spec.InternalTrafficPolicy != nil && *svc.Spec.InternalTrafficPolicy == TrafficPolicyLocal,
		}
		if external {
			sp.NodePort = int(p.NodePort)
		}
		out = append(out, sp)
	}
	return out
}

// SortServicePorts orders ports by their name string and protocol, the
// order the rules are written in (so a payload is deterministic).
func SortServicePorts(ports []ServicePort) {
	keys := make([]string, len(ports))
	idx := make([]int, len(ports))
	for i := range ports {
		keys[i], idx[i] = ports[i].Name.String()+"\x00"+ports[i].Name.Protocol, i
	}
	sort.Slice(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	sorted := make([]ServicePort, len(ports))
	for i, j := range idx {
		sorted[i] = ports[j]
	}
	copy(ports, sorted)
}

func sortStrings(s []string) { sort.Strings(s) }

func isIPv4(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is4()
}
