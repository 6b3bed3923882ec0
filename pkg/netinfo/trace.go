package netinfo

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Origin is where a traced packet starts: a pod (Namespace/Name set) or a
// node's own namespace (Node only).
type Origin struct {
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	Node      string `json:"node"`
	IP        string `json:"ip"`
}

func (o Origin) String() string {
	if o.Name == "" {
		return "node/" + o.Node
	}
	return o.Namespace + "/" + o.Name
}

// Destination is what the packet is sent to.
type Destination struct {
	Desc     string `json:"desc"` // pod/ns/b, service ns/web:80, node/n, 10.0.0.1:80
	IP       string `json:"ip"`
	Port     int    `json:"port"`
	Protocol string `json:"protocol"`
}

// Cluster is the live system a trace reads: each node's netinfo (by node
// name) and the nodes' addresses.
type Cluster struct {
	Nodes   map[string]*Node  `json:"-"`
	NodeIPs map[string]string `json:"-"` // node name → InternalIP
}

// Hop is one place the packet passes.
type Hop struct {
	Node string `json:"node"`
	// Kind: pod (the client or target pod's eth0), veth (the host side),
	// bridge, route, netfilter, vxlan, underlay (the node's uplink),
	// host-gw, local (delivered to the node itself), external.
	Kind    string `json:"kind"`
	Name    string `json:"name"`
	Ifindex int    `json:"ifindex,omitempty"`
	Detail  string `json:"detail"`
	// Counter is what confirms the hop: "tx"/"rx" of Name's interface, or
	// "rules" (Walk's rule counters).
	Counter string `json:"counter,omitempty"`
	Packets uint64 `json:"packets,omitempty"` // the counter's value
	Walk    *Walk  `json:"walk,omitempty"`
	// Delta and Confirmed are set by Confirm (--probe): how much the
	// counter moved, and whether it did.
	Delta     *int64 `json:"delta,omitempty"`
	Confirmed *bool  `json:"confirmed,omitempty"`
}

// Trace is the path of one packet.
type Trace struct {
	From     Origin       `json:"from"`
	To       Destination  `json:"to"`
	Hops     []Hop        `json:"hops"`
	Result   string       `json:"result"` // delivered to ..., rejected by ..., ...
	Endpoint string       `json:"endpoint,omitempty"`
	Probe    *ProbeResult `json:"probe,omitempty"`
}

// Endpoints are the kube-proxy endpoint choices the trace met.
func (t *Trace) Endpoints() []Endpoint {
	var out []Endpoint
	for _, h := range t.Hops {
		if h.Walk == nil {
			continue
		}
		for _, s := range h.Walk.Steps {
			out = append(out, s.Endpoints...)
		}
	}
	return out
}

// TraceOptions tune the analysis.
type TraceOptions struct {
	// Prefer is the endpoint ("ip:port") to follow where kube-proxy picks
	// one at random (--probe: the one whose DNAT counter moved).
	Prefer string
}

