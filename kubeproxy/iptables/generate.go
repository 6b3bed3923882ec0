package iptables

import (
	"fmt"
	"strconv"
	"strings"

	"minik8s/kubeproxy/proxy"
)

// LargeClusterEndpoints is the number of endpoints above which the rules
// of the KUBE-SVC-/KUBE-SVL-/KUBE-SEP- chains go without comments, as
// Kubernetes' "large cluster mode" (a 40% smaller payload).
const LargeClusterEndpoints = 1000

// Config is what the rules depend on besides the Services.
type Config struct {
	// MasqueradeMark is the KUBE-MARK-MASQ mark, e.g. "0x4000"
	// (1 << --masquerade-bit).
	MasqueradeMark string
	// ClusterCIDR is the pod CIDR of the cluster: traffic to a cluster IP
	// from outside it is masqueraded ("" turns that off).
	ClusterCIDR string
	// MasqueradeAll masquerades all traffic to cluster IPs.
	MasqueradeAll bool
	// Zone is the node's topology.kubernetes.io/zone label (topology
	// hints).
	Zone string
	// RandomFully adds --random-fully to the MASQUERADE rule.
	RandomFully bool
	// ConntrackTCPLiberal leaves out the KUBE-FORWARD INVALID drop (the
	// node sets nf_conntrack_tcp_be_liberal).
	ConntrackTCPLiberal bool
}

// Input is the state the rules are generated from.
type Input struct {
	// Ports are the service ports, in the order their rules are written
	// (proxy.SortServicePorts).
	Ports []proxy.ServicePort
	// Endpoints are each port's endpoints by proxy.PortKey.
	Endpoints map[string][]proxy.Endpoint
	// Versions, optional, maps a Service ("ns/name") to a string that
	// changes whenever its ports or endpoints do (its objects'
	// resourceVersions, proxy.Builder); GenerateCached compares it instead
	// of the whole input. Services without one are compared whole.
	Versions map[string]string
}

// ServiceRules are the nat chains of one Service (all its ports): the
// chain lines and the rules of its KUBE-SVC-, KUBE-SVL-, KUBE-EXT- and
// KUBE-SEP- chains. A partial sync writes them only when they changed.
type ServiceRules struct {
	Service string // "ns/name"
	Chains  []string
	Rules   []string
	text    string
}

// Rules is one sync's ruleset.
type Rules struct {
	// Filter is the whole filter table payload (chain lines, then rules),
	// without "*filter" and COMMIT.
	Filter []string
	// NATChains and NATRules are the nat table's top-level chain lines
	// and their rules (KUBE-SERVICES, KUBE-NODEPORTS, KUBE-POSTROUTING,
	// KUBE-MARK-MASQ), always written whole.
	NATChains, NATRules []string
	// Services are the per-Service chains, in the order of the ports.
	Services []ServiceRules
	// Active is the set of every per-service chain of the ruleset.
	Active map[string]bool
}

// Text is the Service's chains and rules as one string (what a partial
// sync compares with the last written).
func (s *ServiceRules) Text() string {
	if s.text == "" {
		s.text = strings.Join(s.Chains, "\n") + "\n" + strings.Join(s.Rules, "\n")
	}
	return s.text
}

// line joins words into one rule line.
func line(words ...string) string { return strings.Join(words, " ") }

func chainLine(c string) string { return ":" + c + " - [0:0]" }

// Probability is the statistic match's probability of the i-th of n
// rules: 1/(n-i), with Kubernetes' ten decimals.
func Probability(remaining int) string {
	return fmt.Sprintf("%0.10f", 1.0/float64(remaining))
}

// Generate computes the ruleset for in, as Kubernetes' syncProxyRules.
func Generate(cfg Config, in Input) *Rules { return GenerateCached(cfg, in, nil) }

// Cache keeps each Service's generated rules with the input they came
// from, so that GenerateCached regenerates only the Services whose ports or
// endpoints changed (at 5 000 Services most of a sync's cost otherwise).
type Cache struct{ m map[string]*serviceOut }

// NewCache returns an empty Cache.
func NewCache() *Cache { return &Cache{m: map[string]*serviceOut{}} }

// serviceOut is everything one Service contributes to the ruleset.
type serviceOut struct {
	key    string // the input it was generated from
	rules  ServiceRules
	natTop []string // its KUBE-SERVICES and KUBE-NODEPORTS rules
	filter []string // its filter REJECT/DROP rules
	active map[string]bool
}

