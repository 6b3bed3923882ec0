package integration

// The cluster DNS server (addons/dns) against a real apiserver: answers
// come from the informers and follow Service and EndpointSlice changes
// within a second; other names go to an upstream resolver (a miekg/dns
// server on loopback). Everything listens on 127.0.0.1.

import (
	"context"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"minik8s/addons/dns"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
)

// startDNS runs the DNS server against c until the test ends, forwarding
// to upstream ("" for none).
func startDNS(t *testing.T, c *mkclient.Client, upstream string) *dns.Server {
	t.Helper()
	var ups []string
	if upstream != "" {
		ups = []string{upstream}
	}
	opts := dns.DefaultOptions()
	metrics := &dns.Metrics{}
	factory := cache.NewSharedInformerFactory(c, 0)
	s := dns.New(factory, dns.ServerConfig{
		Records: opts.RecordConfig(), Listen: "127.0.0.1:0",
		HealthAddr: "127.0.0.1:0", ReadyAddr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0",
		Debounce:  opts.Debounce,
		Forwarder: &dns.Upstream{Servers: ups, TryTimeout: 500 * time.Millisecond, Budget: time.Second, Cache: dns.NewCache(100, 30*time.Second), Metrics: metrics},
		Metrics:   metrics,
		Logf:      t.Logf,
	})
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	factory.Start(ctx)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("dns server: %v", err)
		}
		factory.Shutdown()
	})
	return s
}

// ask sends one query to addr over network ("udp" or "tcp").
func ask(t *testing.T, network, addr, name string, qtype uint16) *mdns.Msg {
	t.Helper()
	req := new(mdns.Msg)
	req.SetQuestion(name, qtype)
	cl := &mdns.Client{Net: network, Timeout: 3 * time.Second}
	m, _, err := cl.Exchange(req, addr)
	if err != nil {
		t.Fatalf("%s %s over %s: %v", name, mdns.TypeToString[qtype], network, err)
	}
	return m
}

// addrs are the A/AAAA addresses of an answer, sorted.
func addrs(m *mdns.Msg) []string {
	var out []string
	for _, rr := range m.Answer {
		switch r := rr.(type) {
		case *mdns.A:
			out = append(out, r.A.String())
		case *mdns.AAAA:
			out = append(out, r.AAAA.String())
		}
	}
	slices.Sort(out)
	return out
}

