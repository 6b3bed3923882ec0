package netinfo

import "time"

// Node is one node's network as the kernel has it, read in the kubelet's
// network namespace (the node's), each pod's namespace through its netns
// path, and the netfilter tables through iptables-save -c. It is what GET
// /netinfo on the kubelet serves. Errors lists the parts that could not be
// read (the rest is still filled in).
type Node struct {
	Node      string     `json:"node"`
	Time      time.Time  `json:"time"`
	Backend   string     `json:"backend,omitempty"` // the pod network backend: vxlan, host-gw or none
	Links     []Link     `json:"links"`
	Routes    []Route    `json:"routes"`
	Neighbors []Neighbor `json:"neighbors,omitempty"`
	FDB       []FDBEntry `json:"fdb,omitempty"`
	Pods      []Pod      `json:"pods"`
	Netfilter Netfilter  `json:"netfilter"`
	Errors    []string   `json:"errors,omitempty"`
}

// Link is one network interface (ip -d -s link, ip addr).
type Link struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	// Kind is the driver: veth, bridge, vxlan, device (a physical or
	// unclassified one), dummy, loopback, ...
	Kind  string `json:"kind"`
	MAC   string `json:"mac,omitempty"`
	MTU   int    `json:"mtu"`
	Up    bool   `json:"up"`              // administratively up (IFF_UP)
	State string `json:"state,omitempty"` // operational state: up, down, unknown, lowerlayerdown, ...
	// MasterIndex and Master are the bridge (or other master) this link is
	// a port of.
	MasterIndex int    `json:"masterIndex,omitempty"`
	Master      string `json:"master,omitempty"`
	// PeerIndex is a veth's peer's ifindex (IFLA_LINK), in the namespace
	// PeerNetNSID names (-1 or absent: the same namespace). A pod's eth0
	// has the host-side veth's index; the host-side veth has eth0's.
	PeerIndex   int        `json:"peerIndex,omitempty"`
	PeerNetNSID int        `json:"peerNetnsId,omitempty"`
	Addresses   []string   `json:"addresses,omitempty"` // CIDR form: 10.244.1.1/24
	VXLAN       *VXLAN     `json:"vxlan,omitempty"`
	Counters    Counters   `json:"counters"`
	Bridge      *BridgeOpt `json:"bridge,omitempty"`
}

// VXLAN is a VXLAN device's parameters (ip -d link show flannel.1).
type VXLAN struct {
	VNI       int    `json:"vni"`
	Local     string `json:"local,omitempty"`
	Port      int    `json:"port"`
	Device    string `json:"device,omitempty"` // the underlay device (VtepDevIndex)
	DeviceIdx int    `json:"deviceIndex,omitempty"`
	Learning  bool   `json:"learning"`
}

// BridgeOpt marks a bridge (its ports are the links whose Master it is).
type BridgeOpt struct {
	Ports []string `json:"ports,omitempty"`
}

// Counters are a link's statistics (ip -s link).
type Counters struct {
	RxPackets uint64 `json:"rxPackets"`
	TxPackets uint64 `json:"txPackets"`
	RxBytes   uint64 `json:"rxBytes"`
	TxBytes   uint64 `json:"txBytes"`
	RxDropped uint64 `json:"rxDropped,omitempty"`
	TxDropped uint64 `json:"txDropped,omitempty"`
}

// Route is one IPv4 route (ip route show table all).
type Route struct {
	// Dst is a CIDR; "default" is 0.0.0.0/0.
	Dst      string `json:"dst"`
	Gateway  string `json:"gateway,omitempty"`
	Dev      string `json:"dev,omitempty"`
	DevIndex int    `json:"devIndex,omitempty"`
	Src      string `json:"src,omitempty"`
	// Table is the routing table: 254 main, 255 local.
	Table int `json:"table"`
	// Type is unicast, local, broadcast, blackhole, unreachable, ...
	Type     string `json:"type,omitempty"`
	Scope    string `json:"scope,omitempty"` // universe (global), link, host
	Protocol string `json:"protocol,omitempty"`
	Metric   int    `json:"metric,omitempty"`
	Onlink   bool   `json:"onlink,omitempty"`
}

// Neighbor is one ARP entry (ip neigh).
type Neighbor struct {
	IP    string `json:"ip"`
	MAC   string `json:"mac,omitempty"`
	Dev   string `json:"dev"`
	State string `json:"state,omitempty"` // permanent, reachable, stale, ...
}

// FDBEntry is one bridge forwarding entry (bridge fdb show), e.g. the
// flannel.1 entry that sends a peer's VTEP MAC to its node address.
type FDBEntry struct {
	MAC string `json:"mac"`
	Dev string `json:"dev"`
	Dst string `json:"dst,omitempty"` // VXLAN remote (the peer node's address)
	VNI int    `json:"vni,omitempty"`
}

// Pod is one pod's network namespace on the node.
type Pod struct {
	Namespace   string  `json:"namespace"`
	Name        string  `json:"name"`
	UID         string  `json:"uid,omitempty"`
	IP          string  `json:"ip,omitempty"`
	HostNetwork bool    `json:"hostNetwork,omitempty"`
	NetNS       string  `json:"netns,omitempty"` // the namespace's path
	Links       []Link  `json:"links,omitempty"`
	Routes      []Route `json:"routes,omitempty"`
	Error       string  `json:"error,omitempty"`
}

// Netfilter is the node's rules with their counters: iptables-save -c of
// the backend kube-proxy uses, one table after another as the command
// prints them ("*nat ... COMMIT").
type Netfilter struct {
	Backend string `json:"backend,omitempty"` // legacy or nft
	Save    string `json:"save"`
}

// ProbeRequest is POST /netinfo/probe: send one packet from inside a pod's
// network namespace (or, with Pod empty, the node's) to IP:Port.
type ProbeRequest struct {
	Namespace string `json:"namespace,omitempty"`
	Pod       string `json:"pod,omitempty"`
	Protocol  string `json:"protocol"` // tcp or udp
	IP        string `json:"ip"`
	Port      int    `json:"port"`
	// TimeoutMillis bounds the attempt (default 2000, at most 10000).
	TimeoutMillis int `json:"timeoutMillis,omitempty"`
}

// ProbeResult is what happened.
type ProbeResult struct {
	From     string `json:"from"` // ns/pod, or node/NAME
	To       string `json:"to"`   // proto ip:port
	Protocol string `json:"protocol"`
	// Outcome: connected (TCP handshake done), refused (RST or ICMP port
	// unreachable), timeout, sent (UDP datagram sent, no answer),
	// replied (UDP answer received), or error.
	Outcome    string `json:"outcome"`
	Error      string `json:"error,omitempty"`
	LocalAddr  string `json:"localAddr,omitempty"`
	DurationMs int64  `json:"durationMs"`
}
