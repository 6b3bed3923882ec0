package netinfo

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// PodRef is a pod the collector reads the namespace of.
type PodRef struct {
	Namespace, Name, UID, IP string
	HostNetwork              bool
	NetNS                    string // the sandbox's netns path ("" when unknown)
}

// Collector reads a node's network. Save returns the netfilter tables
// (iptables-save -c of kube-proxy's backend); nil leaves them empty.
type Collector struct {
	Node    string
	Backend string
	Save    func(ctx context.Context) (backend string, save []byte, err error)
}

// Collect reads the calling thread's network namespace (the node's) and
// each pod's. A part that fails is named in Errors; the rest is filled.
func (c *Collector) Collect(ctx context.Context, pods []PodRef) *Node {
	n := &Node{Node: c.Node, Time: time.Now().UTC(), Backend: c.Backend, Links: []Link{}, Routes: []Route{}, Pods: []Pod{}}
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		n.Errors = append(n.Errors, fmt.Sprintf("netlink: %v", err))
	} else {
		defer h.Close()
		var errs []string
		n.Links, n.Routes, n.Neighbors, n.FDB, errs = readNamespace(h, true)
		n.Errors = append(n.Errors, errs...)
	}
	for _, p := range pods {
		n.Pods = append(n.Pods, readPod(p))
	}
	sort.Slice(n.Pods, func(i, j int) bool {
		if n.Pods[i].Namespace != n.Pods[j].Namespace {
			return n.Pods[i].Namespace < n.Pods[j].Namespace
		}
		return n.Pods[i].Name < n.Pods[j].Name
	})
	if c.Save != nil {
		b, save, err := c.Save(ctx)
		n.Netfilter = Netfilter{Backend: b, Save: string(save)}
		if err != nil {
			n.Errors = append(n.Errors, fmt.Sprintf("netfilter: %v", err))
		}
	}
	return n
}

// readPod reads one pod's namespace through a netlink handle opened in it
// (no thread moves into the namespace).
func readPod(p PodRef) Pod {
	out := Pod{Namespace: p.Namespace, Name: p.Name, UID: p.UID, IP: p.IP, HostNetwork: p.HostNetwork, NetNS: p.NetNS}
	if p.HostNetwork || p.NetNS == "" {
		return out
	}
	ns, err := netns.GetFromPath(p.NetNS)
	if err != nil {
		out.Error = fmt.Sprintf("open netns %s: %v", p.NetNS, err)
		return out
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		out.Error = fmt.Sprintf("netlink in %s: %v", p.NetNS, err)
		return out
	}
	defer h.Close()
	links, routes, _, _, errs := readNamespace(h, false)
	out.Links, out.Routes = links, routes
	if len(errs) > 0 {
		out.Error = strings.Join(errs, "; ")
	}
	return out
}

