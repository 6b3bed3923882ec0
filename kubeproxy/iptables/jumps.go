package iptables

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
