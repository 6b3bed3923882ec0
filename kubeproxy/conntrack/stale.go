package conntrack

import (
	"net/netip"

	"minik8s/kubeproxy/proxy"
)

// Protocol numbers.
const (
	ProtoTCP = 6
	ProtoUDP = 17
)

// Entry is the part of a conntrack entry the cleanup looks at.
type Entry struct {
	Proto uint8
	// OrigDst:OrigDstPort is where the client sent to (a Service IP and
	// port, or a node address and NodePort).
	OrigDst     netip.Addr
	OrigDstPort uint16
	// ReplySrc:ReplySrcPort is who answers (the endpoint, after DNAT).
	ReplySrc     netip.Addr
	ReplySrcPort uint16
}

// Stale returns the UDP entries that go to a UDP service port's cluster
// IP, external IP, load-balancer IP or NodePort but are answered by no
// serving endpoint of it. A port without serving endpoints keeps its
// entries (there is nothing better to send them to; the REJECT rule
// handles new flows). Traffic policies, topology and termination are not
// looked at, as in Kubernetes: a change of those does not break existing
// flows.
func Stale(entries []Entry, ports []proxy.ServicePort, endpoints map[string][]proxy.Endpoint) []Entry {
	byIPPort := map[netip.AddrPort]map[netip.AddrPort]bool{}
	byNodePort := map[uint16]map[netip.AddrPort]bool{}
	for i := range ports {
		sp := &ports[i]
		if sp.Name.Protocol != "UDP" {
			continue
		}
		serving := map[netip.AddrPort]bool{}
		for _, e := range endpoints[proxy.PortKey(sp.Name)] {
			if a, err := netip.ParseAddr(e.IP); err == nil && e.Serving {
				serving[netip.AddrPortFrom(a, uint16(e.Port))] = true
			}
		}
		if len(serving) == 0 {
			continue
		}
		for _, ip := range append(append([]string{sp.ClusterIP}, sp.ExternalIPs...), sp.LoadBalancerIPs...) {
			if a, err := netip.ParseAddr(ip); err == nil {
				byIPPort[netip.AddrPortFrom(a, uint16(sp.Port))] = serving
			}
		}
		if sp.NodePort != 0 {
			byNodePort[uint16(sp.NodePort)] = serving
		}
	}
	var out []Entry
	for _, e := range entries {
		if e.Proto != ProtoUDP {
			continue
		}
		reply := netip.AddrPortFrom(e.ReplySrc, e.ReplySrcPort)
		if s, ok := byIPPort[netip.AddrPortFrom(e.OrigDst, e.OrigDstPort)]; ok && !s[reply] {
			out = append(out, e)
			continue
		}
		if s, ok := byNodePort[e.OrigDstPort]; ok && !s[reply] {
			out = append(out, e)
		}
	}
	return out
}