// readNamespace reads links with their addresses, IPv4 routes of all
// tables and, with withNeigh, the ARP and FDB entries.
func readNamespace(h *netlink.Handle, withNeigh bool) ([]Link, []Route, []Neighbor, []FDBEntry, []string) {
	var errs []string
	nl, err := h.LinkList()
	if err != nil {
		return []Link{}, []Route{}, nil, nil, []string{fmt.Sprintf("list links: %v", err)}
	}
	names := map[int]string{}
	for _, l := range nl {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	links := make([]Link, 0, len(nl))
	for _, l := range nl {
		lk := convertLink(l, names)
		addrs, err := h.AddrList(l, unix.AF_INET)
		if err != nil {
			errs = append(errs, fmt.Sprintf("addresses of %s: %v", lk.Name, err))
		}
		for _, a := range addrs {
			lk.Addresses = append(lk.Addresses, a.IPNet.String())
		}
		links = append(links, lk)
	}
	for i := range links {
		if links[i].Kind != "bridge" {
			continue
		}
		links[i].Bridge = &BridgeOpt{}
		for _, p := range links {
			if p.MasterIndex == links[i].Index {
				links[i].Bridge.Ports = append(links[i].Bridge.Ports, p.Name)
			}
		}
	}
	nr, err := h.RouteListFiltered(unix.AF_INET, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	if err != nil {
		errs = append(errs, fmt.Sprintf("list routes: %v", err))
	}
	routes := make([]Route, 0, len(nr))
	for _, r := range nr {
		routes = append(routes, convertRoute(r, names))
	}
	if !withNeigh {
		return links, routes, nil, nil, errs
	}
	var neigh []Neighbor
	nn, err := h.NeighList(0, unix.AF_INET)
	if err != nil {
		errs = append(errs, fmt.Sprintf("list neighbours: %v", err))
	}
	for _, e := range nn {
		if e.IP == nil {
			continue
		}
		neigh = append(neigh, Neighbor{IP: e.IP.String(), MAC: macString(e.HardwareAddr), Dev: names[e.LinkIndex], State: neighState(e.State)})
	}
	var fdb []FDBEntry
	nf, err := h.NeighList(0, unix.AF_BRIDGE)
	if err != nil {
		errs = append(errs, fmt.Sprintf("list fdb: %v", err))
	}
	for _, e := range nf {
		f := FDBEntry{MAC: macString(e.HardwareAddr), Dev: names[e.LinkIndex], VNI: e.VNI}
		if e.IP != nil {
			f.Dst = e.IP.String()
		}
		// Only the entries that say where a MAC lives remotely (VXLAN) or
		// that were learnt on a bridge port; skip the per-port multicast
		// and permanent self entries the kernel lists by the hundred.
		if f.Dst == "" && e.State&unix.NUD_PERMANENT != 0 {
			continue
		}
		fdb = append(fdb, f)
	}
	return links, routes, neigh, fdb, errs
}

func convertLink(l netlink.Link, names map[int]string) Link {
	a := l.Attrs()
	lk := Link{
		Index: a.Index, Name: a.Name, Kind: l.Type(), MAC: macString(a.HardwareAddr), MTU: a.MTU,
		Up: a.Flags&net.FlagUp != 0, State: a.OperState.String(),
		MasterIndex: a.MasterIndex, Master: names[a.MasterIndex],
	}
	if lk.Kind == "device" && a.Flags&net.FlagLoopback != 0 {
		lk.Kind = "loopback"
	}
	if lk.Kind == "veth" && a.ParentIndex > 0 {
		lk.PeerIndex = a.ParentIndex
		lk.PeerNetNSID = a.NetNsID
	}
	if s := a.Statistics; s != nil {
		lk.Counters = Counters{RxPackets: s.RxPackets, TxPackets: s.TxPackets, RxBytes: s.RxBytes, TxBytes: s.TxBytes, RxDropped: s.RxDropped, TxDropped: s.TxDropped}
	}
	if v, ok := l.(*netlink.Vxlan); ok {
		x := &VXLAN{VNI: v.VxlanId, Port: v.Port, DeviceIdx: v.VtepDevIndex, Device: names[v.VtepDevIndex], Learning: v.Learning}
		if v.SrcAddr != nil {
			x.Local = v.SrcAddr.String()
		}
		lk.VXLAN = x
	}
	return lk
}

func convertRoute(r netlink.Route, names map[int]string) Route {
	out := Route{Dst: "0.0.0.0/0", Dev: names[r.LinkIndex], DevIndex: r.LinkIndex, Table: r.Table,
		Type: routeType(r.Type), Scope: r.Scope.String(), Protocol: r.Protocol.String(), Metric: r.Priority,
		Onlink: r.Flags&unix.RTNH_F_ONLINK != 0}
	if r.Dst != nil {
		out.Dst = r.Dst.String()
	}
	if r.Gw != nil {
		out.Gateway = r.Gw.String()
	}
	if r.Src != nil {
		out.Src = r.Src.String()
	}
	return out
}

func routeType(t int) string {
	switch t {
	case unix.RTN_UNICAST:
		return "unicast"
	case unix.RTN_LOCAL:
		return "local"
	case unix.RTN_BROADCAST:
		return "broadcast"
	case unix.RTN_MULTICAST:
		return "multicast"
	case unix.RTN_BLACKHOLE:
		return "blackhole"
	case unix.RTN_UNREACHABLE:
		return "unreachable"
	case unix.RTN_PROHIBIT:
		return "prohibit"
	}
	return fmt.Sprint(t)
}

func neighState(s int) string {
	var parts []string
	for _, st := range []struct {
		bit  int
		name string
	}{{unix.NUD_PERMANENT, "permanent"}, {unix.NUD_NOARP, "noarp"}, {unix.NUD_REACHABLE, "reachable"}, {unix.NUD_STALE, "stale"},
		{unix.NUD_DELAY, "delay"}, {unix.NUD_PROBE, "probe"}, {unix.NUD_FAILED, "failed"}, {unix.NUD_INCOMPLETE, "incomplete"}} {
		if s&st.bit != 0 {
			parts = append(parts, st.name)
		}
	}
	return strings.Join(parts, ",")
}

func macString(m net.HardwareAddr) string {
	if len(m) == 0 {
		return ""
	}
	return m.String()
}

// SaveCommand returns a Save func that runs `save -c` (e.g.
// iptables-legacy-save -c) and reports backend.
func SaveCommand(backend, save string) func(ctx context.Context) (string, []byte, error) {
	return func(ctx context.Context) (string, []byte, error) {
		cmd := exec.CommandContext(ctx, save, "-c")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return backend, out.Bytes(), fmt.Errorf("%s -c: %w: %s", save, err, strings.TrimSpace(errb.String()))
		}
		return backend, out.Bytes(), nil
	}
}
