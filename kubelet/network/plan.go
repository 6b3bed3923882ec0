package network

import (
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"

	"minik8s/pkg/api"
)

// Backends.
const (
	BackendVXLAN  = "vxlan"
	BackendHostGW = "host-gw"
)

// Flannel's Node annotations, which the agent publishes and reads.
const (
	AnnotationBackendData = "flannel.alpha.coreos.com/backend-data"
	AnnotationBackendType = "flannel.alpha.coreos.com/backend-type"
	AnnotationPublicIP    = "flannel.alpha.coreos.com/public-ip"
	AnnotationSubnetMgr   = "flannel.alpha.coreos.com/kube-subnet-manager"
)

// VXLAN settings (flannel's defaults).
const (
	VXLANDevice = "flannel.1"
	VXLANID     = 1
	VXLANPort   = 8472
	// VXLANOverhead is what the encapsulation takes off the uplink's MTU.
	VXLANOverhead = 50
)

// BackendData is the JSON of the backend-data annotation of a vxlan node.
type BackendData struct {
	VNI     int    `json:"VNI"`
	VtepMAC string `json:"VtepMAC"`
}

// Peer is another node of the pod network, as its Node object says.
type Peer struct {
	Name    string
	PodCIDR netip.Prefix
	NodeIP  netip.Addr
	VtepMAC string // "" if the node has not published one (or is not vxlan)
}

// PeersFrom returns the nodes other than self that have a pod CIDR and a
// node IP (the public-ip annotation, else status InternalIP), sorted by name.
// A node whose data is unusable is skipped and reported in skipped.
func PeersFrom(self string, nodes []*api.Node) (peers []Peer, skipped []string) {
	for _, n := range nodes {
		if n.Name == self || n.DeletionTimestamp != nil {
			continue
		}
		cidr := n.Spec.PodCIDR
		if cidr == "" && len(n.Spec.PodCIDRs) > 0 {
			cidr = n.Spec.PodCIDRs[0]
		}
		if cidr == "" {
			continue // not allocated yet
		}
		p, err := netip.ParsePrefix(cidr)
		if err != nil || !p.Addr().Is4() {
			skipped = append(skipped, fmt.Sprintf("node %s: podCIDR %q is not an IPv4 CIDR", n.Name, cidr))
			continue
		}
		ip, ok := nodeIP(n)
		if !ok {
			skipped = append(skipped, fmt.Sprintf("node %s: no node IP yet", n.Name))
			continue
		}
		peer := Peer{Name: n.Name, PodCIDR: p.Masked(), NodeIP: ip}
		if n.Annotations[AnnotationBackendType] == BackendVXLAN {
			var bd BackendData
			if err := json.Unmarshal([]byte(n.Annotations[AnnotationBackendData]), &bd); err == nil {
				if mac, err := net.ParseMAC(bd.VtepMAC); err == nil && len(mac) == 6 {
					peer.VtepMAC = mac.String()
				}
			}
		}
		peers = append(peers, peer)
	}
	sort.Slice(peers, func(i, j int) bool { return peers[i].Name < peers[j].Name })
	return peers, skipped
}

func nodeIP(n *api.Node) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(n.Annotations[AnnotationPublicIP]); err == nil && a.Is4() {
		return a, true
	}
	for _, addr := range n.Status.Addresses {
		if addr.Type == api.NodeInternalIP {
			if a, err := netip.ParseAddr(addr.Address); err == nil && a.Is4() {
				return a, true
			}
		}
	}
	return netip.Addr{}, false
}

// Route is a route the agent owns.
type Route struct {
	Dst    netip.Prefix
	Gw     netip.Addr
	Dev    string
	Onlink bool
}

func (r Route) String() string {
	s := fmt.Sprintf("%s via %s dev %s", r.Dst, r.Gw, r.Dev)
	if r.Onlink {
		s += " onlink"
	}
	return s
}

// Neigh is a permanent neighbour (ARP) entry.
type Neigh struct {
	IP  netip.Addr
	MAC string
	Dev string
}

func (n Neigh) String() string { return fmt.Sprintf("%s lladdr %s dev %s", n.IP, n.MAC, n.Dev) }

// FDB is a permanent forwarding entry of the vxlan device: frames for MAC
// are sent to the node Dst.
type FDB struct {
	MAC string
	Dst netip.Addr
	Dev string
}

func (f FDB) String() string { return fmt.Sprintf("%s dst %s dev %s", f.MAC, f.Dst, f.Dev) }

// State is the agent's part of a node's routing state.
type State struct {
	Routes []Route
	Neighs []Neigh
	FDBs   []FDB
}

// VTEPAddr is the address of a node's VTEP: the network address (.0) of
// its pod CIDR, as flannel does.
func VTEPAddr(podCIDR netip.Prefix) netip.Addr { return podCIDR.Masked().Addr() }

