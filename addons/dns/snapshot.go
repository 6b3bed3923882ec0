package dns

import (
	"net/netip"
	"strings"

	mdns "github.com/miekg/dns"
)

// rrset is everything a snapshot holds for one owner name. A name with no
// records at all still exists (an empty non-terminal such as
// svc.cluster.local.): queries for it get NODATA, not NXDOMAIN. The slices
// are shared by every answer and never written after Build.
type rrset struct {
	a, aaaa, srv, ptr, txt, ns, soa, cname []mdns.RR
	srvExtra, nsExtra                      []mdns.RR // glue for srv and ns
	any                                    []mdns.RR // every record, for ANY
	chase                                  string    // the CNAME target (lower case)
	maxLen                                 int       // uncompressed length of the largest answer+extra
}

// records returns the answer and additional records of qtype.
func (s *rrset) records(qtype uint16) (answer, extra []mdns.RR) {
	switch qtype {
	case mdns.TypeA:
		return s.a, nil
	case mdns.TypeAAAA:
		return s.aaaa, nil
	case mdns.TypeSRV:
		return s.srv, s.srvExtra
	case mdns.TypePTR:
		return s.ptr, nil
	case mdns.TypeTXT:
		return s.txt, nil
	case mdns.TypeNS:
		return s.ns, s.nsExtra
	case mdns.TypeSOA:
		return s.soa, nil
	case mdns.TypeCNAME:
		return s.cname, nil
	case mdns.TypeANY:
		return s.any, nil
	}
	return nil, nil
}

// zone is one zone the server is authoritative for: the cluster domain, a
// reverse zone covering a service or pod CIDR, or an Ingress host.
type zone struct {
	name   string       // "cluster.local.", "10.in-addr.arpa."
	prefix netip.Prefix // reverse zones: the CIDR whose addresses are ours
	soa    []mdns.RR    // the SOA for the authority section of negative answers
}

// Snapshot is an immutable view of every cluster name, built by Build.
type Snapshot struct {
	zone       string // the cluster domain, "cluster.local."
	ttl        uint32
	names      map[string]*rrset // lower-case FQDN -> records
	wildcards  map[string]*rrset // Ingress "*.example.com": "example.com." -> records
	soa        []mdns.RR         // the cluster zone's SOA
	reverse    []zone            // reverse zones of the service and pod CIDRs
	podZoneLen int               // len(".pod."+zone)
}

// Names is the number of owner names in the snapshot (a metric).
func (s *Snapshot) Names() int { return len(s.names) }

// inZone reports whether name (lower case, FQDN) is z or below it.
func inZone(name, z string) bool {
	if len(name) == len(z) {
		return name == z
	}
	return len(name) > len(z) && name[len(name)-len(z)-1] == '.' && strings.HasSuffix(name, z)
}

// reverseZone returns the reverse zone whose CIDR holds the address that
// name (x.x.x.x.in-addr.arpa. or a nibble ip6.arpa. name) spells, or nil.
func (s *Snapshot) reverseZone(name string) *zone {
	if len(s.reverse) == 0 || !(strings.HasSuffix(name, ".in-addr.arpa.") || strings.HasSuffix(name, ".ip6.arpa.")) {
		return nil
	}
	addr, ok := parseReverse(name)
	if !ok {
		return nil
	}
	for i := range s.reverse {
		if s.reverse[i].prefix.Contains(addr) {
			return &s.reverse[i]
		}
	}
	return nil
}

// parseReverse turns a full reverse name back into its address.
func parseReverse(name string) (netip.Addr, bool) {
	if rest, ok := strings.CutSuffix(name, ".in-addr.arpa."); ok {
		labels := strings.Split(rest, ".")
		if len(labels) != 4 {
			return netip.Addr{}, false
		}
		a, err := netip.ParseAddr(labels[3] + "." + labels[2] + "." + labels[1] + "." + labels[0])
		return a, err == nil
	}
	if rest, ok := strings.CutSuffix(name, ".ip6.arpa."); ok {
		labels := strings.Split(rest, ".")
		if len(labels) != 32 {
			return netip.Addr{}, false
		}
		var b [16]byte
		for i, l := range labels {
			if len(l) != 1 {
				return netip.Addr{}, false
			}
			v := strings.IndexByte("0123456789abcdef", l[0])
			if v < 0 {
				return netip.Addr{}, false
			}
			pos := 31 - i // labels are nibbles, least significant first
			if pos%2 == 0 {
				b[pos/2] |= byte(v) << 4
			} else {
				b[pos/2] |= byte(v)
			}
		}
		return netip.AddrFrom16(b), true
	}
	return netip.Addr{}, false
}

// podAddr parses the first label of a pod name (a-b-c-d or an IPv6 address
// with '-' for ':') into an address.
func podAddr(label string) (netip.Addr, bool) {
	if strings.Count(label, "-") == 3 && !strings.Contains(label, "--") {
		a, err := netip.ParseAddr(strings.ReplaceAll(label, "-", "."))
		return a, err == nil && a.Is4()
	}
	a, err := netip.ParseAddr(strings.ReplaceAll(label, "-", ":"))
	return a, err == nil && a.Is6() && !a.Is4In6()
}

// dashed is an address as a DNS label: 10-244-1-5, 5678-abcd--1.
func dashed(a netip.Addr) string {
	if a.Is4() {
		return strings.ReplaceAll(a.String(), ".", "-")
	}
	return strings.ReplaceAll(a.String(), ":", "-")
}
