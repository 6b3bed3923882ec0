package kubeproxy

import (
	"maps"
	"sort"
	"strings"

	"minik8s/kubeproxy/iptables"
	"minik8s/kubeproxy/proxy"
)

// syncState is what the last successful sync wrote.
type syncState struct {
	written map[string]string // Service "ns/name" -> its chains' text
	top     string            // filter table and nat top-level chains' text
	active  map[string]bool   // every per-service chain
	udp     map[string]string // UDP port key -> its serving endpoints
}

// plan is one sync's decision.
type plan struct {
	payload []byte
	skip    bool      // nothing changed since the last sync: no restore
	changed []string  // Services whose chains are written (all on a full sync)
	stale   []string  // chains deleted
	next    syncState // the state once the payload is restored
	udp     bool      // a UDP port's serving endpoints changed: clean conntrack
}

// planSync decides what a sync writes. A full sync writes every chain and
// deletes the stale ones of existing (what iptables-save listed); a
// partial sync writes the top-level chains and the chains of the Services
// whose rules differ from last's, and deletes the chains the last sync
// wrote that are no longer used. A partial sync with nothing to change is
// skipped. jumps (a full sync's missing ones) are inserted by the payload.
func planSync(r *iptables.Rules, in iptables.Input, last *syncState, full bool, existing []string, jumps []iptables.Jump) plan {
	next := syncState{written: map[string]string{}, active: r.Active, udp: udpSignature(in)}
	next.top = strings.Join(r.Filter, "\n") + "\n" + strings.Join(r.NATChains, "\n") + "\n" + strings.Join(r.NATRules, "\n")
	for i := range r.Services {
		next.written[r.Services[i].Service] = r.Services[i].Text()
	}
	if !full {
		existing = existing[:0:0]
		for c := range last.active {
			existing = append(existing, c)
		}
	}
	p := plan{next: next, stale: iptables.Stale(existing, r.Active)}
	var write func(string) bool
	if full {
		for s := range next.written {
			p.changed = append(p.changed, s)
		}
	} else {
		changed := map[string]bool{}
		for s, text := range next.written {
			if last.written[s] != text {
				changed[s] = true
				p.changed = append(p.changed, s)
			}
		}
		write = func(s string) bool { return changed[s] }
		if len(changed) == 0 && len(p.stale) == 0 && next.top == last.top {
			p.skip = true
		}
	}
	sort.Strings(p.changed)
	p.udp = !maps.Equal(next.udp, last.udp)
	if !p.skip {
		p.payload = iptables.PayloadWithJumps(r, write, p.stale, jumps)
	}
	return p
}

// udpSignature is, per UDP service port, its address and its serving
// endpoints: when it changes, stale conntrack entries may exist.
func udpSignature(in iptables.Input) map[string]string {
	out := map[string]string{}
	for i := range in.Ports {
		sp := &in.Ports[i]
		if sp.Name.Protocol != "UDP" {
			continue
		}
		var b strings.Builder
		b.WriteString(sp.ClusterIP)
		for _, e := range in.Endpoints[proxy.PortKey(sp.Name)] {
			if e.Serving {
				b.WriteString(" " + e.String())
			}
		}
		out[proxy.PortKey(sp.Name)] = b.String()
	}
	return out
}
