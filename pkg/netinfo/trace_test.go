package netinfo

import (
	"os"
	"strings"
	"testing"
)

// twoNodes is a vxlan cluster as the kubelets report it: node1
// (192.168.77.11, pods 10.244.0.0/24) and node2 (192.168.77.12,
// 10.244.1.0/24), both with the lab's captured rules (kube-dns endpoints
// 10.244.0.16 on node1 and 10.244.1.15 on node2).
func twoNodes(t *testing.T, hostGW bool) Cluster {
	t.Helper()
	save, err := os.ReadFile("testdata/lab-node1.save")
	if err != nil {
		t.Fatal(err)
	}
	node := func(name string, i int, peerMAC string) *Node {
		o := map[int]string{1: "0", 2: "1"}[i]
		p := map[int]string{1: "1", 2: "0"}[i]
		ip := "192.168.77.1" + map[int]string{1: "1", 2: "2"}[i]
		peerIP := "192.168.77.1" + map[int]string{1: "2", 2: "1"}[i]
		n := &Node{Node: name, Backend: "vxlan", Netfilter: Netfilter{Backend: "legacy", Save: string(save)},
			Links: []Link{
				{Index: 1, Name: "lo", Kind: "loopback", Addresses: []string{"127.0.0.1/8"}},
				{Index: 2, Name: "eth0", Kind: "veth", PeerIndex: 134, Addresses: []string{ip + "/24"}, Counters: Counters{TxPackets: 100, RxPackets: 100}},
				{Index: 3, Name: "flannel.1", Kind: "vxlan", MAC: "ba:81:c0:d3:ff:7" + o, Addresses: []string{"10.244." + o + ".0/32"},
					VXLAN: &VXLAN{VNI: 1, Local: ip, Port: 8472, Device: "eth0", DeviceIdx: 2}, Counters: Counters{TxPackets: 10, RxPackets: 10}},
				{Index: 4, Name: "cni0", Kind: "bridge", Addresses: []string{"10.244." + o + ".1/24"}, Counters: Counters{TxPackets: 20, RxPackets: 20}},
				{Index: 5, Name: "vetha" + o, Kind: "veth", PeerIndex: 2, MasterIndex: 4, Master: "cni0", Counters: Counters{TxPackets: 30, RxPackets: 30}},
				{Index: 6, Name: "vethb" + o, Kind: "veth", PeerIndex: 2, MasterIndex: 4, Master: "cni0", Counters: Counters{TxPackets: 40, RxPackets: 40}},
			},
			Routes: []Route{
				{Dst: "10.244." + o + ".0/24", Dev: "cni0", Src: "10.244." + o + ".1", Table: TableMain, Type: "unicast", Scope: "link"},
				{Dst: "10.244." + p + ".0/24", Gateway: "10.244." + p + ".0", Dev: "flannel.1", Table: TableMain, Type: "unicast", Onlink: true},
				{Dst: "192.168.77.0/24", Dev: "eth0", Src: ip, Table: TableMain, Type: "unicast", Scope: "link"},
				{Dst: "10.96.0.0/12", Dev: "eth0", Table: TableMain, Type: "unicast", Scope: "link"},
				{Dst: ip + "/32", Dev: "eth0", Table: TableLocal, Type: "local"},
				{Dst: "10.244." + o + ".1/32", Dev: "cni0", Table: TableLocal, Type: "local"},
			},
			Neighbors: []Neighbor{{IP: "10.244." + p + ".0", MAC: peerMAC, Dev: "flannel.1", State: "permanent"}},
			FDB:       []FDBEntry{{MAC: peerMAC, Dev: "flannel.1", Dst: peerIP}},
		}
		if hostGW {
			n.Routes[1] = Route{Dst: "10.244." + p + ".0/24", Gateway: peerIP, Dev: "eth0", Table: TableMain, Type: "unicast"}
		}
		pod := func(ns, name, ip string, peer int) Pod {
			return Pod{Namespace: ns, Name: name, IP: ip, NetNS: "/proc/1/ns/net",
				Links: []Link{{Index: 1, Name: "lo", Kind: "loopback"}, {Index: 2, Name: "eth0", Kind: "veth", PeerIndex: peer, Addresses: []string{ip + "/24"}, Counters: Counters{TxPackets: 5, RxPackets: 5}}},
				Routes: []Route{
					{Dst: "0.0.0.0/0", Gateway: "10.244." + o + ".1", Dev: "eth0", Table: TableMain, Type: "unicast"},
					{Dst: "10.244." + o + ".0/24", Dev: "eth0", Table: TableMain, Type: "unicast", Scope: "link"},
				}}
		}
		if i == 1 {
			n.Pods = []Pod{pod("default", "client", "10.244.0.5", 5), pod("kube-system", "dns-a", "10.244.0.16", 6)}
		} else {
			n.Pods = []Pod{pod("kube-system", "dns-b", "10.244.1.15", 5)}
		}
		return n
	}
	return Cluster{
		Nodes:   map[string]*Node{"node1": node("node1", 1, "ba:81:c0:d3:ff:71"), "node2": node("node2", 2, "ba:81:c0:d3:ff:70")},
		NodeIPs: map[string]string{"node1": "192.168.77.11", "node2": "192.168.77.12"},
	}
}