// inputKey is everything a Service's rules depend on.
func (g *gen) inputKey(ports []proxy.ServicePort, eps map[string][]proxy.Endpoint) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%v|", g.cfg.Zone, g.large)
	for i := range ports {
		fmt.Fprintf(&b, "%v|", ports[i])
		for _, e := range eps[proxy.PortKey(ports[i].Name)] {
			fmt.Fprintf(&b, "%v;", e)
		}
	}
	return b.String()
}

// GenerateCached is Generate reusing (and refreshing) cache; the result is
// the same as Generate's. A nil cache is Generate.
func GenerateCached(cfg Config, in Input, cache *Cache) *Rules {
	r := &Rules{Active: map[string]bool{}}
	mark := cfg.MasqueradeMark
	var filterRules []string

	for _, c := range []string{ChainServices, ChainExternalServices, ChainForward, ChainNodePorts, ChainProxyFirewall} {
		r.Filter = append(r.Filter, chainLine(c))
	}
	for _, c := range []string{ChainServices, ChainNodePorts, ChainPostrouting, ChainMarkMasq} {
		r.NATChains = append(r.NATChains, chainLine(c))
	}
	masq := line("-A", ChainPostrouting, "-m", "comment", "--comment", `"kubernetes service traffic requiring SNAT"`, "-j", "MASQUERADE")
	if cfg.RandomFully {
		masq += " --random-fully"
	}
	r.NATRules = append(r.NATRules,
		line("-A", ChainPostrouting, "-m", "mark", "!", "--mark", mark+"/"+mark, "-j", "RETURN"),
		line("-A", ChainPostrouting, "-j", "MARK", "--xor-mark", mark),
		masq,
		line("-A", ChainMarkMasq, "-j", "MARK", "--or-mark", mark),
	)

	total := 0
	for i := range in.Ports {
		total += len(in.Endpoints[proxy.PortKey(in.Ports[i].Name)])
	}
	g := &gen{cfg: cfg, large: total > LargeClusterEndpoints}

	next := map[string]*serviceOut{}
	for i := 0; i < len(in.Ports); {
		j := i + 1
		for j < len(in.Ports) && in.Ports[j].Name.ServiceKey() == in.Ports[i].Name.ServiceKey() {
			j++
		}
		ports := in.Ports[i:j]
		i = j
		var out *serviceOut
		var key string
		if cache != nil {
			if v, ok := in.Versions[ports[0].Name.ServiceKey()]; ok {
				key = fmt.Sprintf("%s|%v|v:%s", g.cfg.Zone, g.large, v)
			} else {
				key = g.inputKey(ports, in.Endpoints)
			}
			if o := cache.m[ports[0].Name.ServiceKey()]; o != nil && o.key == key {
				out = o
			}
		}
		if out == nil {
			out = &serviceOut{key: key, rules: ServiceRules{Service: ports[0].Name.ServiceKey()}, active: map[string]bool{}}
			for k := range ports {
				g.servicePort(out, &ports[k], in.Endpoints[proxy.PortKey(ports[k].Name)])
			}
			out.rules.text = strings.Join(out.rules.Chains, "\n") + "\n" + strings.Join(out.rules.Rules, "\n")
		}
		next[out.rules.Service] = out
		r.Services = append(r.Services, out.rules)
		r.NATRules = append(r.NATRules, out.natTop...)
		filterRules = append(filterRules, out.filter...)
		for c := range out.active {
			r.Active[c] = true
		}
	}
	if cache != nil {
		cache.m = next
	}

	r.NATRules = append(r.NATRules, line("-A", ChainServices,
		"-m", "comment", "--comment", `"kubernetes service nodeports; NOTE: this must be the last rule in this chain"`,
		"-m", "addrtype", "--dst-type", "LOCAL", "!", "-d", "127.0.0.0/8", "-j", ChainNodePorts))

	if !cfg.ConntrackTCPLiberal {
		filterRules = append(filterRules, line("-A", ChainForward, "-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP"))
	}
	filterRules = append(filterRules,
		line("-A", ChainForward, "-m", "comment", "--comment", `"kubernetes forwarding rules"`,
			"-m", "mark", "--mark", mark+"/"+mark, "-j", "ACCEPT"),
		line("-A", ChainForward, "-m", "comment", "--comment", `"kubernetes forwarding conntrack rule"`,
			"-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"),
	)
	r.Filter = append(r.Filter, filterRules...)
	return r
}

type gen struct {
	cfg   Config
	large bool
}

// comment is "-m comment --comment c", or nothing in large cluster mode.
func (g *gen) comment(c string) []string {
	if g.large {
		return nil
	}
	return []string{"-m", "comment", "--comment", c}
}

