package iptables

import "strings"

// Jump is a rule in a built-in chain that jumps to one of kube-proxy's
// chains; it is inserted first in Chain unless present (the chain Target
// is created first).
type Jump struct {
	Table, Chain, Target string
	Rule                 []string // the rule spec, ending "-j Target"
}

// Jumps are Kubernetes 1.32's iptablesJumpChains, in its order.
func Jumps() []Jump {
	newOnly := []string{"-m", "conntrack", "--ctstate", "NEW"}
	j := func(table, chain, target, comment string, extra []string) Jump {
		rule := append(append([]string(nil), extra...), "-m", "comment", "--comment", comment, "-j", target)
		return Jump{Table: table, Chain: chain, Target: target, Rule: rule}
	}
	return []Jump{
		j("filter", "INPUT", ChainExternalServices, "kubernetes externally-visible service portals", newOnly),
		j("filter", "FORWARD", ChainExternalServices, "kubernetes externally-visible service portals", newOnly),
		j("filter", "INPUT", ChainNodePorts, "kubernetes health check service ports", nil),
		j("filter", "FORWARD", ChainServices, "kubernetes service portals", newOnly),
		j("filter", "OUTPUT", ChainServices, "kubernetes service portals", newOnly),
		j("filter", "FORWARD", ChainForward, "kubernetes forwarding rules", nil),
		j("filter", "INPUT", ChainProxyFirewall, "kubernetes load balancer firewall", newOnly),
		j("filter", "OUTPUT", ChainProxyFirewall, "kubernetes load balancer firewall", newOnly),
		j("filter", "FORWARD", ChainProxyFirewall, "kubernetes load balancer firewall", newOnly),
		j("nat", "OUTPUT", ChainServices, "kubernetes service portals", nil),
		j("nat", "PREROUTING", ChainServices, "kubernetes service portals", nil),
		j("nat", "POSTROUTING", ChainPostrouting, "kubernetes postrouting rules", nil),
	}
}

// InsertLine is the iptables-restore line that inserts the jump first in
// its chain: SaveLine with "-I CHAIN 1".
func (j Jump) InsertLine() string {
	return "-I " + j.Chain + " 1" + strings.TrimPrefix(j.SaveLine(), "-A "+j.Chain)
}

// SaveLine is how iptables-save prints the jump: "-A CHAIN" and the rule,
// a word with a space quoted.
func (j Jump) SaveLine() string {
	words := []string{"-A", j.Chain}
	for _, w := range j.Rule {
		if strings.ContainsAny(w, " \t") {
			w = `"` + w + `"`
		}
		words = append(words, w)
	}
	return strings.Join(words, " ")
}

// MissingJumps returns the jumps whose rule iptables-save (saves, by
// table) does not show: the only ones a full sync has to check and insert
// (one save per table instead of one iptables -C per jump, which on a
// legacy node with thousands of rules reads the whole table each time). A
// rule iptables prints differently is reported missing, and the caller's
// idempotent check keeps it from being added twice.
func MissingJumps(jumps []Jump, saves map[string][]byte) []Jump {
	lines := map[string]map[string]bool{}
	for table, save := range saves {
		set := map[string]bool{}
		for _, l := range strings.Split(string(save), "\n") {
			if strings.HasPrefix(l, "-A ") {
				set[strings.TrimSpace(l)] = true
			}
		}
		lines[table] = set
	}
	var out []Jump
	for _, j := range jumps {
		if !lines[j.Table][j.SaveLine()] {
			out = append(out, j)
		}
	}
	return out
}