func kindsOf(tr *Trace) string {
	var k []string
	for _, h := range tr.Hops {
		k = append(k, h.Kind)
	}
	return strings.Join(k, " ")
}

func TestTracePath(t *testing.T) {
	client := Origin{Namespace: "default", Name: "client", Node: "node1", IP: "10.244.0.5"}
	for _, tc := range []struct {
		name     string
		hostGW   bool
		from     Origin
		to       Destination
		prefer   string
		kinds    string
		result   string
		endpoint string
		detail   string // a hop detail that must appear
	}{
		{name: "pod to pod, same node", from: client, to: Destination{IP: "10.244.0.16", Port: 53, Protocol: "tcp"},
			kinds:  "pod veth netfilter bridge netfilter netfilter veth pod",
			result: "delivered to pod kube-system/dns-a (10.244.0.16) on node1",
			detail: "vetha0 (ifindex 5) is eth0's peer (eth0@if5, vetha0@if2), a port of cni0"},
		{name: "pod to pod across nodes (vxlan)", from: client, to: Destination{IP: "10.244.1.15", Port: 53, Protocol: "tcp"},
			kinds:  "pod veth netfilter route netfilter netfilter vxlan underlay vxlan netfilter route netfilter netfilter bridge veth pod",
			result: "delivered to pod kube-system/dns-b (10.244.1.15) on node2",
			detail: "flannel.1 VXLAN VNI 1, UDP port 8472, local 192.168.77.11: gateway 10.244.1.0 → VTEP MAC ba:81:c0:d3:ff:71 (neighbour) → remote 192.168.77.12 (FDB)"},
		{name: "pod to pod across nodes (host-gw)", hostGW: true, from: client, to: Destination{IP: "10.244.1.15", Port: 53, Protocol: "tcp"},
			kinds:  "pod veth netfilter route netfilter netfilter host-gw netfilter route netfilter netfilter bridge veth pod",
			result: "delivered to pod kube-system/dns-b (10.244.1.15) on node2",
			detail: "eth0 192.168.77.11/24, no encapsulation: next hop 192.168.77.12 is node node2"},
		{name: "pod to Service, the remote endpoint", from: client, to: Destination{IP: "10.96.0.10", Port: 53, Protocol: "udp"}, prefer: "10.244.1.15:53",
			kinds:    "pod veth netfilter route netfilter netfilter vxlan underlay vxlan netfilter route netfilter netfilter bridge veth pod",
			result:   "delivered to pod kube-system/dns-b (10.244.1.15) on node2",
			endpoint: "10.244.1.15:53", detail: "nat PREROUTING: 4 rules matched, verdict ACCEPT, DNAT to 10.244.1.15:53"},
		{name: "pod to Service, the local endpoint", from: client, to: Destination{IP: "10.96.0.10", Port: 53, Protocol: "udp"},
			kinds: "pod veth netfilter route netfilter netfilter bridge veth pod", endpoint: "10.244.0.16:53",
			result: "delivered to pod kube-system/dns-a (10.244.0.16) on node1"},
		{name: "node to the kubernetes Service: masqueraded, out of the pod network", from: Origin{Node: "node1", IP: "192.168.77.11"},
			to:    Destination{IP: "10.96.0.1", Port: 443, Protocol: "tcp"},
			kinds: "netfilter route netfilter netfilter external", endpoint: "192.168.77.1:6443",
			result: "left the cluster's pod network through node1 eth0", detail: "nat POSTROUTING: 6 rules matched, verdict ACCEPT, MASQUERADE"},
		{name: "node to a Service endpoint on the other node: masqueraded, the mark stays behind", from: Origin{Node: "node1", IP: "192.168.77.11"},
			to: Destination{IP: "10.96.0.10", Port: 53, Protocol: "tcp"}, prefer: "10.244.1.15:53",
			kinds:    "netfilter route netfilter netfilter vxlan underlay vxlan netfilter route netfilter netfilter bridge veth pod",
			endpoint: "10.244.1.15:53", result: "delivered to pod kube-system/dns-b (10.244.1.15) on node2",
			detail: "filter FORWARD: 6 rules matched, verdict ACCEPT"},
		{name: "pod to a node address", from: client, to: Destination{IP: "192.168.77.11", Port: 10250, Protocol: "tcp"},
			kinds: "pod veth netfilter route netfilter local", result: "delivered to node node1 (192.168.77.11)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := TracePath(twoNodes(t, tc.hostGW), tc.from, tc.to, TraceOptions{Prefer: tc.prefer})
			if err != nil {
				t.Fatal(err)
			}
			if k := kindsOf(tr); k != tc.kinds {
				t.Errorf("hops:\n got %s\nwant %s", k, tc.kinds)
			}
			if tr.Result != tc.result || tr.Endpoint != tc.endpoint {
				t.Errorf("result %q endpoint %q, want %q %q", tr.Result, tr.Endpoint, tc.result, tc.endpoint)
			}
			if tc.detail != "" {
				found := false
				for _, h := range tr.Hops {
					found = found || h.Detail == tc.detail
				}
				if !found {
					for _, h := range tr.Hops {
						t.Logf("%s %s: %s", h.Node, h.Kind, h.Detail)
					}
					t.Errorf("no hop %q", tc.detail)
				}
			}
		})
	}
}