// servicePort writes one port's rules into its Service's out: the
// KUBE-SERVICES/KUBE-NODEPORTS jumps, the filter REJECT/DROP rules and its
// own chains.
func (g *gen) servicePort(out *serviceOut, sp *proxy.ServicePort, eps []proxy.Endpoint) {
	svc := &out.rules
	filter := &out.filter
	name := sp.Name.String()
	proto := strings.ToLower(sp.Name.Protocol)
	port := strconv.Itoa(sp.Port)
	cat := proxy.CategorizeEndpoints(eps, sp, g.cfg.Zone)

	clusterChain := ServiceChain(name, proto)
	localChain := ServiceLocalChain(name, proto)
	extChain := ServiceExternalChain(name, proto)
	usesCluster := len(cat.Cluster) > 0 && sp.UsesClusterEndpoints()
	usesLocal := len(cat.Local) > 0 && sp.UsesLocalEndpoints()

	internalChain, hasInternal := clusterChain, cat.HasAny
	if sp.InternalPolicyLocal {
		internalChain = localChain
		hasInternal = hasInternal && len(cat.Local) > 0
	}
	externalPolicyChain, hasExternal := clusterChain, cat.HasAny
	if sp.ExternalPolicyLocal {
		externalPolicyChain = localChain
		hasExternal = hasExternal && len(cat.Local) > 0
	}
	usesExt := cat.HasAny && sp.ExternallyAccessible()

	var internalTarget, internalComment, externalTarget, externalComment string
	if !cat.HasAny {
		internalTarget, externalTarget = "REJECT", "REJECT"
		internalComment = fmt.Sprintf(`"%s has no endpoints"`, name)
		externalComment = internalComment
	} else {
		if !hasInternal {
			internalTarget, internalComment = "DROP", fmt.Sprintf(`"%s has no local endpoints"`, name)
		}
		if !hasExternal {
			externalTarget, externalComment = "DROP", fmt.Sprintf(`"%s has no local endpoints"`, name)
		}
	}

	// The cluster IP.
	if hasInternal {
		out.natTop = append(out.natTop, line("-A", ChainServices,
			"-m", "comment", "--comment", fmt.Sprintf(`"%s cluster IP"`, name),
			"-m", proto, "-p", proto, "-d", sp.ClusterIP, "--dport", port, "-j", internalChain))
	} else {
		*filter = append(*filter, line("-A", ChainServices,
			"-m", "comment", "--comment", internalComment,
			"-m", proto, "-p", proto, "-d", sp.ClusterIP, "--dport", port, "-j", internalTarget))
	}
	// External IPs.
	for _, ip := range sp.ExternalIPs {
		if cat.HasAny {
			out.natTop = append(out.natTop, line("-A", ChainServices,
				"-m", "comment", "--comment", fmt.Sprintf(`"%s external IP"`, name),
				"-m", proto, "-p", proto, "-d", ip, "--dport", port, "-j", extChain))
		}
		if !hasExternal {
			*filter = append(*filter, line("-A", ChainExternalServices,
				"-m", "comment", "--comment", externalComment,
				"-m", proto, "-p", proto, "-d", ip, "--dport", port, "-j", externalTarget))
		}
	}
	// Load-balancer IPs.
	for _, ip := range sp.LoadBalancerIPs {
		if cat.HasAny {
			out.natTop = append(out.natTop, line("-A", ChainServices,
				"-m", "comment", "--comment", fmt.Sprintf(`"%s loadbalancer IP"`, name),
				"-m", proto, "-p", proto, "-d", ip, "--dport", port, "-j", extChain))
		}
	}
	if !hasExternal {
		for _, ip := range sp.LoadBalancerIPs {
			*filter = append(*filter, line("-A", ChainExternalServices,
				"-m", "comment", "--comment", externalComment,
				"-m", proto, "-p", proto, "-d", ip, "--dport", port, "-j", externalTarget))
		}
	}
	// The NodePort.
	if sp.NodePort != 0 {
		nodePort := strconv.Itoa(sp.NodePort)
		if cat.HasAny {
			out.natTop = append(out.natTop, line("-A", ChainNodePorts,
				"-m", "comment", "--comment", name,
				"-m", proto, "-p", proto, "--dport", nodePort, "-j", extChain))
		}
		if !hasExternal {
			*filter = append(*filter, line("-A", ChainExternalServices,
				"-m", "comment", "--comment", externalComment,
				"-m", "addrtype", "--dst-type", "LOCAL",
				"-m", proto, "-p", proto, "--dport", nodePort, "-j", externalTarget))
		}
	}

	// The Service's own chains.
	if hasInternal {
		match := line("-m", "comment", "--comment", fmt.Sprintf(`"%s cluster IP"`, name),
			"-m", proto, "-p", proto, "-d", sp.ClusterIP, "--dport", port)
		switch {
		case g.cfg.MasqueradeAll:
			svc.Rules = append(svc.Rules, line("-A", internalChain, match, "-j", ChainMarkMasq))
		case g.cfg.ClusterCIDR != "":
			// Off-cluster traffic to a cluster IP (a node, or a route to
			// the service CIDR through a node) may bounce off-node.
			svc.Rules = append(svc.Rules, line("-A", internalChain, match, "!", "-s", g.cfg.ClusterCIDR, "-j", ChainMarkMasq))
		}
	}
	if usesExt {
		svc.Chains = append(svc.Chains, chainLine(extChain))
		out.active[extChain] = true
		if !sp.ExternalPolicyLocal {
			svc.Rules = append(svc.Rules, line("-A", extChain,
				"-m", "comment", "--comment", fmt.Sprintf(`"masquerade traffic for %s external destinations"`, name),
				"-j", ChainMarkMasq))
		} else {
			if g.cfg.ClusterCIDR != "" {
				svc.Rules = append(svc.Rules, line("-A", extChain,
					"-m", "comment", "--comment", fmt.Sprintf(`"pod traffic for %s external destinations"`, name),
					"-s", g.cfg.ClusterCIDR, "-j", clusterChain))
			}
			svc.Rules = append(svc.Rules,
				line("-A", extChain,
					"-m", "comment", "--comment", fmt.Sprintf(`"masquerade LOCAL traffic for %s external destinations"`, name),
					"-m", "addrtype", "--src-type", "LOCAL", "-j", ChainMarkMasq),
				line("-A", extChain,
					"-m", "comment", "--comment", fmt.Sprintf(`"route LOCAL traffic for %s external destinations"`, name),
					"-m", "addrtype", "--src-type", "LOCAL", "-j", clusterChain))
		}
		if hasExternal {
			svc.Rules = append(svc.Rules, line("-A", extChain, "-j", externalPolicyChain))
		}
	}
	if usesCluster {
		svc.Chains = append(svc.Chains, chainLine(clusterChain))
		out.active[clusterChain] = true
		g.balance(svc, sp, clusterChain, cat.Cluster)
	}
	if usesLocal {
		svc.Chains = append(svc.Chains, chainLine(localChain))
		out.active[localChain] = true
		g.balance(svc, sp, localChain, cat.Local)
	}
	for _, ep := range cat.Reachable {
		sep := EndpointChain(name, proto, ep.String())
		svc.Chains = append(svc.Chains, chainLine(sep))
		out.active[sep] = true
		head := append([]string{"-A", sep}, g.comment(name)...)
		svc.Rules = append(svc.Rules, line(append(head, "-s", ep.IP, "-j", ChainMarkMasq)...))
		rule := head
		if sp.StickySeconds > 0 {
			rule = append(rule, "-m", "recent", "--name", sep, "--set")
		}
		rule = append(rule, "-m", proto, "-p", proto, "-j", "DNAT", "--to-destination", ep.String())
		svc.Rules = append(svc.Rules, line(rule...))
	}
}

