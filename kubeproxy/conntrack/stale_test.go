package conntrack

import (
	"net/netip"
	"testing"

	"minik8s/kubeproxy/proxy"
)

func TestStale(t *testing.T) {
	dns := proxy.ServicePort{Name: proxy.ServicePortName{Namespace: "kube-system", Name: "kube-dns", Port: "dns", Protocol: "UDP"},
		ClusterIP: "10.96.0.10", Port: 53, ExternalIPs: []string{"192.168.50.10"}}
	np := proxy.ServicePort{Name: proxy.ServicePortName{Namespace: "default", Name: "udp-np", Protocol: "UDP"},
		ClusterIP: "10.96.0.20", Port: 5000, NodePort: 30500}
	empty := proxy.ServicePort{Name: proxy.ServicePortName{Namespace: "default", Name: "empty", Protocol: "UDP"},
		ClusterIP: "10.96.0.30", Port: 53}
	tcp := proxy.ServicePort{Name: proxy.ServicePortName{Namespace: "default", Name: "web", Protocol: "TCP"},
		ClusterIP: "10.96.0.40", Port: 80}
	ports := []proxy.ServicePort{dns, np, empty, tcp}
	eps := map[string][]proxy.Endpoint{
		proxy.PortKey(dns.Name): {
			{IP: "10.244.1.2", Port: 53, Ready: true, Serving: true},
			{IP: "10.244.1.3", Port: 53, Serving: true, Terminating: true}, // still serving: kept
			{IP: "10.244.1.4", Port: 53},                                   // not serving
		},
		proxy.PortKey(np.Name):  {{IP: "10.244.2.2", Port: 5000, Ready: true, Serving: true}},
		proxy.PortKey(tcp.Name): {{IP: "10.244.3.2", Port: 80, Ready: true, Serving: true}},
	}
	a := netip.MustParseAddr
	e := func(proto uint8, dst string, dport uint16, src string, sport uint16) Entry {
		return Entry{Proto: proto, OrigDst: a(dst), OrigDstPort: dport, ReplySrc: a(src), ReplySrcPort: sport}
	}
	for _, tc := range []struct {
		name  string
		entry Entry
		stale bool
	}{
		{"to a serving endpoint", e(ProtoUDP, "10.96.0.10", 53, "10.244.1.2", 53), false},
		{"to a serving terminating endpoint", e(ProtoUDP, "10.96.0.10", 53, "10.244.1.3", 53), false},
		{"to a removed endpoint", e(ProtoUDP, "10.96.0.10", 53, "10.244.9.9", 53), true},
		{"to a not-serving endpoint", e(ProtoUDP, "10.96.0.10", 53, "10.244.1.4", 53), true},
		{"to the right IP, wrong port", e(ProtoUDP, "10.96.0.10", 53, "10.244.1.2", 5353), true},
		{"never DNATed (made while there were no endpoints)", e(ProtoUDP, "10.96.0.10", 53, "10.96.0.10", 53), true},
		{"external IP to a removed endpoint", e(ProtoUDP, "192.168.50.10", 53, "10.244.9.9", 53), true},
		{"NodePort to a removed endpoint", e(ProtoUDP, "192.168.1.11", 30500, "10.244.9.9", 5000), true},
		{"NodePort to its endpoint", e(ProtoUDP, "192.168.1.11", 30500, "10.244.2.2", 5000), false},
		{"a Service without endpoints keeps its entries", e(ProtoUDP, "10.96.0.30", 53, "10.96.0.30", 53), false},
		{"TCP is never touched", e(ProtoTCP, "10.96.0.40", 80, "10.244.9.9", 80), false},
		{"UDP to a TCP Service's IP", e(ProtoUDP, "10.96.0.40", 80, "10.244.9.9", 80), false},
		{"unrelated UDP", e(ProtoUDP, "8.8.8.8", 53, "8.8.8.8", 53), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Stale([]Entry{tc.entry}, ports, eps)
			if (len(got) == 1) != tc.stale {
				t.Errorf("Stale = %v, want stale=%v", got, tc.stale)
			}
		})
	}
}
