package dns

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"

	mdns "github.com/miekg/dns"

	"minik8s/pkg/api"
)

// Config is what the records depend on besides the cluster's objects.
type Config struct {
	Zone string // the cluster domain, "cluster.local" (a trailing dot is optional)
	TTL  uint32 // of every cluster record and of the SOA's negative TTL (CoreDNS: 5)
	// ReverseCIDRs are the service and pod CIDRs: reverse names of their
	// addresses are answered here (NXDOMAIN when unknown), never forwarded.
	ReverseCIDRs []netip.Prefix
	// DNSService is the namespace/name of the cluster DNS Service;
	// ns.dns.<zone> (the SOA's and NS's name server) answers its cluster IPs.
	DNSService string
}

// IngressHost is one host of an Ingress rule ("shop.example" or
// "*.example.com") and the addresses the ingress controller published in
// the Ingress's status (the nodes that run it).
type IngressHost struct {
	Host  string
	Addrs []netip.Addr
}

// Inputs are the objects the snapshot is built from (the informers' caches).
type Inputs struct {
	Namespaces   []string
	Services     []*api.Service
	Slices       []*api.EndpointSlice
	Pods         []*api.Pod
	IngressHosts []IngressHost
}

// SchemaVersion is the Kubernetes DNS specification's version, answered as
// the TXT record dns-version.<zone>.
const SchemaVersion = "1.1.0"

// schemaTTL is the TTL of the dns-version record (the specification's).
const schemaTTL = 28800

// builder accumulates the records of one snapshot.
type builder struct {
	s    *Snapshot
	ttl  uint32
	seen map[string]struct{} // owner|type|rdata already added
	srvs map[string][]srvTarget
	svcs map[string]*api.Service // namespace/name -> service
}

// srvTarget is one (port, target) pair of an SRV owner, before weights.
type srvTarget struct {
	port   uint16
	target string
}

// Build computes the snapshot of in. It is pure: the same inputs give the
// same records (serial is the SOA's serial).
func Build(cfg Config, in Inputs, serial uint32) *Snapshot {
	z := strings.ToLower(mdns.Fqdn(cfg.Zone))
	b := &builder{
		s: &Snapshot{
			zone: z, ttl: cfg.TTL,
			names:      map[string]*rrset{},
			wildcards:  map[string]*rrset{},
			podZoneLen: len(".pod." + z),
		},
		ttl:  cfg.TTL,
		seen: map[string]struct{}{},
		srvs: map[string][]srvTarget{},
		svcs: map[string]*api.Service{},
	}
	nsName := "ns.dns." + z
	b.s.soa = []mdns.RR{b.newSOA(z, nsName, serial)}
	apex := b.name(z)
	apex.soa = b.s.soa
	apex.ns = []mdns.RR{&mdns.NS{Hdr: b.hdr(z, mdns.TypeNS), Ns: nsName}}
	b.name(nsName)
	b.name("dns-version." + z).txt = []mdns.RR{&mdns.TXT{
		Hdr: mdns.RR_Header{Name: "dns-version." + z, Rrtype: mdns.TypeTXT, Class: mdns.ClassINET, Ttl: schemaTTL},
		Txt: []string{SchemaVersion},
	}}
	b.name("svc." + z)
	b.name("pod." + z)
	for _, p := range cfg.ReverseCIDRs {
		rz := reverseZoneName(p)
		b.s.reverse = append(b.s.reverse, zone{name: rz, prefix: p.Masked(), soa: []mdns.RR{b.newSOA(rz, nsName, serial)}})
	}

	namespaces := map[string]bool{}
	for _, ns := range in.Namespaces {
		namespaces[ns] = true
		b.name(strings.ToLower(ns) + ".svc." + z)
		b.name(strings.ToLower(ns) + ".pod." + z)
	}

	services := append([]*api.Service(nil), in.Services...)
	sort.Slice(services, func(i, j int) bool { return key(services[i].ObjectMeta) < key(services[j].ObjectMeta) })
	for _, svc := range services {
		if namespaces[svc.Namespace] {
			b.svcs[key(svc.ObjectMeta)] = svc
		}
	}
	slices := groupSlices(in.Slices)

	// Cluster IPs first, so that their PTR wins over an endpoint's.
	for _, svc := range services {
		if b.svcs[key(svc.ObjectMeta)] == svc {
			b.service(svc)
		}
	}
	for _, svc := range services {
		if b.svcs[key(svc.ObjectMeta)] == svc && svc.Spec.Type != api.ServiceTypeExternalName {
			b.endpoints(svc, slices[key(svc.ObjectMeta)])
		}
	}
	if svc := b.svcs[cfg.DNSService]; svc != nil {
		for _, a := range clusterIPs(svc) {
			b.addr(nsName, a)
		}
		apex.nsExtra = append(append([]mdns.RR(nil), b.s.names[nsName].a...), b.s.names[nsName].aaaa...)
	}
	for _, p := range in.Pods {
		if namespaces[p.Namespace] {
			b.pod(p)
		}
	}
	for _, h := range in.IngressHosts {
		b.ingressHost(h)
	}
	b.finishSRV()
	for _, rs := range b.s.names {
		rs.finish()
	}
	for _, rs := range b.s.wildcards {
		rs.finish()
	}
	return b.s
}

