package dns

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"testing"

	mdns "github.com/miekg/dns"

	"minik8s/pkg/api"
)

// The fixture mirrors CoreDNS's plugin/kubernetes/handler_test.go data
// (svc1, svcempty, svc6, hdls1, hdlsprtls, external, external-to-service,
// svc-dual-stack) plus kube-dns, a pod behind no Service and Ingress hosts.

func ptr[T any](v T) *T { return &v }

func svc(ns, name, clusterIP string, ports ...api.ServicePort) *api.Service {
	s := &api.Service{ObjectMeta: api.ObjectMeta{Namespace: ns, Name: name}}
	s.Spec.Type = api.ServiceTypeClusterIP
	s.Spec.ClusterIP = strings.Split(clusterIP, ",")[0]
	if clusterIP != "None" && clusterIP != "" {
		s.Spec.ClusterIPs = strings.Split(clusterIP, ",")
	}
	s.Spec.Ports = ports
	return s
}

func external(ns, name, target string) *api.Service {
	s := svc(ns, name, "", api.ServicePort{Name: "http", Protocol: "TCP", Port: 80})
	s.Spec.Type, s.Spec.ExternalName = api.ServiceTypeExternalName, target
	return s
}

func httpPort() api.ServicePort { return api.ServicePort{Name: "http", Protocol: "TCP", Port: 80} }

// ep is an endpoint; hostname "" for none, ready false for a not-ready one.
func ep(ip, hostname string, ready bool) api.Endpoint {
	e := api.Endpoint{Addresses: []string{ip}, Conditions: api.EndpointConditions{Ready: ptr(ready)}}
	if hostname != "" {
		e.Hostname = ptr(hostname)
	}
	return e
}

func slice(ns, name, service, family string, ports []api.EndpointSlicePort, eps ...api.Endpoint) *api.EndpointSlice {
	return &api.EndpointSlice{
		ObjectMeta:  api.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{api.LabelServiceName: service}},
		AddressType: family, Endpoints: eps, Ports: ports,
	}
}

var httpSlicePort = []api.EndpointSlicePort{{Name: ptr("http"), Protocol: ptr("TCP"), Port: ptr(int32(80))}}

func fixtureInputs() Inputs {
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "testns", Name: "lonely"}}
	pod.Status.Phase, pod.Status.PodIP = api.PodRunning, "10.244.1.5"
	hostPod := &api.Pod{ObjectMeta: api.ObjectMeta{Namespace: "testns", Name: "hostnet"}}
	hostPod.Spec.HostNetwork, hostPod.Status.PodIP = true, "192.168.77.2"
	return Inputs{
		Namespaces: []string{"testns", "kube-system", "default"},
		Services: []*api.Service{
			svc("testns", "svc1", "10.0.0.1", httpPort()),
			svc("testns", "svcempty", "10.0.0.2", httpPort()),
			svc("testns", "svc6", "1234:abcd::1", httpPort()),
			svc("testns", "hdls1", "None", httpPort()),
			svc("testns", "hdlsprtls", "None"),
			external("testns", "external", "ext.interwebs.test"),
			external("testns", "external-to-service", "svc1.testns.svc.cluster.local."),
			svc("testns", "svc-dual-stack", "10.0.0.3,10::3", httpPort()),
			svc("testns", "pending", ""), // no cluster IP allocated yet
			svc("kube-system", "kube-dns", "10.96.0.10",
				api.ServicePort{Name: "dns", Protocol: "UDP", Port: 53}, api.ServicePort{Name: "dns-tcp", Protocol: "TCP", Port: 53}),
			svc("nons", "orphan", "10.0.0.99", httpPort()), // namespace does not exist
		},
		Slices: []*api.EndpointSlice{
			slice("testns", "svc1-abc", "svc1", api.AddressTypeIPv4, httpSlicePort, ep("172.0.0.1", "ep1a", true)),
			slice("testns", "hdls1-v4", "hdls1", api.AddressTypeIPv4, httpSlicePort,
				ep("172.0.0.2", "", true), ep("172.0.0.3", "", true),
				ep("172.0.0.4", "dup-name", true), ep("172.0.0.5", "dup-name", true),
				ep("172.0.0.9", "", false)), // not ready: no records
			slice("testns", "hdls1-v6", "hdls1", api.AddressTypeIPv6, httpSlicePort,
				ep("5678:abcd::1", "", true), ep("5678:abcd::2", "", true)),
			slice("testns", "hdlsprtls-x", "hdlsprtls", api.AddressTypeIPv4, nil, ep("172.0.0.20", "", true)),
		},
		Pods: []*api.Pod{pod, hostPod},
		IngressHosts: []IngressHost{
			{Host: "shop.example", Addrs: []netip.Addr{netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("192.168.1.11")}},
			{Host: "*.apps.example", Addrs: []netip.Addr{netip.MustParseAddr("192.168.1.10")}},
			{Host: "sneaky.svc.cluster.local", Addrs: []netip.Addr{netip.MustParseAddr("6.6.6.6")}}, // ignored
		},
	}
}

