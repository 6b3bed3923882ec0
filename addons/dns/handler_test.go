package dns

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	mdns "github.com/miekg/dns"

	"minik8s/pkg/api"
)

const soa = "cluster.local. 5 IN SOA ns.dns.cluster.local. hostmaster.cluster.local. 1499347823 7200 1800 86400 5"

type dnsCase struct {
	qname  string
	qtype  uint16
	rcode  int
	answer []string
	ns     []string
	extra  []string
	notAA  bool // forwarded: not authoritative
}

// dnsCases are CoreDNS's handler_test.go cases (first part) and ours.
var dnsCases = []dnsCase{
	// A Service
	{qname: "svc1.testns.svc.cluster.local.", qtype: mdns.TypeA,
		answer: []string{"svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1"}},
	{qname: "svcempty.testns.svc.cluster.local.", qtype: mdns.TypeA,
		answer: []string{"svcempty.testns.svc.cluster.local. 5 IN A 10.0.0.2"}},
	{qname: "svc1.testns.svc.cluster.local.", qtype: mdns.TypeSRV,
		answer: []string{"svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local."},
		extra:  []string{"svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1"}},
	{qname: "svc6.testns.svc.cluster.local.", qtype: mdns.TypeSRV,
		answer: []string{"svc6.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc6.testns.svc.cluster.local."},
		extra:  []string{"svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1"}},
	// SRV of a named port
	{qname: "_http._tcp.svc1.testns.svc.cluster.local.", qtype: mdns.TypeSRV,
		answer: []string{"_http._tcp.svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local."},
		extra:  []string{"svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1"}},
	{qname: "_dns._udp.kube-dns.kube-system.svc.cluster.local.", qtype: mdns.TypeSRV,
		answer: []string{"_dns._udp.kube-dns.kube-system.svc.cluster.local. 5 IN SRV 0 100 53 kube-dns.kube-system.svc.cluster.local."},
		extra:  []string{"kube-dns.kube-system.svc.cluster.local. 5 IN A 10.96.0.10"}},
	{qname: "_dns._tcp.kube-dns.kube-system.svc.cluster.local.", qtype: mdns.TypeSRV, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "_tcp.svc1.testns.svc.cluster.local.", qtype: mdns.TypeSRV, ns: []string{soa}}, // empty non-terminal
	// Headless
	{qname: "hdls1.testns.svc.cluster.local.", qtype: mdns.TypeA, answer: []string{
		"hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2", "hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.3",
		"hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4", "hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.5"}},
	{qname: "hdls1.testns.svc.cluster.local.", qtype: mdns.TypeAAAA, answer: []string{
		"hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1", "hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2"}},
	{qname: "hdlsprtls.testns.svc.cluster.local.", qtype: mdns.TypeA,
		answer: []string{"hdlsprtls.testns.svc.cluster.local. 5 IN A 172.0.0.20"}},
	{qname: "hdlsprtls.testns.svc.cluster.local.", qtype: mdns.TypeSRV, ns: []string{soa}},
	{qname: "172-0-0-20.hdlsprtls.testns.svc.cluster.local.", qtype: mdns.TypeA,
		answer: []string{"172-0-0-20.hdlsprtls.testns.svc.cluster.local. 5 IN A 172.0.0.20"}},
	{qname: "172-0-0-2.hdls1.testns.svc.cluster.local.", qtype: mdns.TypeA,
		answer: []string{"172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2"}},
	{qname: "172-0-0-9.hdls1.testns.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}}, // not ready
	{qname: "dup-name.hdls1.testns.svc.cluster.local.", qtype: mdns.TypeA, answer: []string{
		"dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4", "dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.5"}},
	{qname: "_http._tcp.hdls1.testns.svc.cluster.local.", qtype: mdns.TypeSRV,
		answer: []string{
			"_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 16 80 172-0-0-2.hdls1.testns.svc.cluster.local.",
			"_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 16 80 172-0-0-3.hdls1.testns.svc.cluster.local.",
			"_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 16 80 5678-abcd--1.hdls1.testns.svc.cluster.local.",
			"_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 16 80 5678-abcd--2.hdls1.testns.svc.cluster.local.",
			"_http._tcp.hdls1.testns.svc.cluster.local. 5 IN SRV 0 16 80 dup-name.hdls1.testns.svc.cluster.local."},
		extra: []string{
			"172-0-0-2.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.2",
			"172-0-0-3.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.3",
			"5678-abcd--1.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::1",
			"5678-abcd--2.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2",
			"dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.4",
			"dup-name.hdls1.testns.svc.cluster.local. 5 IN A 172.0.0.5"}},
	{qname: "5678-abcd--2.hdls1.testns.svc.cluster.local.", qtype: mdns.TypeAAAA,
		answer: []string{"5678-abcd--2.hdls1.testns.svc.cluster.local. 5 IN AAAA 5678:abcd::2"}},
	// An endpoint of a ClusterIP Service has a name too (as in CoreDNS).
	{qname: "ep1a.svc1.testns.svc.cluster.local.", qtype: mdns.TypeA,
		answer: []string{"ep1a.svc1.testns.svc.cluster.local. 5 IN A 172.0.0.1"}},
	// ExternalName
	{qname: "external.testns.svc.cluster.local.", qtype: mdns.TypeCNAME,
		answer: []string{"external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test."}},
	{qname: "external.testns.svc.cluster.local.", qtype: mdns.TypeA,
		answer: []string{"external.testns.svc.cluster.local. 5 IN CNAME ext.interwebs.test.", "ext.interwebs.test. 300 IN A 1.2.3.4"}},
	{qname: "external-to-service.testns.svc.cluster.local.", qtype: mdns.TypeA,
		answer: []string{"external-to-service.testns.svc.cluster.local. 5 IN CNAME svc1.testns.svc.cluster.local.", "svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1"}},
	{qname: "endpoint.external.testns.svc.cluster.local.", qtype: mdns.TypeCNAME, rcode: mdns.RcodeNameError, ns: []string{soa}},
	// NODATA versus NXDOMAIN
	{qname: "svc1.testns.svc.cluster.local.", qtype: mdns.TypeAAAA, ns: []string{soa}},
	{qname: "svc1.testns.svc.cluster.local.", qtype: mdns.TypeSOA, ns: []string{soa}},
	{qname: "svc1.testns.svc.cluster.local.", qtype: mdns.TypeMX, ns: []string{soa}},
	{qname: "svc0.testns.svc.cluster.local.", qtype: mdns.TypeAAAA, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "svc0.testns.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "svc0.svc-nons.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "orphan.nons.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "pending.testns.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "bogusendpoint.hdls1.testns.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "bogusendpoint.svc0.testns.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "svc.cluster.local.", qtype: mdns.TypeA, ns: []string{soa}},
	{qname: "pod.cluster.local.", qtype: mdns.TypeA, ns: []string{soa}},
	{qname: "testns.svc.cluster.local.", qtype: mdns.TypeA, ns: []string{soa}},
	{qname: "svc.cluster.local.", qtype: mdns.TypeNS, ns: []string{soa}},
	{qname: "testns.svc.cluster.local.", qtype: mdns.TypeNS, ns: []string{soa}},
	{qname: "foo.cluster.local.", qtype: mdns.TypeNS, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "foo.svc.cluster.local.", qtype: mdns.TypeNS, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "sneaky.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}}, // no Ingress hijack
	// The zone itself and the schema version
	{qname: "cluster.local.", qtype: mdns.TypeSOA, answer: []string{soa}},
	{qname: "cluster.local.", qtype: mdns.TypeNS,
		answer: []string{"cluster.local. 5 IN NS ns.dns.cluster.local."},
		extra:  []string{"ns.dns.cluster.local. 5 IN A 10.96.0.10"}},
	{qname: "ns.dns.cluster.local.", qtype: mdns.TypeA, answer: []string{"ns.dns.cluster.local. 5 IN A 10.96.0.10"}},
	{qname: "dns-version.cluster.local.", qtype: mdns.TypeTXT, answer: []string{`dns-version.cluster.local. 28800 IN TXT "1.1.0"`}},
	// AAAA and dual stack
	{qname: "svc6.testns.svc.cluster.local.", qtype: mdns.TypeAAAA, answer: []string{"svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1"}},
	{qname: "_http._tcp.svc6.testns.svc.cluster.local.", qtype: mdns.TypeSRV,
		answer: []string{"_http._tcp.svc6.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc6.testns.svc.cluster.local."},
		extra:  []string{"svc6.testns.svc.cluster.local. 5 IN AAAA 1234:abcd::1"}},
	{qname: "svc-dual-stack.testns.svc.cluster.local.", qtype: mdns.TypeA, answer: []string{"svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3"}},
	{qname: "svc-dual-stack.testns.svc.cluster.local.", qtype: mdns.TypeAAAA, answer: []string{"svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3"}},
	{qname: "svc-dual-stack.testns.svc.cluster.local.", qtype: mdns.TypeSRV,
		answer: []string{"svc-dual-stack.testns.svc.cluster.local. 5 IN SRV 0 50 80 svc-dual-stack.testns.svc.cluster.local."},
		extra:  []string{"svc-dual-stack.testns.svc.cluster.local. 5 IN A 10.0.0.3", "svc-dual-stack.testns.svc.cluster.local. 5 IN AAAA 10::3"}},
	// Pods (`pods insecure`: any address in an existing namespace)
	{qname: "10-244-1-5.testns.pod.cluster.local.", qtype: mdns.TypeA, answer: []string{"10-244-1-5.testns.pod.cluster.local. 5 IN A 10.244.1.5"}},
	{qname: "1-2-3-4.default.pod.cluster.local.", qtype: mdns.TypeA, answer: []string{"1-2-3-4.default.pod.cluster.local. 5 IN A 1.2.3.4"}},
	{qname: "1234-abcd--9.default.pod.cluster.local.", qtype: mdns.TypeAAAA, answer: []string{"1234-abcd--9.default.pod.cluster.local. 5 IN AAAA 1234:abcd::9"}},
	{qname: "10-244-1-5.testns.pod.cluster.local.", qtype: mdns.TypeAAAA, ns: []string{soa}},
	{qname: "1-2-3-4.nons.pod.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "not-an-ip.testns.pod.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "1-2-3-256.testns.pod.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "x.1-2-3-4.testns.pod.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}},
	{qname: "testns.pod.cluster.local.", qtype: mdns.TypeA, ns: []string{soa}},
	// PTR: cluster IPs, endpoints (hostname or dashed address), pods
	{qname: "1.0.0.10.in-addr.arpa.", qtype: mdns.TypePTR, answer: []string{"1.0.0.10.in-addr.arpa. 5 IN PTR svc1.testns.svc.cluster.local."}},
	{qname: "10.0.96.10.in-addr.arpa.", qtype: mdns.TypePTR, answer: []string{"10.0.96.10.in-addr.arpa. 5 IN PTR kube-dns.kube-system.svc.cluster.local."}},
	{qname: "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa.", qtype: mdns.TypePTR,
		answer: []string{"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.c.b.a.4.3.2.1.ip6.arpa. 5 IN PTR svc6.testns.svc.cluster.local."}},
	{qname: "2.0.0.172.in-addr.arpa.", qtype: mdns.TypePTR, answer: []string{"2.0.0.172.in-addr.arpa. 5 IN PTR 172-0-0-2.hdls1.testns.svc.cluster.local."}},
	{qname: "4.0.0.172.in-addr.arpa.", qtype: mdns.TypePTR, answer: []string{"4.0.0.172.in-addr.arpa. 5 IN PTR dup-name.hdls1.testns.svc.cluster.local."}},
	{qname: "1.0.0.172.in-addr.arpa.", qtype: mdns.TypePTR, answer: []string{"1.0.0.172.in-addr.arpa. 5 IN PTR ep1a.svc1.testns.svc.cluster.local."}},
	{qname: "5.1.244.10.in-addr.arpa.", qtype: mdns.TypePTR, answer: []string{"5.1.244.10.in-addr.arpa. 5 IN PTR 10-244-1-5.testns.pod.cluster.local."}},
	{qname: "5.1.244.10.in-addr.arpa.", qtype: mdns.TypeA, ns: []string{"244.10.in-addr.arpa. 5 IN SOA ns.dns.cluster.local. hostmaster.244.10.in-addr.arpa. 1499347823 7200 1800 86400 5"}},
	// Reverse names in the service and pod CIDRs are ours: NXDOMAIN, never forwarded.
	{qname: "99.0.96.10.in-addr.arpa.", qtype: mdns.TypePTR, rcode: mdns.RcodeNameError,
		ns: []string{"10.in-addr.arpa. 5 IN SOA ns.dns.cluster.local. hostmaster.10.in-addr.arpa. 1499347823 7200 1800 86400 5"}},
	{qname: "9.9.244.10.in-addr.arpa.", qtype: mdns.TypePTR, rcode: mdns.RcodeNameError,
		ns: []string{"244.10.in-addr.arpa. 5 IN SOA ns.dns.cluster.local. hostmaster.244.10.in-addr.arpa. 1499347823 7200 1800 86400 5"}},
	// Reverse names elsewhere are forwarded (a hostNetwork pod has no PTR of ours).
	{qname: "2.77.168.192.in-addr.arpa.", qtype: mdns.TypePTR, notAA: true,
		answer: []string{"2.77.168.192.in-addr.arpa. 60 IN PTR node1.lab."}},
	// Ingress hosts: exact, and a wildcard matching exactly one label
	{qname: "shop.example.", qtype: mdns.TypeA, answer: []string{"shop.example. 5 IN A 192.168.1.10", "shop.example. 5 IN A 192.168.1.11"}},
	{qname: "shop.example.", qtype: mdns.TypeAAAA},
	{qname: "x.apps.example.", qtype: mdns.TypeA, answer: []string{"x.apps.example. 5 IN A 192.168.1.10"}},
	{qname: "a.b.apps.example.", qtype: mdns.TypeA, rcode: mdns.RcodeServerFailure, notAA: true}, // not ours: forwarded, upstream fails
	{qname: "apps.example.", qtype: mdns.TypeA, rcode: mdns.RcodeServerFailure, notAA: true},
	// Names outside the cluster: forwarded
	{qname: "example.org.", qtype: mdns.TypeA, notAA: true, answer: []string{"example.org. 300 IN A 93.184.216.34"}},
	{qname: "nope.example.org.", qtype: mdns.TypeA, notAA: true, rcode: mdns.RcodeNameError},
	{qname: "unreachable.example.org.", qtype: mdns.TypeA, notAA: true, rcode: mdns.RcodeServerFailure},
	// Search-path expansion is the client's: a short name is a name outside the cluster.
	{qname: "svc1.", qtype: mdns.TypeA, notAA: true, rcode: mdns.RcodeServerFailure},
	{qname: "svc1.testns.", qtype: mdns.TypeA, notAA: true, rcode: mdns.RcodeServerFailure},
}

func newFixtureHandler() (*Handler, *fakeForwarder) {
	fwd := &fakeForwarder{answers: map[string][]string{
		"ext.interwebs.test. A":          {"ext.interwebs.test. 300 IN A 1.2.3.4"},
		"example.org. A":                 {"example.org. 300 IN A 93.184.216.34"},
		"nope.example.org. A":            {},
		"2.77.168.192.in-addr.arpa. PTR": {"2.77.168.192.in-addr.arpa. 60 IN PTR node1.lab."},
	}}
	h := NewHandler("cluster.local", fwd, &Metrics{})
	h.Swap(Build(fixtureConfig(), fixtureInputs(), fixtureSerial))
	return h, fwd
}

func TestServeDNS(t *testing.T) {
	h, _ := newFixtureHandler()
	for _, tc := range dnsCases {
		name := tc.qname + " " + mdns.TypeToString[tc.qtype]
		t.Run(name, func(t *testing.T) {
			m := query(t, h, tc.qname, tc.qtype, false, 0)
			checkMsg(t, m, tc)
		})
	}
}

func checkMsg(t *testing.T, m *mdns.Msg, tc dnsCase) {
	t.Helper()
	if m.Rcode != tc.rcode {
		t.Errorf("rcode %s, want %s", mdns.RcodeToString[m.Rcode], mdns.RcodeToString[tc.rcode])
	}
	if m.Authoritative == tc.notAA && tc.rcode != mdns.RcodeServerFailure {
		t.Errorf("authoritative %v, want %v", m.Authoritative, !tc.notAA)
	}
	if !m.RecursionAvailable {
		t.Errorf("RA not set")
	}
	for _, sec := range []struct {
		name      string
		got, want []string
	}{{"answer", rrStrings(m.Answer), parseRRs(t, tc.answer)}, {"authority", rrStrings(m.Ns), parseRRs(t, tc.ns)}, {"additional", rrStrings(m.Extra), parseRRs(t, tc.extra)}} {
		if !slices.Equal(sec.got, sec.want) {
			t.Errorf("%s:\n got  %q\n want %q", sec.name, sec.got, sec.want)
		}
	}
}

// CNAMEs come before their targets' records.
func TestCNAMEOrder(t *testing.T) {
	h, _ := newFixtureHandler()
	m := query(t, h, "external-to-service.testns.svc.cluster.local.", mdns.TypeA, false, 0)
	if len(m.Answer) != 2 || m.Answer[0].Header().Rrtype != mdns.TypeCNAME {
		t.Fatalf("answer %v: want the CNAME first", m.Answer)
	}
}

// Names are case-insensitive; answers keep the query's spelling.
func TestCaseInsensitive(t *testing.T) {
	h, _ := newFixtureHandler()
	for _, tc := range []dnsCase{
		{qname: "SVC1.TestNS.svc.Cluster.Local.", qtype: mdns.TypeA, answer: []string{"SVC1.TestNS.svc.Cluster.Local. 5 IN A 10.0.0.1"}},
		{qname: "Dup-Name.HDLS1.testns.svc.cluster.local.", qtype: mdns.TypeA, answer: []string{
			"Dup-Name.HDLS1.testns.svc.cluster.local. 5 IN A 172.0.0.4", "Dup-Name.HDLS1.testns.svc.cluster.local. 5 IN A 172.0.0.5"}},
		{qname: "svc0.TESTNS.svc.cluster.local.", qtype: mdns.TypeA, rcode: mdns.RcodeNameError, ns: []string{soa}},
		{qname: "1-2-3-4.TestNS.pod.cluster.local.", qtype: mdns.TypeA, answer: []string{"1-2-3-4.TestNS.pod.cluster.local. 5 IN A 1.2.3.4"}},
		{qname: "Shop.Example.", qtype: mdns.TypeA, answer: []string{"Shop.Example. 5 IN A 192.168.1.10", "Shop.Example. 5 IN A 192.168.1.11"}},
	} {
		m := query(t, h, tc.qname, tc.qtype, false, 0)
		checkMsg(t, m, tc)
		if m.Question[0].Name != tc.qname {
			t.Errorf("question %q, want %q", m.Question[0].Name, tc.qname)
		}
	}
}

// Before the caches sync, cluster names get SERVFAIL (not NXDOMAIN, which
// clients would cache); other names are still forwarded.
func TestNotSynced(t *testing.T) {
	fwd := &fakeForwarder{answers: map[string][]string{"example.org. A": {"example.org. 300 IN A 93.184.216.34"}}}
	h := NewHandler("cluster.local", fwd, nil)
	if m := query(t, h, "svc1.testns.svc.cluster.local.", mdns.TypeA, false, 0); m.Rcode != mdns.RcodeServerFailure {
		t.Errorf("cluster name before sync: %s, want SERVFAIL", mdns.RcodeToString[m.Rcode])
	}
	if m := query(t, h, "example.org.", mdns.TypeA, false, 0); m.Rcode != mdns.RcodeSuccess || len(m.Answer) != 1 {
		t.Errorf("outside name before sync: %s %v, want the upstream's answer", mdns.RcodeToString[m.Rcode], m.Answer)
	}
}

// Malformed or unsupported queries.
func TestBadQueries(t *testing.T) {
	h, _ := newFixtureHandler()
	for _, tc := range []struct {
		name  string
		mod   func(m *mdns.Msg)
		rcode int
	}{
		{"two questions", func(m *mdns.Msg) { m.Question = append(m.Question, m.Question[0]) }, mdns.RcodeFormatError},
		{"no question", func(m *mdns.Msg) { m.Question = nil }, mdns.RcodeFormatError},
		{"update", func(m *mdns.Msg) { m.Opcode = mdns.OpcodeUpdate }, mdns.RcodeNotImplemented},
		{"chaos class", func(m *mdns.Msg) { m.Question[0].Qclass = mdns.ClassCHAOS }, mdns.RcodeRefused},
		{"zone transfer", func(m *mdns.Msg) { m.Question[0].Qtype = mdns.TypeAXFR }, mdns.RcodeRefused},
		{"edns version 1", func(m *mdns.Msg) { m.SetEdns0(1232, false); m.IsEdns0().SetVersion(1) }, mdns.RcodeBadVers},
	} {
		req := new(mdns.Msg)
		req.SetQuestion("svc1.testns.svc.cluster.local.", mdns.TypeA)
		tc.mod(req)
		w := &recorder{}
		h.ServeDNS(w, req)
		if w.msg == nil {
			t.Fatalf("%s: no answer (%v)", tc.name, w.err)
		}
		if w.msg.Rcode != tc.rcode || len(w.msg.Answer) != 0 {
			t.Errorf("%s: rcode %s answer %v, want %s and no answer", tc.name, mdns.RcodeToString[w.msg.Rcode], w.msg.Answer, mdns.RcodeToString[tc.rcode])
		}
	}
}

// A big headless answer is truncated over UDP (TC set, the client retries
// over TCP) and whole over TCP or with a large enough EDNS buffer.
func TestTruncation(t *testing.T) {
	in := fixtureInputs()
	in.Services = append(in.Services, svc("testns", "big", "None", httpPort()))
	var eps []api.Endpoint
	for i := range 100 {
		eps = append(eps, ep(fmt.Sprintf("10.244.2.%d", i+1), "", true))
	}
	in.Slices = append(in.Slices, slice("testns", "big-1", "big", api.AddressTypeIPv4, httpSlicePort, eps...))
	h := NewHandler("cluster.local", nil, nil)
	h.Swap(Build(fixtureConfig(), in, 1))
	const q = "big.testns.svc.cluster.local."
	udp := query(t, h, q, mdns.TypeA, false, 0)
	if !udp.Truncated || len(udp.Answer) >= 100 {
		t.Errorf("UDP: truncated %v with %d records, want TC and fewer than 100", udp.Truncated, len(udp.Answer))
	}
	tcp := query(t, h, q, mdns.TypeA, true, 0)
	if tcp.Truncated || len(tcp.Answer) != 100 {
		t.Errorf("TCP: truncated %v with %d records, want all 100", tcp.Truncated, len(tcp.Answer))
	}
	edns := query(t, h, q, mdns.TypeA, false, 4096)
	if edns.Truncated || len(edns.Answer) != 100 || edns.IsEdns0() == nil {
		t.Errorf("UDP with EDNS 4096: truncated %v with %d records (OPT %v), want all 100 and an OPT", edns.Truncated, len(edns.Answer), edns.IsEdns0() != nil)
	}
	// The snapshot's shared records were not changed by truncating a reply.
	again := query(t, h, q, mdns.TypeA, true, 0)
	if len(again.Answer) != 100 {
		t.Errorf("after truncation, TCP has %d records", len(again.Answer))
	}
}

// An EDNS query gets an OPT back; a plain one does not.
func TestEDNS(t *testing.T) {
	h, _ := newFixtureHandler()
	if m := query(t, h, "svc1.testns.svc.cluster.local.", mdns.TypeA, false, 1232); m.IsEdns0() == nil || m.IsEdns0().UDPSize() != udpSize {
		t.Errorf("EDNS query: OPT %v", m.IsEdns0())
	}
	if m := query(t, h, "svc1.testns.svc.cluster.local.", mdns.TypeA, false, 0); m.IsEdns0() != nil {
		t.Errorf("plain query: unexpected OPT")
	}
	if m := query(t, h, "example.org.", mdns.TypeA, false, 1232); m.IsEdns0() == nil {
		t.Errorf("forwarded EDNS query: no OPT")
	}
}

// ANY at a Service name returns its records (not the SRV glue twice).
func TestANY(t *testing.T) {
	h, _ := newFixtureHandler()
	m := query(t, h, "svc1.testns.svc.cluster.local.", mdns.TypeANY, true, 0)
	got := strings.Join(rrStrings(m.Answer), "\n")
	want := strings.Join(parseRRs(t, []string{
		"svc1.testns.svc.cluster.local. 5 IN A 10.0.0.1",
		"svc1.testns.svc.cluster.local. 5 IN SRV 0 100 80 svc1.testns.svc.cluster.local.",
	}), "\n")
	if got != want {
		t.Errorf("ANY:\n%s\nwant\n%s", got, want)
	}
}

// Queries packed concurrently from the shared records (some truncated)
// while snapshots are swapped: run with -race.
func TestConcurrentQueriesAndSwaps(t *testing.T) {
	in := fixtureInputs()
	var eps []api.Endpoint
	for i := range 60 {
		eps = append(eps, ep(fmt.Sprintf("10.244.3.%d", i+1), "", true))
	}
	in.Services = append(in.Services, svc("testns", "big", "None", httpPort()))
	in.Slices = append(in.Slices, slice("testns", "big-1", "big", api.AddressTypeIPv4, httpSlicePort, eps...))
	h := NewHandler("cluster.local", nil, &Metrics{})
	h.Swap(Build(fixtureConfig(), in, 1))
	done := make(chan struct{})
	var wg, swapper sync.WaitGroup
	swapper.Add(1)
	go func() {
		defer swapper.Done()
		for i := uint32(2); ; i++ {
			select {
			case <-done:
				return
			default:
				h.Swap(Build(fixtureConfig(), in, i))
			}
		}
	}()
	names := []struct {
		name  string
		qtype uint16
	}{
		{"big.testns.svc.cluster.local.", mdns.TypeA},
		{"_http._tcp.hdls1.testns.svc.cluster.local.", mdns.TypeSRV},
		{"SVC1.testns.svc.cluster.local.", mdns.TypeA},
		{"x.apps.example.", mdns.TypeA},
		{"cluster.local.", mdns.TypeNS},
	}
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				n := names[(g+i)%len(names)]
				req := new(mdns.Msg)
				req.SetQuestion(n.name, n.qtype)
				if i%2 == 0 {
					req.SetEdns0(1232, false)
				}
				w := &recorder{tcp: i%3 == 0}
				h.ServeDNS(w, req)
				if w.msg == nil || w.msg.Rcode != mdns.RcodeSuccess || len(w.msg.Answer) == 0 {
					t.Errorf("%s: %v (%v)", n.name, w.msg, w.err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	swapper.Wait()
}