// TracePath works out, from the cluster's live network state, the path of
// the first packet of a connection from `from` to `to`.
func TracePath(c Cluster, from Origin, to Destination, opts TraceOptions) (*Trace, error) {
	t := &Trace{From: from, To: to, Hops: []Hop{}}
	n := c.Nodes[from.Node]
	if n == nil {
		return nil, fmt.Errorf("no network information of node %s", from.Node)
	}
	pkt := Packet{Src: from.IP, Dst: to.IP, Proto: to.Protocol, SPort: 40000, DPort: to.Port, Local: localAddrs(n), Prefer: opts.Prefer}
	tables, err := ParseSave(n.Netfilter.Save)
	if err != nil {
		return nil, fmt.Errorf("node %s netfilter: %w", n.Node, err)
	}
	var natHook, filterHook string
	l2 := false // a pod to a neighbour on its own subnet: bridged, not routed
	if from.Name != "" {
		pod := findPod(n, from.Namespace, from.Name)
		if pod == nil {
			return nil, fmt.Errorf("pod %s has no network namespace on node %s", from, n.Node)
		}
		if pod.HostNetwork {
			natHook, filterHook = "OUTPUT", "OUTPUT"
		} else {
			bridge, onLink, err := podEgress(t, n, pod, to.IP)
			if err != nil {
				return t, err
			}
			l2 = onLink
			pkt.In = bridge
			natHook, filterHook = "PREROUTING", "FORWARD"
		}
	} else {
		natHook, filterHook = "OUTPUT", "OUTPUT"
	}
	w, err := tables.Walk("nat", natHook, pkt)
	if err != nil {
		return t, fmt.Errorf("node %s: %w", n.Node, err)
	}
	t.Hops = append(t.Hops, walkHop(n.Node, w))
	if w.DNAT != "" {
		t.Endpoint = w.DNAT
		if h, p, err := net.SplitHostPort(w.DNAT); err == nil {
			pkt.Dst = h
			pkt.DPort, _ = strconv.Atoi(p)
		}
	}
	pkt.Mark = w.Mark
	if w.DNAT != "" {
		l2 = false // the pod sent it to its gateway (a cluster IP is off-link)
	}
	return t, forward(t, c, n, tables, pkt, filterHook, l2, 0)
}

// forward continues on node n after the nat hook: the route decision,
// the filter hook, POSTROUTING, and the next node or the target pod.
//
// With l2 the packet is a frame the bridge forwards between two of its
// ports (the client pod's route to the destination has no gateway): the
// node does not route it, but br_netfilter passes it through the same
// netfilter hooks.
func forward(t *Trace, c Cluster, n *Node, tables Tables, pkt Packet, filterHook string, l2 bool, depth int) error {
	if depth > 3 {
		return errors.New("the path crosses more than 3 nodes: a routing loop?")
	}
	r, err := RouteGet(n.Routes, pkt.Dst)
	if err != nil {
		t.Result = fmt.Sprintf("dropped on %s: %v", n.Node, err)
		return nil
	}
	if l2 {
		t.Hops = append(t.Hops, Hop{Node: n.Node, Kind: "bridge", Name: pkt.In, Detail: fmt.Sprintf("%s forwards the frame between two of its ports (same subnet, no routing); br_netfilter runs the netfilter hooks", pkt.In)})
	} else {
		t.Hops = append(t.Hops, Hop{Node: n.Node, Kind: "route", Name: r.Dev, Detail: "ip route get " + pkt.Dst + ": " + routeString(r)})
	}
	if r.Type == "local" {
		w, err := tables.Walk("filter", "INPUT", pkt)
		if err != nil {
			return err
		}
		t.Hops = append(t.Hops, walkHop(n.Node, w))
		if w.Verdict != "ACCEPT" {
			t.Result = fmt.Sprintf("%s by %s on %s", verdictPast(w.Verdict), lastRule(w), n.Node)
			return nil
		}
		t.Hops = append(t.Hops, Hop{Node: n.Node, Kind: "local", Name: r.Dev, Detail: "delivered to the node's own address " + pkt.Dst})
		t.Result = "delivered to node " + n.Node + " (" + pkt.Dst + ")"
		return nil
	}
	pkt.Out = r.Dev
	w, err := tables.Walk("filter", filterHook, pkt)
	if err != nil {
		return err
	}
	t.Hops = append(t.Hops, walkHop(n.Node, w))
	if w.Verdict != "ACCEPT" {
		t.Result = fmt.Sprintf("%s by %s on %s", verdictPast(w.Verdict), lastRule(w), n.Node)
		return nil
	}
	pw, err := tables.Walk("nat", "POSTROUTING", pkt)
	if err != nil {
		return err
	}
	t.Hops = append(t.Hops, walkHop(n.Node, pw))
	out := findLink(n.Links, r.Dev)
	if out == nil {
		return fmt.Errorf("node %s: route device %s not found", n.Node, r.Dev)
	}
	// Marks stay on the node; MASQUERADE takes the out device's address.
	pkt.Mark = 0
	if pw.Masquerade && len(out.Addresses) > 0 {
		pkt.Src, _, _ = strings.Cut(out.Addresses[0], "/")
	}
	switch {
	case out.Kind == "bridge":
		return deliverLocal(t, n, out, pkt.Dst, l2)
	case out.VXLAN != nil:
		next, err := vxlanHop(t, c, n, out, r)
		if err != nil {
			return err
		}
		return arrive(t, c, next, pkt, depth)
	}
	// An uplink: host-gw to a peer node, or out of the cluster.
	gw := r.Gateway
	if gw == "" {
		gw = pkt.Dst
	}
	if peer := nodeByIP(c, gw); peer != nil && peer.Node != n.Node {
		t.Hops = append(t.Hops, Hop{Node: n.Node, Kind: "host-gw", Name: out.Name, Ifindex: out.Index, Counter: "tx", Packets: out.Counters.TxPackets,
			Detail: fmt.Sprintf("%s %s, no encapsulation: next hop %s is node %s", out.Name, ifaceAddrs(out), gw, peer.Node)})
		return arrive(t, c, peer, pkt, depth)
	}
	t.Hops = append(t.Hops, Hop{Node: n.Node, Kind: "external", Name: out.Name, Ifindex: out.Index, Counter: "tx", Packets: out.Counters.TxPackets,
		Detail: fmt.Sprintf("leaves node %s through %s (%s)", n.Node, out.Name, routeString(r))})
	t.Result = "left the cluster's pod network through " + n.Node + " " + out.Name
	return nil
}

