package iptables

import (
	"bytes"
	"sort"
)

// Payload assembles the iptables-restore --noflush input of r: the filter
// table and nat's top-level chains whole, the chains of the Services for
// which write returns true (write nil: every Service, a full sync), and the
// flush and deletion (-X) of the stale chains. A chain that is written is
// declared (":CHAIN - [0:0]"), which flushes it, so the restore replaces
// exactly the chains it names and leaves every other chain alone.
func Payload(r *Rules, write func(service string) bool, stale []string) []byte {
	return PayloadWithJumps(r, write, stale, nil)
}

// PayloadWithJumps is Payload that also inserts jumps first in their
// built-in chains ("-I CHAIN 1", in order, after the chains they lead to
// are declared): a full sync passes the jumps iptables-save did not show,
// so they are put in place by the same restore instead of an iptables -C
// and -I per jump, each of which reads the whole table on a legacy node.
func PayloadWithJumps(r *Rules, write func(service string) bool, stale []string, jumps []Jump) []byte {
	var b bytes.Buffer
	b.Grow(payloadSize(r, write)) // one allocation: megabytes at thousands of Services
	insert := func(table string) {
		for _, j := range jumps {
			if j.Table == table {
				b.WriteString(j.InsertLine())
				b.WriteByte('\n')
			}
		}
	}
	ln := func(s string) { b.WriteString(s); b.WriteByte('\n') }
	ln("*filter")
	for _, l := range r.Filter {
		ln(l)
	}
	insert("filter")
	ln("COMMIT")
	ln("*nat")
	for _, l := range r.NATChains {
		ln(l)
	}
	for i := range r.Services {
		if write == nil || write(r.Services[i].Service) {
			for _, l := range r.Services[i].Chains {
				ln(l)
			}
		}
	}
	stale = append([]string(nil), stale...)
	sort.Strings(stale)
	for _, c := range stale {
		ln(chainLine(c))
	}
	for _, l := range r.NATRules {
		ln(l)
	}
	for i := range r.Services {
		if write == nil || write(r.Services[i].Service) {
			for _, l := range r.Services[i].Rules {
				ln(l)
			}
		}
	}
	for _, c := range stale {
		ln("-X " + c)
	}
	insert("nat")
	ln("COMMIT")
	return b.Bytes()
}

// Stale returns the chains of existing that are kube-proxy's per-service
// chains and not in active: the ones a sync deletes.
func Stale(existing []string, active map[string]bool) []string {
	var out []string
	for _, c := range existing {
		if IsServiceChain(c) && !active[c] {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// payloadSize is about the size of the payload of r (the lines of the
// chains written; a small margin for the rest).
func payloadSize(r *Rules, write func(service string) bool) int {
	n := 4096
	add := func(lines []string) {
		for _, l := range lines {
			n += len(l) + 1
		}
	}
	add(r.Filter)
	add(r.NATChains)
	add(r.NATRules)
	for i := range r.Services {
		if write == nil || write(r.Services[i].Service) {
			add(r.Services[i].Chains)
			add(r.Services[i].Rules)
		}
	}
	return n
}