// key is namespace/name.
func key(m api.ObjectMeta) string { return m.Namespace + "/" + m.Name }

// reverseZoneName is the reverse zone that covers p on a label boundary:
// 10.96.0.0/12 -> 10.in-addr.arpa., 10.244.0.0/16 -> 244.10.in-addr.arpa.
func reverseZoneName(p netip.Prefix) string {
	a := p.Masked().Addr()
	if a.Is4() {
		b := a.As4()
		labels := []string{}
		for i := 0; i < p.Bits()/8; i++ {
			labels = append([]string{strconv.Itoa(int(b[i]))}, labels...)
		}
		return strings.Join(append(labels, "in-addr", "arpa"), ".") + "."
	}
	b := a.As16()
	labels := []string{}
	for i := 0; i < p.Bits()/4; i++ {
		n := b[i/2] >> 4
		if i%2 == 1 {
			n = b[i/2] & 0xf
		}
		labels = append([]string{strconv.FormatUint(uint64(n), 16)}, labels...)
	}
	return strings.Join(append(labels, "ip6", "arpa"), ".") + "."
}

func (b *builder) hdr(name string, t uint16) mdns.RR_Header {
	return mdns.RR_Header{Name: name, Rrtype: t, Class: mdns.ClassINET, Ttl: b.ttl}
}

func (b *builder) newSOA(z, ns string, serial uint32) mdns.RR {
	return &mdns.SOA{
		Hdr: b.hdr(z, mdns.TypeSOA), Ns: ns, Mbox: "hostmaster." + z,
		Serial: serial, Refresh: 7200, Retry: 1800, Expire: 86400, Minttl: b.ttl,
	}
}

// name returns the records of name, making it and its parents (up to the
// cluster zone) exist.
func (b *builder) name(name string) *rrset {
	if rs, ok := b.s.names[name]; ok {
		return rs
	}
	rs := &rrset{}
	b.s.names[name] = rs
	if name != b.s.zone && inZone(name, b.s.zone) {
		if i := strings.IndexByte(name, '.'); i >= 0 {
			b.name(name[i+1:])
		}
	}
	return rs
}

// once reports whether id is new.
func (b *builder) once(id string) bool {
	if _, ok := b.seen[id]; ok {
		return false
	}
	b.seen[id] = struct{}{}
	return true
}

// addr adds an A or AAAA record for a at name.
func (b *builder) addr(name string, a netip.Addr) {
	if !b.once(name + "|addr|" + a.String()) {
		return
	}
	rs := b.name(name)
	if a.Is4() {
		rs.a = append(rs.a, &mdns.A{Hdr: b.hdr(name, mdns.TypeA), A: a.AsSlice()})
	} else {
		rs.aaaa = append(rs.aaaa, &mdns.AAAA{Hdr: b.hdr(name, mdns.TypeAAAA), AAAA: a.AsSlice()})
	}
}

// ptr adds the PTR of a to target unless a already has one.
func (b *builder) ptr(a netip.Addr, target string) {
	rev, err := mdns.ReverseAddr(a.String())
	if err != nil {
		return
	}
	rs := b.name(rev)
	if len(rs.ptr) > 0 {
		return
	}
	rs.ptr = []mdns.RR{&mdns.PTR{Hdr: b.hdr(rev, mdns.TypePTR), Ptr: target}}
}

