package dns

import (
	"net/netip"
	"strings"

	mdns "github.com/miekg/dns"
)

// result is how to answer one question from a snapshot. Its slices are
// the snapshot's shared, read-only records.
type result struct {
	rcode   int
	auth    bool
	answer  []mdns.RR
	ns      []mdns.RR
	extra   []mdns.RR
	chase   string // the answer is a CNAME to this name: resolve it too
	rename  bool   // the answer's owner is a wildcard's: rename to the query name
	forward bool   // not ours: ask the upstream resolvers
}

// Lookup answers qname (lower case, fully qualified) and qtype from the
// snapshot alone. It allocates only for pod records (a-b-c-d.ns.pod.zone,
// which exist for every address).
func (s *Snapshot) Lookup(qname string, qtype uint16) result {
	if inZone(qname, s.zone) {
		rs := s.names[qname]
		if rs == nil {
			if a, ok := s.podRecord(qname); ok {
				return s.podAnswer(qname, qtype, a)
			}
			return result{rcode: mdns.RcodeNameError, auth: true, ns: s.soa}
		}
		return s.answer(rs, qtype, s.soa)
	}
	if rs := s.names[qname]; rs != nil { // a PTR or an Ingress host
		var soa []mdns.RR
		if rz := s.reverseZone(qname); rz != nil {
			soa = rz.soa
		}
		return s.answer(rs, qtype, soa)
	}
	if rz := s.reverseZone(qname); rz != nil {
		return result{rcode: mdns.RcodeNameError, auth: true, ns: rz.soa}
	}
	if i := strings.IndexByte(qname, '.'); i >= 0 && i < len(qname)-1 && len(s.wildcards) > 0 {
		if rs := s.wildcards[qname[i+1:]]; rs != nil {
			r := s.answer(rs, qtype, nil)
			r.rename = true
			return r
		}
	}
	return result{forward: true}
}

// answer is the records of qtype at rs, NODATA (with soa) when there are none.
func (s *Snapshot) answer(rs *rrset, qtype uint16, soa []mdns.RR) result {
	if rs.chase != "" && qtype != mdns.TypeCNAME {
		return result{auth: true, answer: rs.cname, chase: rs.chase}
	}
	ans, extra := rs.records(qtype)
	if len(ans) == 0 {
		return result{auth: true, ns: soa}
	}
	return result{auth: true, answer: ans, extra: extra}
}

// podRecord parses a-b-c-d.<ns>.pod.<zone> of an existing namespace.
func (s *Snapshot) podRecord(qname string) (netip.Addr, bool) {
	if len(qname) <= s.podZoneLen || qname[len(qname)-s.podZoneLen:len(qname)-s.podZoneLen+5] != ".pod." {
		return netip.Addr{}, false
	}
	i := strings.IndexByte(qname, '.')
	if i <= 0 || i+1 >= len(qname)-s.podZoneLen {
		return netip.Addr{}, false
	}
	if _, ok := s.names[qname[i+1:]]; !ok { // <ns>.pod.<zone>: the namespace exists
		return netip.Addr{}, false
	}
	return podAddr(qname[:i])
}

// podAnswer is the A or AAAA record of a pod name.
func (s *Snapshot) podAnswer(qname string, qtype uint16, a netip.Addr) result {
	hdr := mdns.RR_Header{Name: qname, Class: mdns.ClassINET, Ttl: s.ttl}
	var rr mdns.RR
	switch {
	case a.Is4() && (qtype == mdns.TypeA || qtype == mdns.TypeANY):
		hdr.Rrtype = mdns.TypeA
		rr = &mdns.A{Hdr: hdr, A: a.AsSlice()}
	case a.Is6() && (qtype == mdns.TypeAAAA || qtype == mdns.TypeANY):
		hdr.Rrtype = mdns.TypeAAAA
		rr = &mdns.AAAA{Hdr: hdr, AAAA: a.AsSlice()}
	default:
		return result{auth: true, ns: s.soa}
	}
	return result{auth: true, answer: []mdns.RR{rr}}
}