// arrive continues on the next node: the packet comes in on its uplink
// (decapsulated by flannel.1 for vxlan), goes through nat PREROUTING and
// filter FORWARD.
func arrive(t *Trace, c Cluster, n *Node, pkt Packet, depth int) error {
	tables, err := ParseSave(n.Netfilter.Save)
	if err != nil {
		return fmt.Errorf("node %s netfilter: %w", n.Node, err)
	}
	pkt.Local = localAddrs(n)
	pkt.In, pkt.Out = "", ""
	for _, l := range n.Links {
		if l.VXLAN != nil {
			pkt.In = l.Name
		}
	}
	w, err := tables.Walk("nat", "PREROUTING", pkt)
	if err != nil {
		return err
	}
	t.Hops = append(t.Hops, walkHop(n.Node, w))
	if w.DNAT != "" {
		if h, p, err := net.SplitHostPort(w.DNAT); err == nil {
			pkt.Dst = h
			pkt.DPort, _ = strconv.Atoi(p)
		}
	}
	return forward(t, c, n, tables, pkt, "FORWARD", false, depth+1)
}

// vxlanHop is the encapsulation: the route's gateway (the peer's
// flannel.1 address) → its VTEP MAC (neighbour) → the peer node's
// address (FDB), then the underlay route.
func vxlanHop(t *Trace, c Cluster, n *Node, vx *Link, r Route) (*Node, error) {
	gw := r.Gateway
	mac := ""
	for _, e := range n.Neighbors {
		if e.IP == gw && e.Dev == vx.Name {
			mac = e.MAC
		}
	}
	if mac == "" {
		return nil, fmt.Errorf("node %s: no neighbour entry for %s on %s (the peer's VTEP MAC)", n.Node, gw, vx.Name)
	}
	remote := ""
	for _, f := range n.FDB {
		if f.MAC == mac && f.Dev == vx.Name && f.Dst != "" {
			remote = f.Dst
		}
	}
	if remote == "" {
		return nil, fmt.Errorf("node %s: no FDB entry for VTEP MAC %s on %s", n.Node, mac, vx.Name)
	}
	t.Hops = append(t.Hops, Hop{Node: n.Node, Kind: "vxlan", Name: vx.Name, Ifindex: vx.Index, Counter: "tx", Packets: vx.Counters.TxPackets,
		Detail: fmt.Sprintf("%s VXLAN VNI %d, UDP port %d, local %s: gateway %s → VTEP MAC %s (neighbour) → remote %s (FDB)",
			vx.Name, vx.VXLAN.VNI, vx.VXLAN.Port, vx.VXLAN.Local, gw, mac, remote)})
	ur, err := RouteGet(n.Routes, remote)
	if err != nil {
		return nil, fmt.Errorf("node %s: underlay: %w", n.Node, err)
	}
	if up := findLink(n.Links, ur.Dev); up != nil {
		t.Hops = append(t.Hops, Hop{Node: n.Node, Kind: "underlay", Name: up.Name, Ifindex: up.Index, Counter: "tx", Packets: up.Counters.TxPackets,
			Detail: fmt.Sprintf("outer packet UDP %s → %s:%d through %s (%s)", vx.VXLAN.Local, remote, vx.VXLAN.Port, up.Name, routeString(ur))})
	}
	peer := nodeByIP(c, remote)
	if peer == nil {
		return nil, fmt.Errorf("VTEP %s is no node whose network was read", remote)
	}
	for _, l := range peer.Links {
		if l.VXLAN != nil {
			t.Hops = append(t.Hops, Hop{Node: peer.Node, Kind: "vxlan", Name: l.Name, Ifindex: l.Index, Counter: "rx", Packets: l.Counters.RxPackets,
				Detail: fmt.Sprintf("%s decapsulates (VNI %d, MAC %s)", l.Name, l.VXLAN.VNI, l.MAC)})
		}
	}
	return peer, nil
}

