package dns

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	mdns "github.com/miekg/dns"

	"minik8s/pkg/api"
)

// benchInputs is n Services (one port) in 10 namespaces, every tenth
// headless with 3 endpoints, the rest with one endpoint each.
func benchInputs(n int) Inputs {
	in := Inputs{}
	for i := range 10 {
		in.Namespaces = append(in.Namespaces, fmt.Sprintf("ns%d", i))
	}
	for i := range n {
		ns, name := fmt.Sprintf("ns%d", i%10), fmt.Sprintf("svc%d", i)
		ip := fmt.Sprintf("10.96.%d.%d", i/250, i%250+1)
		if i%10 == 0 {
			ip = "None"
		}
		in.Services = append(in.Services, svc(ns, name, ip, httpPort()))
		var eps []api.Endpoint
		for j := range 1 + 2*btoi(i%10 == 0) {
			k := i*3 + j
			eps = append(eps, ep(fmt.Sprintf("10.244.%d.%d", k/250, k%250+1), "", true))
		}
		in.Slices = append(in.Slices, slice(ns, name+"-x", name, api.AddressTypeIPv4, httpSlicePort, eps...))
	}
	return in
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// benchNames are the query names: Services, headless, SRV, PTR, NXDOMAIN.
func benchNames(n int) []mdns.Question {
	var qs []mdns.Question
	for i := 0; i < n; i += 7 {
		base := fmt.Sprintf("svc%d.ns%d.svc.cluster.local.", i, i%10)
		qs = append(qs, mdns.Question{Name: base, Qtype: mdns.TypeA, Qclass: mdns.ClassINET})
		if i%3 == 0 {
			qs = append(qs, mdns.Question{Name: "_http._tcp." + base, Qtype: mdns.TypeSRV, Qclass: mdns.ClassINET})
		}
		if i%5 == 0 {
			qs = append(qs, mdns.Question{Name: "nope" + base, Qtype: mdns.TypeA, Qclass: mdns.ClassINET})
		}
	}
	return qs
}

// nopWriter discards the reply (the handler's own cost).
type nopWriter struct{ recorder }

func (nopWriter) WriteMsg(*mdns.Msg) error { return nil }

// BenchmarkServeDNS is the handler's cost per query without sockets or
// packing (go test -run '^$' -bench ServeDNS -benchmem ./addons/dns/).
func BenchmarkServeDNS(b *testing.B) {
	h := NewHandler("cluster.local", nil, &Metrics{})
	h.Swap(Build(fixtureConfig(), benchInputs(1000), 1))
	req := new(mdns.Msg)
	req.SetQuestion("svc1.ns1.svc.cluster.local.", mdns.TypeA)
	w := &nopWriter{}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeDNS(w, req)
	}
}

// TestServeDNSNoAllocs: answering a cluster name allocates nothing of
// ours (the reply comes from a pool, the records from the snapshot).
func TestServeDNSNoAllocs(t *testing.T) {
	h := NewHandler("cluster.local", nil, &Metrics{})
	h.Swap(Build(fixtureConfig(), benchInputs(100), 1))
	w := &nopWriter{}
	for _, q := range []struct {
		name  string
		qtype uint16
	}{
		{"svc1.ns1.svc.cluster.local.", mdns.TypeA},
		{"_http._tcp.svc10.ns0.svc.cluster.local.", mdns.TypeSRV},
		{"nope.ns1.svc.cluster.local.", mdns.TypeA},
	} {
		req := new(mdns.Msg)
		req.SetQuestion(q.name, q.qtype)
		if n := testing.AllocsPerRun(200, func() { h.ServeDNS(w, req) }); n > 0 {
			t.Errorf("%s %s: %v allocations per query", q.name, mdns.TypeToString[q.qtype], n)
		}
	}
}

// BenchmarkLoopbackUDP is the server over loopback UDP: clients
// concurrent clients each send queries one after another (b.N in all,
// capped at 200 000) and it prints queries/s and the latency percentiles.
// go test -run '^$' -bench LoopbackUDP -benchtime 100000x ./addons/dns/
func BenchmarkLoopbackUDP(b *testing.B) {
	const clients = 16
	total := min(b.N, 200000)
	h := NewHandler("cluster.local", nil, &Metrics{})
	h.Swap(Build(fixtureConfig(), benchInputs(1000), 1))
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &mdns.Server{PacketConn: pc, Handler: h, UDPSize: udpSize}
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = srv.ActivateAndServe() }()
	<-started
	defer func() { _ = srv.Shutdown() }()
	server := netip.MustParseAddrPort(pc.LocalAddr().String())

	qs := benchNames(1000)
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(server))
			if err != nil {
				b.Error(err)
				return
			}
			defer conn.Close()
			buf := make([]byte, 4096)
			n := total / clients
			lat[c] = make([]time.Duration, 0, n)
			for i := range n {
				q := qs[(c*7919+i)%len(qs)]
				m := &mdns.Msg{MsgHdr: mdns.MsgHdr{Id: uint16(i), RecursionDesired: true}, Question: []mdns.Question{q}}
				wire, _ := m.Pack()
				t0 := time.Now()
				_ = conn.SetDeadline(t0.Add(2 * time.Second))
				if _, err := conn.Write(wire); err != nil {
					b.Error(err)
					return
				}
				for {
					k, err := conn.Read(buf)
					if err != nil {
						b.Errorf("query %d: %v", i, err)
						return
					}
					if k >= 2 && uint16(buf[0])<<8|uint16(buf[1]) == uint16(i) {
						break
					}
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	qps := float64(len(all)) / elapsed.Seconds()
	b.ReportMetric(qps, "queries/s")
	b.ReportMetric(float64(pct(0.99).Microseconds()), "p99-µs")
	if len(all) >= 1000 {
		fmt.Printf("dns loopback UDP: %d queries, %d clients: %.0f queries/s, p50 %v, p99 %v, max %v\n",
			len(all), clients, qps, pct(0.5), pct(0.99), all[len(all)-1])
	}
}