// srv remembers an SRV record at owner; weights are set by finishSRV.
func (b *builder) srv(owner string, port int32, target string) {
	if port <= 0 || port > 65535 {
		return
	}
	b.name(owner)
	b.srvs[owner] = append(b.srvs[owner], srvTarget{port: uint16(port), target: target})
}

// finishSRV writes the SRV records: weight 100/n for n (address, port)
// pairs, one record per distinct (target, port) as CoreDNS answers, with
// the targets' addresses as glue.
func (b *builder) finishSRV() {
	for owner, ts := range b.srvs {
		rs := b.s.names[owner]
		w := uint16(100 / len(ts))
		seenT := map[srvTarget]bool{}
		glued := map[string]bool{}
		for _, t := range ts {
			if seenT[t] {
				continue
			}
			seenT[t] = true
			rs.srv = append(rs.srv, &mdns.SRV{Hdr: b.hdr(owner, mdns.TypeSRV), Priority: 0, Weight: w, Port: t.port, Target: t.target})
			if !glued[t.target] {
				glued[t.target] = true
				if tr := b.s.names[t.target]; tr != nil {
					rs.srvExtra = append(rs.srvExtra, tr.a...)
					rs.srvExtra = append(rs.srvExtra, tr.aaaa...)
				}
			}
		}
	}
}

// finish clips the slices (so that appending to an answer never writes
// into a shared array) and collects the records for ANY.
func (rs *rrset) finish() {
	for _, p := range []*[]mdns.RR{&rs.a, &rs.aaaa, &rs.srv, &rs.ptr, &rs.txt, &rs.ns, &rs.soa, &rs.cname} {
		*p = (*p)[:len(*p):len(*p)]
		rs.any = append(rs.any, *p...)
	}
	rs.srvExtra = rs.srvExtra[:len(rs.srvExtra):len(rs.srvExtra)]
	rs.nsExtra = rs.nsExtra[:len(rs.nsExtra):len(rs.nsExtra)]
	rs.any = rs.any[:len(rs.any):len(rs.any)]
}

// clusterIPs are a Service's cluster IPs (none for headless and
// ExternalName Services or before allocation).
func clusterIPs(svc *api.Service) []netip.Addr {
	ips := svc.Spec.ClusterIPs
	if len(ips) == 0 && svc.Spec.ClusterIP != "" {
		ips = []string{svc.Spec.ClusterIP}
	}
	var out []netip.Addr
	for _, s := range ips {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a.Unmap())
		}
	}
	return out
}

// headless reports whether svc has clusterIP None.
func headless(svc *api.Service) bool {
	return svc.Spec.Type != api.ServiceTypeExternalName && svc.Spec.ClusterIP == "None"
}

// svcName is <svc>.<ns>.svc.<zone>.
func (b *builder) svcName(svc *api.Service) string {
	return strings.ToLower(svc.Name + "." + svc.Namespace + ".svc." + b.s.zone)
}

// portOwner is _<port>._<proto>.<svcname>.
func portOwner(portName, proto, svcName string) string {
	if proto == "" {
		proto = "TCP"
	}
	return strings.ToLower("_" + portName + "._" + proto + "." + svcName)
}

// service adds a Service's own records: cluster IPs (A/AAAA, PTR, SRV) or
// its ExternalName (CNAME).
func (b *builder) service(svc *api.Service) {
	name := b.svcName(svc)
	if svc.Spec.Type == api.ServiceTypeExternalName {
		target := strings.ToLower(mdns.Fqdn(svc.Spec.ExternalName))
		if _, ok := mdns.IsDomainName(target); !ok || svc.Spec.ExternalName == "" {
			return
		}
		rs := b.name(name)
		rs.cname = []mdns.RR{&mdns.CNAME{Hdr: b.hdr(name, mdns.TypeCNAME), Target: target}}
		rs.chase = target
		return
	}
	if headless(svc) {
		b.name(name) // exists even with no ready endpoint (NODATA)
		return
	}
	ips := clusterIPs(svc)
	if len(ips) == 0 {
		return // not allocated yet
	}
	for _, a := range ips {
		b.addr(name, a)
		b.ptr(a, name)
	}
	for _, p := range svc.Spec.Ports {
		for range ips {
			b.srv(name, p.Port, name)
			if p.Name != "" {
				b.srv(portOwner(p.Name, p.Protocol, name), p.Port, name)
			}
		}
	}
}

