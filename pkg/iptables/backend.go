package iptables

import (
	"fmt"
	"strings"
)

// Backend names the iptables flavour a Runner drives.
type Backend string

const (
	// Legacy is iptables-legacy (the x_tables kernel API): one table is
	// replaced whole, so a 5 000-Service restore takes about a second.
	Legacy Backend = "legacy"
	// NFT is iptables-nft (nf_tables through the iptables syntax): every
	// rule is its own netlink object; large restores are far slower (about
	// 90 s for 5 000 Services on the lab kernel).
	NFT Backend = "nft"
	// Auto detects the backend (see Detect).
	Auto Backend = "auto"
)

// DefaultBackend is the default of every --iptables-backend flag.
const DefaultBackend = Auto

// HintChain is the chain the kubelet (and our network agent) creates in
// the mangle table of the backend it uses, so that other components (and
// Kubernetes' iptables-wrapper scripts) can tell which one the node runs.
const HintChain = "KUBE-IPTABLES-HINT"

// ParseBackend checks a flag value.
func ParseBackend(s string) (Backend, error) {
	switch b := Backend(strings.ToLower(s)); b {
	case Legacy, NFT, Auto:
		return b, nil
	case "":
		return DefaultBackend, nil
	}
	return "", fmt.Errorf("iptables backend %q: want legacy, nft or auto", s)
}

// Commands are the binaries of one backend.
type Commands struct {
	IPTables, Save, Restore string
}

// CommandsFor returns the binaries of a concrete backend (Legacy or NFT).
func CommandsFor(b Backend) Commands {
	return Commands{
		IPTables: "iptables-" + string(b),
		Save:     "iptables-" + string(b) + "-save",
		Restore:  "iptables-" + string(b) + "-restore",
	}
}

// Probe is what one backend holds on this node.
type Probe struct {
	Available bool // its binaries run and the kernel accepts them
	Hint      bool // its mangle table has HintChain
	Ours      int  // KUBE-* and MINIK8S-* chains in its nat and filter tables
	Rules     int  // rules in those tables
}

// Detect chooses a backend from the two probes, in this order:
//  1. the one whose mangle table holds KUBE-IPTABLES-HINT (written by the
//     first component of the node, as the kubelet does for Kubernetes'
//     iptables-wrapper scripts);
//  2. the one already holding KUBE-*/MINIK8S-* chains (both: the one with
//     more rules), so a restarted component keeps to what is there;
//  3. legacy if available: nothing is there yet, and legacy keeps large
//     syncs fast (docs/kubeproxy.md);
//  4. nft.
//
// It fails only if neither backend is available.
func Detect(legacy, nft Probe) (Backend, error) {
	switch {
	case !legacy.Available && !nft.Available:
		return "", fmt.Errorf("neither iptables-legacy nor iptables-nft works on this node")
	case !legacy.Available:
		return NFT, nil
	case !nft.Available:
		return Legacy, nil
	case legacy.Hint != nft.Hint:
		if legacy.Hint {
			return Legacy, nil
		}
		return NFT, nil
	case (legacy.Ours > 0) != (nft.Ours > 0):
		if legacy.Ours > 0 {
			return Legacy, nil
		}
		return NFT, nil
	case legacy.Ours > 0 && nft.Rules > legacy.Rules:
		return NFT, nil
	}
	return Legacy, nil
}

// ProbeSave fills a Probe's Ours and Rules from an iptables-save output.
func ProbeSave(p *Probe, save []byte) {
	for _, line := range strings.Split(string(save), "\n") {
		switch {
		case strings.HasPrefix(line, ":"):
			if f := strings.Fields(line[1:]); len(f) > 0 && (strings.HasPrefix(f[0], "KUBE-") || strings.HasPrefix(f[0], "MINIK8S-")) {
				p.Ours++
			}
		case strings.HasPrefix(line, "-A "):
			p.Rules++
		}
	}
}

// ParseChains returns the chain names an iptables-save of one table (or a
// restore payload) declares, in order.
func ParseChains(save []byte) []string {
	var out []string
	for _, line := range strings.Split(string(save), "\n") {
		if strings.HasPrefix(line, ":") {
			if f := strings.Fields(line[1:]); len(f) > 0 {
				out = append(out, f[0])
			}
		}
	}
	return out
}