// TestTracePathNoEndpoints: a Service without endpoints is rejected by
// filter KUBE-SERVICES (kube-proxy's no-endpoints golden).
func TestTracePathNoEndpoints(t *testing.T) {
	c := twoNodes(t, false)
	b, err := os.ReadFile("testdata/no-endpoints.golden")
	if err != nil {
		t.Fatal(err)
	}
	c.Nodes["node1"].Netfilter.Save = hooks + string(b)
	tr, err := TracePath(c, Origin{Namespace: "default", Name: "client", Node: "node1", IP: "10.244.0.5"}, Destination{IP: "10.96.0.105", Port: 80, Protocol: "tcp"}, TraceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := `rejected by filter KUBE-SERVICES rule 1 ("default/empty:http has no endpoints") on node1`; tr.Result != want {
		t.Errorf("result %q, want %q", tr.Result, want)
	}
	if k := kindsOf(tr); k != "pod veth netfilter route netfilter" {
		t.Errorf("hops %s", k)
	}
}

func TestTracePathErrors(t *testing.T) {
	c := twoNodes(t, false)
	if _, err := TracePath(c, Origin{Node: "node9"}, Destination{IP: "10.244.0.16"}, TraceOptions{}); err == nil || err.Error() != "no network information of node node9" {
		t.Errorf("unknown node: %v", err)
	}
	if _, err := TracePath(c, Origin{Namespace: "default", Name: "ghost", Node: "node1"}, Destination{IP: "10.244.0.16"}, TraceOptions{}); err == nil || err.Error() != "pod default/ghost has no network namespace on node node1" {
		t.Errorf("unknown pod: %v", err)
	}
	c.Nodes["node1"].Links = c.Nodes["node1"].Links[:4] // the veths are gone
	_, err := TracePath(c, Origin{Namespace: "default", Name: "client", Node: "node1", IP: "10.244.0.5"}, Destination{IP: "10.244.0.16", Port: 53, Protocol: "tcp"}, TraceOptions{})
	if err == nil || err.Error() != "pod default/client: no veth with ifindex 5 (eth0's peer) on node node1" {
		t.Errorf("no veth: %v", err)
	}
}

// TestConfirm: a hop is confirmed when its counter moved between the
// snapshots before and after the probe; netfilter hops need every matched
// rule to have counted.
func TestConfirm(t *testing.T) {
	from := Origin{Namespace: "default", Name: "client", Node: "node1", IP: "10.244.0.5"}
	to := Destination{IP: "10.96.0.10", Port: 53, Protocol: "udp"}
	before := twoNodes(t, false)
	after := twoNodes(t, false)
	n := after.Nodes["node1"]
	for _, l := range []int{4, 5, 6} { // cni0, vetha0, vethb0 count; dns-a's eth0 too
		n.Links[l-1].Counters.TxPackets++
		n.Links[l-1].Counters.RxPackets++
	}
	n.Pods[0].Links[1].Counters.TxPackets++
	n.Pods[1].Links[1].Counters.RxPackets++
	// The nat rules of the path count one packet, the filter ones don't.
	var lines []string
	for _, l := range strings.Split(n.Netfilter.Save, "\n") {
		if strings.HasPrefix(l, "*") {
			lines = append(lines, l)
			continue
		}
		for _, r := range []string{"-A PREROUTING -m comment --comment \"kubernetes service portals\"", "-A KUBE-SERVICES -d 10.96.0.10/32 -p udp", "-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment \"kube-system/kube-dns:dns -> 10.244.0.16:53\"", "-A KUBE-SEP-AALXN3QQZ3U27IAI -p udp"} {
			if strings.Contains(l, r) {
				l = strings.Replace(l, "[0:0]", "[1:60]", 1)
				l = strings.Replace(l, "[87:15267]", "[88:15327]", 1)
			}
		}
		lines = append(lines, l)
	}
	n.Netfilter.Save = strings.Join(lines, "\n")
	if got := MovedEndpoint(before.Nodes["node1"], n, []Endpoint{{Chain: "KUBE-SEP-AALXN3QQZ3U27IAI"}, {Chain: "KUBE-SEP-DHQ66TZSUU4UMWNL"}}); got != "10.244.0.16:53" {
		t.Errorf("MovedEndpoint = %q", got)
	}
	b, err := TracePath(before, from, to, TraceOptions{Prefer: "10.244.0.16:53"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := TracePath(after, from, to, TraceOptions{Prefer: "10.244.0.16:53"})
	if err != nil {
		t.Fatal(err)
	}
	if reset := Confirm(b, a); reset {
		t.Error("Confirm reported a counter reset")
	}
	// Read the other way round, the rule counters went backwards: a
	// resync rewrote the chains, the probe proves nothing.
	if b2, _ := TracePath(before, from, to, TraceOptions{Prefer: "10.244.0.16:53"}); !Confirm(a, b2) {
		t.Error("Confirm did not report the counters going backwards")
	}
	var got []string
	for _, h := range a.Hops {
		s := h.Kind + "=-"
		if h.Confirmed != nil {
			s = h.Kind + "=" + map[bool]string{true: "yes", false: "no"}[*h.Confirmed]
		}
		got = append(got, s)
	}
	if g, want := strings.Join(got, " "), "pod=yes veth=yes netfilter=yes route=- netfilter=no netfilter=no bridge=yes veth=yes pod=yes"; g != want {
		t.Errorf("confirmed:\n got %s\nwant %s", g, want)
	}
}