// balance writes chain's rules to its endpoints: the ClientIP affinity
// checks first, then one rule per endpoint with probability 1/n,
// 1/(n-1), ..., the last taken always.
func (g *gen) balance(svc *ServiceRules, sp *proxy.ServicePort, chain string, eps []proxy.Endpoint) {
	name := sp.Name.String()
	proto := strings.ToLower(sp.Name.Protocol)
	if sp.StickySeconds > 0 {
		for _, ep := range eps {
			sep := EndpointChain(name, proto, ep.String())
			rule := append([]string{"-A", chain}, g.comment(fmt.Sprintf(`"%s -> %s"`, name, ep.String()))...)
			rule = append(rule, "-m", "recent", "--name", sep, "--rcheck", "--seconds", strconv.Itoa(sp.StickySeconds), "--reap", "-j", sep)
			svc.Rules = append(svc.Rules, line(rule...))
		}
	}
	for i, ep := range eps {
		sep := EndpointChain(name, proto, ep.String())
		rule := append([]string{"-A", chain}, g.comment(fmt.Sprintf(`"%s -> %s"`, name, ep.String()))...)
		if i < len(eps)-1 {
			rule = append(rule, "-m", "statistic", "--mode", "random", "--probability", Probability(len(eps)-i))
		}
		svc.Rules = append(svc.Rules, line(append(rule, "-j", sep)...))
	}
}
