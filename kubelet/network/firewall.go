package network

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"minik8s/pkg/iptables"
)

// Chains the agent owns (it rewrites them whole on every write). The
// service masquerade pair KUBE-MARK-MASQ/KUBE-POSTROUTING (mark 0x4000) is
// kube-proxy's alone, as in Kubernetes 1.32; the hostPort hairpin has its
// own mark and chains (as CNI's portmap plugin has CNI-HOSTPORT-SETMARK and
// CNI-HOSTPORT-MASQ with 0x2000), so it works with or without kube-proxy.
const (
	ChainForward      = "MINIK8S-FORWARD"          // filter, jumped from FORWARD
	ChainPostrouting  = "MINIK8S-POSTRTG"          // nat, jumped from POSTROUTING
	ChainHostPorts    = "KUBE-HOSTPORTS"           // nat, jumped from PREROUTING and OUTPUT
	ChainHostPortMark = "MINIK8S-HOSTPORT-SETMARK" // nat: marks hairpin hostPort traffic
	ChainHostPortMasq = "MINIK8S-HOSTPORT-MASQ"    // nat, jumped from POSTROUTING: masquerades it
	hostPortPrefix    = "KUBE-HP-"

	// MasqueradeMark is DESIGN.md §5's KUBE-MARK-MASQ mark (kube-proxy's);
	// the agent leaves packets carrying it to kube-proxy's KUBE-POSTROUTING.
	MasqueradeMark = "0x4000/0x4000"
	// HostPortMark is the agent's hairpin mark (portmap's 0x2000).
	HostPortMark = "0x2000/0x2000"
)

// Jump is a rule in a built-in chain that sends traffic to one of ours.
type Jump = iptables.Jump

// Jumps are the agent's rules in the built-in chains (inserted first, but
// the FORWARD one).
func Jumps() []Jump {
	return []Jump{
		// Appended, as flannel appends FLANNEL-FWD: kube-proxy's
		// KUBE-FORWARD/KUBE-SERVICES (the REJECT of Services without
		// endpoints) must see pod traffic before this ACCEPTs it.
		{Table: "filter", Chain: "FORWARD", Rule: []string{"-m", "comment", "--comment", "minik8s pod network forward", "-j", ChainForward}, Append: true},
		{Table: "nat", Chain: "POSTROUTING", Rule: []string{"-m", "comment", "--comment", "minik8s hostport hairpin masq", "-j", ChainHostPortMasq}},
		{Table: "nat", Chain: "POSTROUTING", Rule: []string{"-m", "comment", "--comment", "minik8s pod network masq", "-j", ChainPostrouting}},
		{Table: "nat", Chain: "PREROUTING", Rule: []string{"-m", "comment", "--comment", "kube hostport portals", "-m", "addrtype", "--dst-type", "LOCAL", "-j", ChainHostPorts}},
		{Table: "nat", Chain: "OUTPUT", Rule: []string{"-m", "comment", "--comment", "kube hostport portals", "-m", "addrtype", "--dst-type", "LOCAL", "-j", ChainHostPorts}},
	}
}

// RulesConfig is what the node's rules depend on besides the pods.
type RulesConfig struct {
	ClusterCIDR netip.Prefix // every pod of the cluster
	PodCIDR     netip.Prefix // this node's pods
}

// RulesPayload is the iptables-restore --noflush input that writes every
// chain the agent owns: the backend hint (mangle KUBE-IPTABLES-HINT, as the
// kubelet writes it), the forward accept, flannel's masquerade rules (pods
// to outside the cluster are masqueraded, pod to pod never), the hairpin
// pair MINIK8S-HOSTPORT-SETMARK/-MASQ, KUBE-HOSTPORTS with one KUBE-HP-
// chain per mapping (hairpin mark, then DNAT), and the deletion of the
// KUBE-HP- chains in existing that are no longer wanted.
func RulesPayload(cfg RulesConfig, mappings []HostPortMapping, existing []string) []byte {
	var b strings.Builder
	cluster, pod := cfg.ClusterCIDR.String(), cfg.PodCIDR.String()
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }

	w("*mangle")
	w(":%s - [0:0]", iptables.HintChain)
	w("COMMIT")

	w("*filter")
	w(":%s - [0:0]", ChainForward)
	w(`-A %s -s %s -m comment --comment "minik8s pod network forward" -j ACCEPT`, ChainForward, cluster)
	w(`-A %s -d %s -m comment --comment "minik8s pod network forward" -j ACCEPT`, ChainForward, cluster)
	w("COMMIT")

	w("*nat")
	want := map[string]bool{}
	for _, m := range mappings {
		want[m.Chain()] = true
	}
	chains := []string{ChainPostrouting, ChainHostPortMark, ChainHostPortMasq, ChainHostPorts}
	for _, m := range mappings {
		chains = append(chains, m.Chain())
	}
	var stale []string
	for _, c := range existing {
		if strings.HasPrefix(c, hostPortPrefix) && !want[c] {
			stale = append(stale, c)
		}
	}
	sort.Strings(stale)
	for _, c := range append(chains, stale...) {
		w(":%s - [0:0]", c)
	}
	const masq = `-m comment --comment "minik8s pod network masq"`
	w("-A %s -m mark --mark %s %s -j RETURN", ChainPostrouting, MasqueradeMark, masq)
	w("-A %s -s %s -d %s %s -j RETURN", ChainPostrouting, pod, cluster, masq)
	w("-A %s -s %s -d %s %s -j RETURN", ChainPostrouting, cluster, pod, masq)
	w("-A %s ! -s %s -d %s %s -j RETURN", ChainPostrouting, cluster, pod, masq)
	w("-A %s -s %s ! -d 224.0.0.0/4 %s -j MASQUERADE --random-fully", ChainPostrouting, cluster, masq)
	w("-A %s ! -s %s -d %s %s -j MASQUERADE --random-fully", ChainPostrouting, cluster, cluster, masq)
	w("-A %s -j MARK --set-xmark %s", ChainHostPortMark, HostPortMark)
	w(`-A %s -m mark --mark %s -m comment --comment "minik8s hostport hairpin masq" -j MASQUERADE --random-fully`, ChainHostPortMasq, HostPortMark)
	for _, m := range mappings {
		proto := strings.ToLower(m.Protocol)
		dst := ""
		if m.HostIP != "" {
			dst = " -d " + m.HostIP + "/32"
		}
		w(`-A %s%s -m comment --comment "%s" -m %s -p %s --dport %d -j %s`, ChainHostPorts, dst, m.comment(), proto, proto, m.HostPort, m.Chain())
	}
	for _, m := range mappings {
		proto := strings.ToLower(m.Protocol)
		w(`-A %s -s %s/32 -m comment --comment "%s" -j %s`, m.Chain(), m.PodIP, m.comment(), ChainHostPortMark)
		w(`-A %s -m comment --comment "%s" -m %s -p %s -j DNAT --to-destination %s`, m.Chain(), m.comment(), proto, proto, netip.AddrPortFrom(m.PodIP, uint16(m.ContainerPort)))
	}
	for _, c := range stale {
		w("-X %s", c)
	}
	w("COMMIT")
	return []byte(b.String())
}

// ParseChains returns the chain names an iptables-save of one table declares.
func ParseChains(save []byte) []string { return iptables.ParseChains(save) }