func fixtureConfig() Config {
	return Config{
		Zone: "cluster.local", TTL: 5, DNSService: "kube-system/kube-dns",
		ReverseCIDRs: []netip.Prefix{netip.MustParsePrefix("10.96.0.0/12"), netip.MustParsePrefix("10.244.0.0/16")},
	}
}

// fixtureSerial is the SOA serial of the fixture's snapshot.
const fixtureSerial = 1499347823

// recorder is an in-process ResponseWriter: it packs and unpacks what the
// handler writes, as the wire would.
type recorder struct {
	tcp bool
	msg *mdns.Msg
	err error
}

var (
	serverAddr    = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 53}
	clientUDPAddr = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
	clientTCPAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
)

func (r *recorder) LocalAddr() net.Addr { return serverAddr }
func (r *recorder) RemoteAddr() net.Addr {
	if r.tcp {
		return clientTCPAddr
	}
	return clientUDPAddr
}
func (r *recorder) WriteMsg(m *mdns.Msg) error {
	b, err := m.Pack()
	if err != nil {
		r.err = err
		return err
	}
	r.msg = new(mdns.Msg)
	r.err = r.msg.Unpack(b)
	return r.err
}
func (r *recorder) Write([]byte) (int, error) { return 0, fmt.Errorf("not used") }
func (r *recorder) Close() error              { return nil }
func (r *recorder) TsigStatus() error         { return nil }
func (r *recorder) TsigTimersOnly(bool)       {}
func (r *recorder) Hijack()                   {}

// fakeForwarder answers from a table ("name type" -> answer records) and
// fails for anything else.
type fakeForwarder struct {
	answers map[string][]string
	asked   []string
}

func (f *fakeForwarder) Forward(_ context.Context, q mdns.Question) (*mdns.Msg, error) {
	k := strings.ToLower(q.Name) + " " + mdns.TypeToString[q.Qtype]
	f.asked = append(f.asked, k)
	rrs, ok := f.answers[k]
	if !ok {
		return nil, fmt.Errorf("%s: %w", k, ErrNoUpstream)
	}
	m := new(mdns.Msg)
	m.Response, m.RecursionAvailable = true, true
	m.Question = []mdns.Question{q}
	for _, s := range rrs {
		rr, err := mdns.NewRR(s)
		if err != nil {
			return nil, err
		}
		m.Answer = append(m.Answer, rr)
	}
	if len(rrs) == 0 {
		m.Rcode = mdns.RcodeNameError
	}
	return m, nil
}

// query asks h one question (over TCP when tcp) and returns the answer.
func query(t *testing.T, h mdns.Handler, name string, qtype uint16, tcp bool, edns uint16) *mdns.Msg {
	t.Helper()
	req := new(mdns.Msg)
	req.SetQuestion(name, qtype)
	if edns > 0 {
		req.SetEdns0(edns, false)
	}
	w := &recorder{tcp: tcp}
	h.ServeDNS(w, req)
	if w.err != nil || w.msg == nil {
		t.Fatalf("%s %s: no answer (%v)", name, mdns.TypeToString[qtype], w.err)
	}
	if w.msg.Id != req.Id || !w.msg.Response {
		t.Fatalf("%s: reply id %d response %v, want id %d", name, w.msg.Id, w.msg.Response, req.Id)
	}
	return w.msg
}

// rrStrings renders records canonically (sorted), without OPT.
func rrStrings(rrs []mdns.RR) []string {
	var out []string
	for _, rr := range rrs {
		if rr.Header().Rrtype == mdns.TypeOPT {
			continue
		}
		out = append(out, strings.Join(strings.Fields(rr.String()), " "))
	}
	sort.Strings(out)
	return out
}

// parseRRs parses zone-file lines into canonical strings (sorted).
func parseRRs(t *testing.T, lines []string) []string {
	t.Helper()
	var rrs []mdns.RR
	for _, l := range lines {
		rr, err := mdns.NewRR(l)
		if err != nil {
			t.Fatalf("bad expected record %q: %v", l, err)
		}
		rrs = append(rrs, rr)
	}
	return rrStrings(rrs)
}
