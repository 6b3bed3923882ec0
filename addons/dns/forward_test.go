package dns

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	mdns "github.com/miekg/dns"
)

// startUpstream runs a miekg/dns server on 127.0.0.1 (UDP and TCP on one
// port) answering with h until the test ends.
func startUpstream(t *testing.T, h mdns.HandlerFunc) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return serveOn(t, pc, h)
}

// serveOn serves h on pc and on TCP at the same address.
func serveOn(t *testing.T, pc net.PacketConn, h mdns.HandlerFunc) string {
	t.Helper()
	ln, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		pc.Close()
		t.Skipf("TCP port of the UDP one is taken: %v", err)
	}
	for _, srv := range []*mdns.Server{{PacketConn: pc, Handler: h}, {Listener: ln, Handler: h}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		<-started
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return pc.LocalAddr().String()
}

// answerA answers every A query with 10.1.2.3 (TTL ttl); count counts them.
func answerA(ttl uint32, count *atomic.Int32) mdns.HandlerFunc {
	return func(w mdns.ResponseWriter, r *mdns.Msg) {
		count.Add(1)
		m := new(mdns.Msg)
		m.SetReply(r)
		rr, _ := mdns.NewRR(r.Question[0].Name + " 60 IN A 10.1.2.3")
		rr.Header().Ttl = ttl
		m.Answer = []mdns.RR{rr}
		_ = w.WriteMsg(m)
	}
}

// deadAddr is a UDP address where nothing answers (a bound socket that
// never reads), so tries time out instead of failing fast.
func deadAddr(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.LocalAddr().String()
}

func q(name string, t uint16) mdns.Question {
	return mdns.Question{Name: name, Qtype: t, Qclass: mdns.ClassINET}
}