// endpoints adds the records of a Service's ready endpoints: for every
// Service the endpoint names and their PTR; for a headless Service also
// its A/AAAA and SRV records.
func (b *builder) endpoints(svc *api.Service, slices []*api.EndpointSlice) {
	name := b.svcName(svc)
	for _, sl := range slices {
		if sl.AddressType != api.AddressTypeIPv4 && sl.AddressType != api.AddressTypeIPv6 {
			continue
		}
		for _, ep := range sl.Endpoints {
			if !svc.Spec.PublishNotReadyAddresses && ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, s := range ep.Addresses {
				a, err := netip.ParseAddr(s)
				if err != nil {
					continue
				}
				a = a.Unmap()
				host := dashed(a)
				if ep.Hostname != nil && *ep.Hostname != "" {
					host = strings.ToLower(*ep.Hostname)
				}
				epName := host + "." + name
				b.addr(epName, a)
				b.ptr(a, epName)
				if !headless(svc) {
					continue
				}
				b.addr(name, a)
				for _, p := range sl.Ports {
					if p.Port == nil {
						continue
					}
					b.srv(name, *p.Port, epName)
					if p.Name != nil && *p.Name != "" {
						proto := "TCP"
						if p.Protocol != nil {
							proto = *p.Protocol
						}
						b.srv(portOwner(*p.Name, proto, name), *p.Port, epName)
					}
				}
			}
		}
	}
}

// groupSlices maps namespace/service to the Service's slices, by name.
func groupSlices(all []*api.EndpointSlice) map[string][]*api.EndpointSlice {
	out := map[string][]*api.EndpointSlice{}
	for _, sl := range all {
		svc := sl.Labels[api.LabelServiceName]
		if svc == "" {
			continue
		}
		k := sl.Namespace + "/" + svc
		out[k] = append(out[k], sl)
	}
	for _, v := range out {
		sort.Slice(v, func(i, j int) bool { return v[i].Name < v[j].Name })
	}
	return out
}

// pod adds the PTR of a pod's IPs that no Service record claimed:
// a-b-c-d.<ns>.pod.<zone> (the A record itself is answered for any
// address, as CoreDNS's `pods insecure`).
func (b *builder) pod(p *api.Pod) {
	if p.Spec.HostNetwork || p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
		return
	}
	ips := []string{p.Status.PodIP}
	for _, ip := range p.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	for _, s := range ips {
		a, err := netip.ParseAddr(s)
		if err != nil {
			continue
		}
		a = a.Unmap()
		b.ptr(a, dashed(a)+"."+strings.ToLower(p.Namespace)+".pod."+b.s.zone)
	}
}

// ingressHost adds an Ingress host's addresses (hosts inside the cluster
// domain are left to the cluster's own records).
func (b *builder) ingressHost(h IngressHost) {
	host := strings.ToLower(mdns.Fqdn(h.Host))
	if _, ok := mdns.IsDomainName(host); !ok || host == "." {
		return
	}
	table, owner := b.s.names, host
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		table, owner = b.s.wildcards, rest
	}
	if inZone(owner, b.s.zone) || b.s.reverseZone(owner) != nil {
		return
	}
	rs := table[owner]
	if rs == nil {
		rs = &rrset{}
		table[owner] = rs
	}
	for _, a := range h.Addrs {
		a = a.Unmap()
		if !b.once("ingress|" + host + "|" + a.String()) {
			continue
		}
		// A wildcard's records are renamed to the query name when answered.
		if a.Is4() {
			rs.a = append(rs.a, &mdns.A{Hdr: b.hdr(host, mdns.TypeA), A: a.AsSlice()})
		} else {
			rs.aaaa = append(rs.aaaa, &mdns.AAAA{Hdr: b.hdr(host, mdns.TypeAAAA), AAAA: a.AsSlice()})
		}
	}
}