// deliverLocal is the last stretch: the bridge, the target pod's host
// veth, the pod's eth0.
func deliverLocal(t *Trace, n *Node, bridge *Link, dst string, l2 bool) error {
	if !l2 {
		t.Hops = append(t.Hops, Hop{Node: n.Node, Kind: "bridge", Name: bridge.Name, Ifindex: bridge.Index, Counter: "tx", Packets: bridge.Counters.TxPackets,
			Detail: fmt.Sprintf("the node routes it out of bridge %s %s", bridge.Name, strings.Join(bridge.Addresses, ","))})
	}
	for i := range n.Pods {
		p := &n.Pods[i]
		if p.HostNetwork {
			continue
		}
		eth0 := podIface(p, dst)
		if eth0 == nil {
			continue
		}
		host := findIndex(n.Links, eth0.PeerIndex)
		if host != nil {
			t.Hops = append(t.Hops, Hop{Node: n.Node, Kind: "veth", Name: host.Name, Ifindex: host.Index, Counter: "tx", Packets: host.Counters.TxPackets,
				Detail: fmt.Sprintf("%s (ifindex %d, port of %s) is the peer of %s's %s (ifindex %d)", host.Name, host.Index, host.Master, p.Namespace+"/"+p.Name, eth0.Name, eth0.Index)})
		}
		t.Hops = append(t.Hops, Hop{Node: n.Node, Kind: "pod", Name: eth0.Name, Ifindex: eth0.Index, Counter: "rx", Packets: eth0.Counters.RxPackets,
			Detail: fmt.Sprintf("pod %s/%s %s %s", p.Namespace, p.Name, eth0.Name, strings.Join(eth0.Addresses, ","))})
		t.Result = fmt.Sprintf("delivered to pod %s/%s (%s) on %s", p.Namespace, p.Name, dst, n.Node)
		return nil
	}
	t.Result = fmt.Sprintf("no pod with address %s on %s's %s", dst, n.Node, bridge.Name)
	return nil
}