// waitAnswer polls until the A answer of name is want (nil: NXDOMAIN) and
// returns how long that took.
func waitAnswer(t *testing.T, addr, name string, want []string) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(10 * time.Second)
	for {
		m := ask(t, "udp", addr, name, mdns.TypeA)
		got := addrs(m)
		if (want == nil && m.Rcode == mdns.RcodeNameError) || (want != nil && m.Rcode == mdns.RcodeSuccess && slices.Equal(got, want)) {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s %v after 10s, want %v", name, mdns.RcodeToString[m.Rcode], got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func httpGet(t *testing.T, addr net.Addr, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr.String() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDNSFollowsTheCluster(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	web, err := c.Services("default").Create(ctx, &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "web"},
		Spec:       api.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: []api.ServicePort{{Name: "http", Protocol: "TCP", Port: 80}}},
	})
	if err != nil {
		t.Fatal(err)
	}

	upstream := startUpstreamA(t, "example.org.", "10.1.2.3")
	s := startDNS(t, c, upstream)
	addr := s.DNSAddr().String()
	deadline := time.Now().Add(10 * time.Second)
	for !s.Ready() {
		if time.Now().After(deadline) {
			t.Fatal("not ready after 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _ := httpGet(t, s.HTTPAddr("/ready"), "/ready"); code != http.StatusOK {
		t.Errorf("/ready: %d", code)
	}
	if code, body := httpGet(t, s.HTTPAddr("/health"), "/health"); code != http.StatusOK || body != "OK" {
		t.Errorf("/health: %d %q", code, body)
	}

	// An existing Service, over UDP and TCP, and its PTR and SRV.
	fqdn := "web.default.svc.cluster.local."
	for _, network := range []string{"udp", "tcp"} {
		m := ask(t, network, addr, fqdn, mdns.TypeA)
		if got := addrs(m); m.Rcode != mdns.RcodeSuccess || !m.Authoritative || !slices.Equal(got, []string{web.Spec.ClusterIP}) {
			t.Errorf("%s: %s %v, want %s", network, mdns.RcodeToString[m.Rcode], got, web.Spec.ClusterIP)
		}
	}
	rev, _ := mdns.ReverseAddr(web.Spec.ClusterIP)
	if m := ask(t, "udp", addr, rev, mdns.TypePTR); len(m.Answer) != 1 || m.Answer[0].(*mdns.PTR).Ptr != fqdn {
		t.Errorf("PTR %s: %v", rev, m.Answer)
	}
	if m := ask(t, "udp", addr, "_http._tcp."+fqdn, mdns.TypeSRV); len(m.Answer) != 1 || m.Answer[0].(*mdns.SRV).Port != 80 {
		t.Errorf("SRV: %v", m.Answer)
	}

	// A new Service resolves, and NXDOMAIN once deleted.
	api2, err := c.Services("default").Create(ctx, &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "api"},
		Spec:       api.ServiceSpec{Ports: []api.ServicePort{{Port: 8080}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := waitAnswer(t, addr, "api.default.svc.cluster.local.", []string{api2.Spec.ClusterIP})
	t.Logf("a new Service resolved after %v", d)
	if err := c.Services("default").Delete(ctx, "api", nil); err != nil {
		t.Fatal(err)
	}
	d = waitAnswer(t, addr, "api.default.svc.cluster.local.", nil)
	t.Logf("a deleted Service was NXDOMAIN after %v", d)

	// A headless Service answers its ready endpoints; they follow the slice.
	if _, err := c.Services("default").Create(ctx, &api.Service{
		ObjectMeta: api.ObjectMeta{Name: "db"},
		Spec:       api.ServiceSpec{ClusterIP: "None", Ports: []api.ServicePort{{Name: "pg", Port: 5432}}},
	}); err != nil {
		t.Fatal(err)
	}
	if m := ask(t, "udp", addr, "db.default.svc.cluster.local.", mdns.TypeA); m.Rcode != mdns.RcodeSuccess && m.Rcode != mdns.RcodeNameError {
		t.Errorf("headless without endpoints: %s", mdns.RcodeToString[m.Rcode])
	}
	yes, no := true, false
	port, name, hostname := int32(5432), "pg", "db-0"
	slices_ := mkclient.Typed[*api.EndpointSlice](c, "default")
	sl, err := slices_.Create(ctx, &api.EndpointSlice{
		ObjectMeta:  api.ObjectMeta{Name: "db-abc", Labels: map[string]string{api.LabelServiceName: "db"}},
		AddressType: api.AddressTypeIPv4,
		Endpoints: []api.Endpoint{
			{Addresses: []string{"10.244.1.7"}, Conditions: api.EndpointConditions{Ready: &yes}, Hostname: &hostname},
			{Addresses: []string{"10.244.2.8"}, Conditions: api.EndpointConditions{Ready: &no}},
		},
		Ports: []api.EndpointSlicePort{{Name: &name, Port: &port}},
	})
	if err != nil {
		t.Fatal(err)
	}
	waitAnswer(t, addr, "db.default.svc.cluster.local.", []string{"10.244.1.7"})
	if m := ask(t, "udp", addr, "db-0.db.default.svc.cluster.local.", mdns.TypeA); !slices.Equal(addrs(m), []string{"10.244.1.7"}) {
		t.Errorf("hostname record: %v", m.Answer)
	}
	ready := true
	sl.Endpoints[1].Conditions.Ready = &ready
	if _, err := slices_.Update(ctx, sl); err != nil {
		t.Fatal(err)
	}
	d = waitAnswer(t, addr, "db.default.svc.cluster.local.", []string{"10.244.1.7", "10.244.2.8"})
	t.Logf("an endpoint that became ready was answered after %v", d)
	if d > time.Second {
		t.Logf("NOTE: slower than a second (loaded machine?)")
	}

	// An Ingress host answers the addresses in the Ingress's status (the
	// nodes of the ingress controller) once it has them.
	prefix := "Prefix"
	ings := mkclient.Typed[*api.Ingress](c, "default")
	ing, err := ings.Create(ctx, &api.Ingress{
		ObjectMeta: api.ObjectMeta{Name: "shop"},
		Spec: api.IngressSpec{Rules: []api.IngressRule{{Host: "shop.example", IngressRuleValue: api.IngressRuleValue{HTTP: &api.HTTPIngressRuleValue{
			Paths: []api.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: api.IngressBackend{Service: &api.IngressServiceBackend{Name: "web", Port: api.ServiceBackendPort{Number: 80}}}}},
		}}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ing.Status.LoadBalancer.Ingress = []api.IngressLoadBalancerIngress{{IP: "192.168.77.11"}, {IP: "192.168.77.12"}}
	if _, err := ings.UpdateStatus(ctx, ing); err != nil {
		t.Fatal(err)
	}
	d = waitAnswer(t, addr, "shop.example.", []string{"192.168.77.11", "192.168.77.12"})
	t.Logf("an Ingress host resolved after %v", d)

	// Outside names are forwarded; unknown cluster names are NXDOMAIN.
	if m := ask(t, "udp", addr, "example.org.", mdns.TypeA); !slices.Equal(addrs(m), []string{"10.1.2.3"}) || m.Authoritative {
		t.Errorf("forwarded: %v (aa %v)", m.Answer, m.Authoritative)
	}
	if m := ask(t, "udp", addr, "nope.default.svc.cluster.local.", mdns.TypeA); m.Rcode != mdns.RcodeNameError || len(m.Ns) != 1 {
		t.Errorf("unknown: %s %v", mdns.RcodeToString[m.Rcode], m.Ns)
	}

	_, metrics := httpGet(t, s.HTTPAddr("/metrics"), "/metrics")
	for _, want := range []string{`minik8s_dns_requests_total{type="A"} `, `minik8s_dns_forward_requests_total `, `minik8s_dns_responses_total{rcode="NXDOMAIN"} `} {
		if !strings.Contains(metrics, want) || strings.Contains(metrics, want+"0\n") {
			t.Errorf("/metrics lacks a non-zero %q", want)
		}
	}
}

// startUpstreamA runs a resolver on loopback answering name with ip and
// NXDOMAIN otherwise.
func startUpstreamA(t *testing.T, name, ip string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &mdns.Server{PacketConn: pc, Handler: mdns.HandlerFunc(func(w mdns.ResponseWriter, r *mdns.Msg) {
		m := new(mdns.Msg)
		m.SetReply(r)
		if strings.EqualFold(r.Question[0].Name, name) && r.Question[0].Qtype == mdns.TypeA {
			rr, _ := mdns.NewRR(name + " 60 IN A " + ip)
			m.Answer = []mdns.RR{rr}
		} else {
			m.Rcode = mdns.RcodeNameError
		}
		_ = w.WriteMsg(m)
	})}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}