// Desired is the state the backend wants for the peers. uplink is the
// device towards the other nodes (host-gw routes use it).
func Desired(backend, uplink string, peers []Peer) State {
	var s State
	for _, p := range peers {
		switch backend {
		case BackendVXLAN:
			if p.VtepMAC == "" {
				continue // not ready: its agent has not published the VTEP
			}
			vtep := VTEPAddr(p.PodCIDR)
			s.Routes = append(s.Routes, Route{Dst: p.PodCIDR, Gw: vtep, Dev: VXLANDevice, Onlink: true})
			s.Neighs = append(s.Neighs, Neigh{IP: vtep, MAC: p.VtepMAC, Dev: VXLANDevice})
			s.FDBs = append(s.FDBs, FDB{MAC: p.VtepMAC, Dst: p.NodeIP, Dev: VXLANDevice})
		case BackendHostGW:
			s.Routes = append(s.Routes, Route{Dst: p.PodCIDR, Gw: p.NodeIP, Dev: uplink})
		}
	}
	return s
}

// Changes is what turns the actual state into the desired one: entries to
// set (add or replace) and entries to delete.
type Changes struct {
	SetRoutes, DelRoutes []Route
	SetNeighs, DelNeighs []Neigh
	SetFDBs, DelFDBs     []FDB
}

// Empty reports whether there is nothing to do.
func (c Changes) Empty() bool {
	return len(c.SetRoutes)+len(c.DelRoutes)+len(c.SetNeighs)+len(c.DelNeighs)+len(c.SetFDBs)+len(c.DelFDBs) == 0
}

func (c Changes) String() string {
	var b strings.Builder
	for _, r := range c.DelRoutes {
		fmt.Fprintf(&b, "del route %s\n", r)
	}
	for _, r := range c.SetRoutes {
		fmt.Fprintf(&b, "set route %s\n", r)
	}
	for _, n := range c.DelNeighs {
		fmt.Fprintf(&b, "del neigh %s\n", n)
	}
	for _, n := range c.SetNeighs {
		fmt.Fprintf(&b, "set neigh %s\n", n)
	}
	for _, f := range c.DelFDBs {
		fmt.Fprintf(&b, "del fdb %s\n", f)
	}
	for _, f := range c.SetFDBs {
		fmt.Fprintf(&b, "set fdb %s\n", f)
	}
	return b.String()
}

// Plan compares the actual state (only what the agent owns: every route on
// the vxlan device, routes into the cluster CIDR on the uplink, neighbours
// and FDB entries of the vxlan device) with the desired one. An entry whose
// key (route: destination; neighbour: IP; FDB: MAC) is desired but differs
// is set again (replaced); an actual entry whose key is not desired is
// deleted, so a node that left or changed loses its old entries.
func Plan(desired, actual State) Changes {
	var c Changes
	wantR := map[netip.Prefix]Route{}
	for _, r := range desired.Routes {
		wantR[r.Dst] = r
	}
	haveR := map[netip.Prefix][]Route{}
	for _, r := range actual.Routes {
		haveR[r.Dst] = append(haveR[r.Dst], r)
	}
	for _, r := range desired.Routes {
		have := haveR[r.Dst]
		if len(have) != 1 || have[0] != r {
			for _, h := range have {
				if h.Dev != r.Dev { // replace does not remove a route on another device
					c.DelRoutes = append(c.DelRoutes, h)
				}
			}
			c.SetRoutes = append(c.SetRoutes, r)
		}
	}
	for _, r := range actual.Routes {
		if _, ok := wantR[r.Dst]; !ok {
			c.DelRoutes = append(c.DelRoutes, r)
		}
	}

	wantN := map[netip.Addr]Neigh{}
	for _, n := range desired.Neighs {
		wantN[n.IP] = n
	}
	haveN := map[netip.Addr]Neigh{}
	for _, n := range actual.Neighs {
		haveN[n.IP] = n
	}
	for _, n := range desired.Neighs {
		if h, ok := haveN[n.IP]; !ok || h != n {
			c.SetNeighs = append(c.SetNeighs, n)
		}
	}
	for _, n := range actual.Neighs {
		if _, ok := wantN[n.IP]; !ok {
			c.DelNeighs = append(c.DelNeighs, n)
		}
	}

	wantF := map[string]FDB{}
	for _, f := range desired.FDBs {
		wantF[f.MAC] = f
	}
	haveF := map[string][]FDB{}
	for _, f := range actual.FDBs {
		haveF[f.MAC] = append(haveF[f.MAC], f)
	}
	for _, f := range desired.FDBs {
		have := haveF[f.MAC]
		if len(have) != 1 || have[0] != f {
			for _, h := range have {
				if h != f { // a MAC may have several dsts (append): drop the wrong ones
					c.DelFDBs = append(c.DelFDBs, h)
				}
			}
			if len(have) == 0 || !containsFDB(have, f) {
				c.SetFDBs = append(c.SetFDBs, f)
			}
		}
	}
	for _, f := range actual.FDBs {
		if _, ok := wantF[f.MAC]; !ok {
			c.DelFDBs = append(c.DelFDBs, f)
		}
	}
	return c
}

func containsFDB(fs []FDB, f FDB) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}