func TestForwardAnswerAndCache(t *testing.T) {
	var n atomic.Int32
	addr := startUpstream(t, answerA(300, &n))
	m := &Metrics{}
	u := &Upstream{Servers: []string{addr}, TryTimeout: time.Second, Budget: 2 * time.Second, Cache: NewCache(100, 30*time.Second), Metrics: m}
	for i := range 3 {
		resp, err := u.Forward(context.Background(), q("Example.ORG.", mdns.TypeA))
		if err != nil {
			t.Fatalf("try %d: %v", i, err)
		}
		if len(resp.Answer) != 1 || resp.Answer[0].(*mdns.A).A.String() != "10.1.2.3" {
			t.Fatalf("try %d: answer %v", i, resp.Answer)
		}
		if ttl := resp.Answer[0].Header().Ttl; ttl > 30 {
			t.Errorf("try %d: TTL %d, want at most the cache's 30", i, ttl)
		}
	}
	if _, err := u.Forward(context.Background(), q("example.org.", mdns.TypeA)); err != nil {
		t.Fatal(err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("upstream asked %d times, want 1 (then cached, case-insensitively)", got)
	}
	if m.cacheHits.Load() != 3 || m.cacheMisses.Load() != 1 || m.forwards.Load() != 1 {
		t.Errorf("metrics: hits %d misses %d forwards %d, want 3 1 1", m.cacheHits.Load(), m.cacheMisses.Load(), m.forwards.Load())
	}
	// Another type is another entry.
	if _, err := u.Forward(context.Background(), q("example.org.", mdns.TypeAAAA)); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 2 {
		t.Errorf("AAAA after A: upstream asked %d times, want 2", n.Load())
	}
}

// The first resolver does not answer: the next one does, within the budget.
func TestForwardFailover(t *testing.T) {
	var n atomic.Int32
	good := startUpstream(t, answerA(60, &n))
	u := &Upstream{Servers: []string{deadAddr(t), good}, TryTimeout: 300 * time.Millisecond, Budget: 2 * time.Second}
	u.next.Store(^uint32(0)) // the first try goes to Servers[0]
	start := time.Now()
	resp, err := u.Forward(context.Background(), q("example.org.", mdns.TypeA))
	if err != nil || len(resp.Answer) != 1 {
		t.Fatalf("answer %v, err %v", resp, err)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 1500*time.Millisecond {
		t.Errorf("took %v, want one try's timeout then the good server", d)
	}
}

// No resolver answers: an error (SERVFAIL) within the budget, not later.
func TestForwardTimeoutServfail(t *testing.T) {
	u := &Upstream{Servers: []string{deadAddr(t)}, TryTimeout: 200 * time.Millisecond, Budget: 500 * time.Millisecond, Metrics: &Metrics{}}
	start := time.Now()
	_, err := u.Forward(context.Background(), q("example.org.", mdns.TypeA))
	d := time.Since(start)
	if !errors.Is(err, ErrNoUpstream) {
		t.Fatalf("err %v, want ErrNoUpstream", err)
	}
	if d < 350*time.Millisecond || d > 1500*time.Millisecond {
		t.Errorf("failed after %v, want two tries of 200ms (budget 500ms)", d)
	}
	if u.Metrics.forwardFails.Load() != 2 {
		t.Errorf("forward failures %d, want 2", u.Metrics.forwardFails.Load())
	}

	// Through the handler: SERVFAIL, quickly.
	h := NewHandler("cluster.local", u, nil)
	h.Swap(Build(fixtureConfig(), Inputs{}, 1))
	start = time.Now()
	m := query(t, h, "example.org.", mdns.TypeA, false, 0)
	if m.Rcode != mdns.RcodeServerFailure || time.Since(start) > 1500*time.Millisecond {
		t.Errorf("handler: %s after %v, want SERVFAIL within the budget", mdns.RcodeToString[m.Rcode], time.Since(start))
	}

	// With a failure TTL the next query fails at once, from the cache.
	u.Cache, u.FailureTTL = NewCache(10, time.Minute), 5*time.Second
	if _, err := u.Forward(context.Background(), q("example.org.", mdns.TypeA)); !errors.Is(err, ErrNoUpstream) {
		t.Fatalf("first: %v", err)
	}
	fails := u.Metrics.forwardFails.Load()
	start = time.Now()
	if _, err := u.Forward(context.Background(), q("example.org.", mdns.TypeA)); !errors.Is(err, ErrNoUpstream) || time.Since(start) > 100*time.Millisecond {
		t.Errorf("second: %v after %v, want the cached failure at once", err, time.Since(start))
	}
	if u.Metrics.forwardFails.Load() != fails {
		t.Errorf("the cached failure asked the upstream again")
	}

	// None configured: an error at once.
	none := &Upstream{TryTimeout: time.Second, Budget: 2 * time.Second}
	if _, err := none.Forward(context.Background(), q("example.org.", mdns.TypeA)); !errors.Is(err, ErrNoUpstream) {
		t.Errorf("no upstreams: err %v", err)
	}
}

// A truncated UDP answer is asked again over TCP.
func TestForwardTruncatedRetriesTCP(t *testing.T) {
	var udpN, tcpN atomic.Int32
	addr := startUpstream(t, func(w mdns.ResponseWriter, r *mdns.Msg) {
		m := new(mdns.Msg)
		m.SetReply(r)
		if _, ok := w.RemoteAddr().(*net.UDPAddr); ok {
			udpN.Add(1)
			m.Truncated = true
		} else {
			tcpN.Add(1)
			rr, _ := mdns.NewRR(r.Question[0].Name + " 60 IN A 10.9.9.9")
			m.Answer = []mdns.RR{rr}
		}
		_ = w.WriteMsg(m)
	})
	u := &Upstream{Servers: []string{addr}, TryTimeout: time.Second, Budget: 2 * time.Second, Cache: NewCache(10, time.Minute)}
	resp, err := u.Forward(context.Background(), q("big.example.", mdns.TypeA))
	if err != nil || len(resp.Answer) != 1 || resp.Truncated {
		t.Fatalf("answer %v err %v", resp, err)
	}
	if udpN.Load() != 1 || tcpN.Load() != 1 {
		t.Errorf("udp %d tcp %d, want 1 and 1", udpN.Load(), tcpN.Load())
	}
}

// Negative answers are cached for the SOA's negative TTL.
func TestCacheNegativeAndExpiry(t *testing.T) {
	c := NewCache(10, time.Minute)
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	nx := new(mdns.Msg)
	nx.Rcode = mdns.RcodeNameError
	soaRR, _ := mdns.NewRR("example. 3600 IN SOA ns.example. host.example. 1 7200 1800 86400 10")
	nx.Ns = []mdns.RR{soaRR}
	c.Put(q("nope.example.", mdns.TypeA), nx)
	servfail := new(mdns.Msg)
	servfail.Rcode = mdns.RcodeServerFailure
	c.Put(q("broken.example.", mdns.TypeA), servfail)
	if c.Len() != 1 {
		t.Fatalf("entries %d, want 1 (SERVFAIL not cached)", c.Len())
	}
	now = now.Add(4 * time.Second)
	got := c.Get(q("nope.example.", mdns.TypeA))
	if got == nil || got.Rcode != mdns.RcodeNameError || got.Ns[0].Header().Ttl != 3596 {
		t.Fatalf("after 4s: %v", got)
	}
	now = now.Add(7 * time.Second)
	if got := c.Get(q("nope.example.", mdns.TypeA)); got != nil {
		t.Errorf("after 11s (negative TTL 10): still cached")
	}
}

// The cache holds at most its size.
func TestCacheBounded(t *testing.T) {
	c := NewCache(5, time.Minute)
	for i := range 20 {
		m := new(mdns.Msg)
		rr, _ := mdns.NewRR("x.example. 60 IN A 10.0.0.1")
		m.Answer = []mdns.RR{rr}
		c.Put(q(string(rune('a'+i))+".example.", mdns.TypeA), m)
	}
	if c.Len() != 5 {
		t.Errorf("entries %d, want 5", c.Len())
	}
}

func TestUpstreamsFromResolvConf(t *testing.T) {
	p := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(p, []byte("search lab\nnameserver 192.168.77.1\nnameserver 2001:db8::1\noptions ndots:5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := UpstreamsFromResolvConf(p)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"192.168.77.1:53", "[2001:db8::1]:53"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got, err := ParseUpstreams([]string{"1.1.1.1", "127.0.0.1:5353"}); err != nil || !slices.Equal(got, []string{"1.1.1.1:53", "127.0.0.1:5353"}) {
		t.Errorf("ParseUpstreams: %v %v", got, err)
	}
	if _, err := ParseUpstreams([]string{"dns.example"}); err == nil {
		t.Errorf("ParseUpstreams accepted a host name without port")
	}
}

// A server whose upstream is itself (a DNS pod with the cluster DNS in
// its resolv.conf) cuts the loop after one hop: SERVFAIL at once.
func TestForwardLoopCut(t *testing.T) {
	m := &Metrics{}
	u := &Upstream{TryTimeout: time.Second, Budget: 2 * time.Second, Metrics: m}
	h := NewHandler("cluster.local", u, m)
	h.Swap(Build(fixtureConfig(), Inputs{}, 1))
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	self := pc.LocalAddr().String()
	u.Servers = []string{self}
	serveOn(t, pc, h.ServeDNS)

	start := time.Now()
	cl := &mdns.Client{Timeout: 3 * time.Second}
	req := new(mdns.Msg)
	req.SetQuestion("example.org.", mdns.TypeA)
	resp, _, err := cl.Exchange(req, self)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Rcode != mdns.RcodeServerFailure {
		t.Errorf("rcode %s, want SERVFAIL", mdns.RcodeToString[resp.Rcode])
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v: the loop was not cut at once", d)
	}
	// The client's query and one hop back: both sent once per try, no more.
	if n := m.forwards.Load(); n > 2 {
		t.Errorf("%d forwards, want at most 2 (one per try)", n)
	}
}

// The forwarder's queries carry the loop option; clients' do not.
func TestForwardMarksQueries(t *testing.T) {
	var marked atomic.Bool
	addr := startUpstream(t, func(w mdns.ResponseWriter, r *mdns.Msg) {
		marked.Store(forwardedByUs(r))
		m := new(mdns.Msg)
		m.SetReply(r)
		m.Rcode = mdns.RcodeNameError
		_ = w.WriteMsg(m)
	})
	u := &Upstream{Servers: []string{addr}, TryTimeout: time.Second, Budget: 2 * time.Second}
	if _, err := u.Forward(context.Background(), q("x.example.", mdns.TypeA)); err != nil {
		t.Fatal(err)
	}
	if !marked.Load() {
		t.Errorf("the upstream did not see the loop option")
	}
	plain := new(mdns.Msg)
	plain.SetQuestion("x.example.", mdns.TypeA)
	plain.SetEdns0(1232, true)
	if forwardedByUs(plain) {
		t.Errorf("a client's EDNS query counts as ours")
	}
}