// podEgress adds the client pod's hops: its eth0 and route, and the host
// veth on the bridge; it returns the bridge's name (the in-interface the
// node's netfilter sees) and whether the pod's route is on-link.
func podEgress(t *Trace, n *Node, p *Pod, dst string) (string, bool, error) {
	if p.Error != "" {
		return "", false, fmt.Errorf("pod %s/%s: %s", p.Namespace, p.Name, p.Error)
	}
	r, err := RouteGet(p.Routes, dst)
	if err != nil {
		return "", false, fmt.Errorf("in pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	eth0 := findLink(p.Links, r.Dev)
	if eth0 == nil {
		return "", false, fmt.Errorf("pod %s/%s: route device %s not found", p.Namespace, p.Name, r.Dev)
	}
	t.Hops = append(t.Hops, Hop{Node: n.Node, Kind: "pod", Name: eth0.Name, Ifindex: eth0.Index, Counter: "tx", Packets: eth0.Counters.TxPackets,
		Detail: fmt.Sprintf("pod %s/%s %s@if%d %s %s; ip route get %s: %s", p.Namespace, p.Name, eth0.Name, eth0.PeerIndex,
			strings.Join(eth0.Addresses, ","), eth0.MAC, dst, routeString(r))})
	host := findIndex(n.Links, eth0.PeerIndex)
	if host == nil || host.Kind != "veth" {
		return "", false, fmt.Errorf("pod %s/%s: no veth with ifindex %d (eth0's peer) on node %s", p.Namespace, p.Name, eth0.PeerIndex, n.Node)
	}
	t.Hops = append(t.Hops, Hop{Node: n.Node, Kind: "veth", Name: host.Name, Ifindex: host.Index, Counter: "rx", Packets: host.Counters.RxPackets,
		Detail: fmt.Sprintf("%s (ifindex %d) is eth0's peer (eth0@if%d, %s@if%d), a port of %s", host.Name, host.Index, host.Index, host.Name, host.PeerIndex, host.Master)})
	if host.Master == "" {
		return "", false, fmt.Errorf("node %s: %s is on no bridge", n.Node, host.Name)
	}
	return host.Master, r.Gateway == "" && r.Type == "unicast", nil
}

func walkHop(node string, w Walk) Hop {
	var pk uint64
	for _, s := range w.Steps {
		if s.Index > 0 {
			pk += s.Packets
		}
	}
	d := fmt.Sprintf("%s %s: %d rules matched, verdict %s", w.Table, w.Chain, len(w.Steps), w.Verdict)
	switch {
	case w.DNAT != "":
		d += ", DNAT to " + w.DNAT
	case w.Masquerade:
		d += ", MASQUERADE"
	}
	if w.Mark != 0 {
		d += fmt.Sprintf(", mark %#x", w.Mark)
	}
	wc := w
	return Hop{Node: node, Kind: "netfilter", Name: w.Table + "/" + w.Chain, Detail: d, Counter: "rules", Packets: pk, Walk: &wc}
}

func verdictPast(v string) string {
	switch v {
	case "DROP":
		return "dropped"
	case "REJECT":
		return "rejected"
	}
	return strings.ToLower(v)
}

func lastRule(w Walk) string {
	if len(w.Steps) == 0 {
		return w.Table + " " + w.Chain
	}
	s := w.Steps[len(w.Steps)-1]
	if c := ruleComment(s.Rule); c != "" {
		return fmt.Sprintf("%s %s rule %d (%q)", s.Table, s.Chain, s.Index, c)
	}
	return fmt.Sprintf("%s %s rule %d", s.Table, s.Chain, s.Index)
}

func ruleComment(text string) string {
	r, err := parseRule(text)
	if err != nil {
		return ""
	}
	return r.Comment()
}

func routeString(r Route) string {
	s := r.Dst
	if r.Type != "" && r.Type != "unicast" {
		s = r.Type + " " + s
	}
	if r.Gateway != "" {
		s += " via " + r.Gateway
	}
	if r.Dev != "" {
		s += " dev " + r.Dev
	}
	if r.Onlink {
		s += " onlink"
	}
	if r.Src != "" {
		s += " src " + r.Src
	}
	if r.Table == TableLocal {
		s += " table local"
	}
	return s
}

func localAddrs(n *Node) []string {
	var out []string
	for _, l := range n.Links {
		for _, a := range l.Addresses {
			ip, _, _ := strings.Cut(a, "/")
			out = append(out, ip)
		}
	}
	return out
}

func ifaceAddrs(l *Link) string { return strings.Join(l.Addresses, ",") }

func findPod(n *Node, ns, name string) *Pod {
	for i := range n.Pods {
		if n.Pods[i].Namespace == ns && n.Pods[i].Name == name {
			return &n.Pods[i]
		}
	}
	return nil
}

// FindPodByIP returns the node and pod that own ip ("", nil if none).
func FindPodByIP(c Cluster, ip string) (string, *Pod) {
	for name, n := range c.Nodes {
		for i := range n.Pods {
			if !n.Pods[i].HostNetwork && podIface(&n.Pods[i], ip) != nil {
				return name, &n.Pods[i]
			}
		}
	}
	return "", nil
}

func podIface(p *Pod, ip string) *Link {
	for i := range p.Links {
		for _, a := range p.Links[i].Addresses {
			if h, _, _ := strings.Cut(a, "/"); h == ip && p.Links[i].Kind == "veth" {
				return &p.Links[i]
			}
		}
	}
	return nil
}

func findLink(ls []Link, name string) *Link {
	for i := range ls {
		if ls[i].Name == name {
			return &ls[i]
		}
	}
	return nil
}

func findIndex(ls []Link, idx int) *Link {
	if idx == 0 {
		return nil
	}
	for i := range ls {
		if ls[i].Index == idx {
			return &ls[i]
		}
	}
	return nil
}

func nodeByIP(c Cluster, ip string) *Node {
	for name, a := range c.NodeIPs {
		if a == ip {
			return c.Nodes[name]
		}
	}
	for _, n := range c.Nodes {
		for _, a := range localAddrs(n) {
			if a == ip && !strings.HasPrefix(a, "127.") {
				return n
			}
		}
	}
	return nil
}

// Confirm compares a trace made from the state before a probe with the
// same trace made after it: each hop's counter (interface packets, or the
// matched rules' packet counters) must have moved. It reports whether a
// rule counter went backwards (its chain was rewritten, e.g. by a
// kube-proxy resync, between the two reads): then the probe proves
// nothing for that hop and is worth repeating.
func Confirm(before, after *Trace) (reset bool) {
	for i := range after.Hops {
		h := &after.Hops[i]
		if h.Counter == "" || i >= len(before.Hops) {
			continue
		}
		b := before.Hops[i]
		if b.Node != h.Node || b.Kind != h.Kind || b.Name != h.Name {
			continue
		}
		d := int64(h.Packets) - int64(b.Packets)
		ok := d > 0
		if h.Kind == "netfilter" && h.Walk != nil && b.Walk != nil {
			// Every matched rule (not the chain policy) must have counted
			// the packet.
			d, ok = 0, len(h.Walk.Steps) > 0
			for j, s := range h.Walk.Steps {
				if s.Index == 0 {
					continue
				}
				var prev uint64
				if j < len(b.Walk.Steps) && b.Walk.Steps[j].Rule == s.Rule {
					prev = b.Walk.Steps[j].Packets
				}
				dd := int64(s.Packets) - int64(prev)
				if dd < 0 {
					reset = true
				}
				if dd <= 0 {
					ok = false
				}
				d += dd
			}
		}
		h.Delta, h.Confirmed = &d, &ok
	}
	return reset
}

// MovedEndpoint is, between two snapshots of a node, the kube-proxy
// endpoint ("ip:port") whose DNAT rule counted new packets, for the
// endpoints of candidates ("" if none or several did).
func MovedEndpoint(before, after *Node, candidates []Endpoint) string {
	want := map[string]bool{}
	for _, e := range candidates {
		want[e.Chain] = true
	}
	b, errB := ParseSave(before.Netfilter.Save)
	a, errA := ParseSave(after.Netfilter.Save)
	if errB != nil || errA != nil || a["nat"] == nil || b["nat"] == nil {
		return ""
	}
	moved := ""
	for name, c := range a["nat"].Chains {
		if !want[name] {
			continue
		}
		for i, r := range c.Rules {
			if r.Target != "DNAT" {
				continue
			}
			var prev uint64
			if bc := b["nat"].Chains[name]; bc != nil && i < len(bc.Rules) {
				prev = bc.Rules[i].Packets
			}
			if r.Packets > prev {
				if moved != "" {
					return ""
				}
				moved = r.arg("--to-destination")
			}
		}
	}
	return moved
}
