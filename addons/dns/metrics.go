package dns

import (
	"fmt"
	"io"
	"sync/atomic"
	"time"

	mdns "github.com/miekg/dns"
)

// Metrics are the server's counters, written in the Prometheus text format
// by WriteTo (no client library). Counting takes atomics only. A nil
// *Metrics counts nothing.
type Metrics struct {
	requests     [len(metricTypes) + 1]atomic.Uint64 // by qtype; last: other
	responses    [16]atomic.Uint64                   // by rcode (0-15)
	cacheHits    atomic.Uint64
	cacheMisses  atomic.Uint64
	forwards     atomic.Uint64
	forwardFails atomic.Uint64
	durBuckets   [len(durationBuckets)]atomic.Uint64 // non-cumulative
	durCount     atomic.Uint64
	durSumNanos  atomic.Uint64
	builds       atomic.Uint64
	names        atomic.Int64
}

// metricTypes are the query types counted by name (others as "other"),
// as CoreDNS's dns_requests_total.
var metricTypes = [...]uint16{
	mdns.TypeA, mdns.TypeAAAA, mdns.TypeSRV, mdns.TypePTR, mdns.TypeCNAME, mdns.TypeTXT,
	mdns.TypeSOA, mdns.TypeNS, mdns.TypeMX, mdns.TypeANY,
}

// durationBuckets are the request duration histogram's upper bounds in
// seconds (CoreDNS's: 0.25 ms doubling to 8 s).
var durationBuckets = [...]float64{
	0.00025, 0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192,
}

// request counts one answered query.
func (m *Metrics) request(qtype uint16, rcode int, d time.Duration) {
	if m == nil {
		return
	}
	i := len(metricTypes)
	for j, t := range metricTypes {
		if t == qtype {
			i = j
			break
		}
	}
	m.requests[i].Add(1)
	if rcode >= 0 && rcode < len(m.responses) {
		m.responses[rcode].Add(1)
	}
	s := d.Seconds()
	for j, ub := range durationBuckets {
		if s <= ub {
			m.durBuckets[j].Add(1)
			break
		}
	}
	m.durCount.Add(1)
	m.durSumNanos.Add(uint64(d))
}

func (m *Metrics) cacheHit() {
	if m != nil {
		m.cacheHits.Add(1)
	}
}

func (m *Metrics) cacheMiss() {
	if m != nil {
		m.cacheMisses.Add(1)
	}
}

func (m *Metrics) forwardRequest() {
	if m != nil {
		m.forwards.Add(1)
	}
}

func (m *Metrics) forwardFailure() {
	if m != nil {
		m.forwardFails.Add(1)
	}
}

func (m *Metrics) snapshotBuilt(names int) {
	if m != nil {
		m.builds.Add(1)
		m.names.Store(int64(names))
	}
}

// WriteTo writes every metric in the Prometheus text exposition format.
func (m *Metrics) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	p := func(format string, args ...any) { fmt.Fprintf(cw, format, args...) }
	p("# HELP minik8s_dns_requests_total DNS queries received, by query type.\n# TYPE minik8s_dns_requests_total counter\n")
	for i, t := range metricTypes {
		p("minik8s_dns_requests_total{type=%q} %d\n", mdns.TypeToString[t], m.requests[i].Load())
	}
	p("minik8s_dns_requests_total{type=\"other\"} %d\n", m.requests[len(metricTypes)].Load())
	p("# HELP minik8s_dns_responses_total DNS responses sent, by response code.\n# TYPE minik8s_dns_responses_total counter\n")
	for rc := range m.responses {
		if v := m.responses[rc].Load(); v > 0 || rc <= mdns.RcodeRefused {
			name := mdns.RcodeToString[rc]
			if name == "" {
				name = fmt.Sprint(rc)
			}
			p("minik8s_dns_responses_total{rcode=%q} %d\n", name, v)
		}
	}
	p("# HELP minik8s_dns_cache_hits_total Forwarded queries answered from the cache.\n# TYPE minik8s_dns_cache_hits_total counter\nminik8s_dns_cache_hits_total %d\n", m.cacheHits.Load())
	p("# HELP minik8s_dns_cache_misses_total Forwarded queries not in the cache.\n# TYPE minik8s_dns_cache_misses_total counter\nminik8s_dns_cache_misses_total %d\n", m.cacheMisses.Load())
	p("# HELP minik8s_dns_forward_requests_total Queries sent to upstream resolvers.\n# TYPE minik8s_dns_forward_requests_total counter\nminik8s_dns_forward_requests_total %d\n", m.forwards.Load())
	p("# HELP minik8s_dns_forward_failures_total Upstream queries that failed (timeout, error, SERVFAIL, REFUSED).\n# TYPE minik8s_dns_forward_failures_total counter\nminik8s_dns_forward_failures_total %d\n", m.forwardFails.Load())
	p("# HELP minik8s_dns_snapshot_builds_total Record snapshots built from the informers' caches.\n# TYPE minik8s_dns_snapshot_builds_total counter\nminik8s_dns_snapshot_builds_total %d\n", m.builds.Load())
	p("# HELP minik8s_dns_snapshot_names Owner names in the current snapshot.\n# TYPE minik8s_dns_snapshot_names gauge\nminik8s_dns_snapshot_names %d\n", m.names.Load())
	p("# HELP minik8s_dns_request_duration_seconds Time to answer a query.\n# TYPE minik8s_dns_request_duration_seconds histogram\n")
	var cum uint64
	for i, ub := range durationBuckets {
		cum += m.durBuckets[i].Load()
		p("minik8s_dns_request_duration_seconds_bucket{le=%q} %d\n", fmt.Sprint(ub), cum)
	}
	count := m.durCount.Load()
	p("minik8s_dns_request_duration_seconds_bucket{le=\"+Inf\"} %d\n", count)
	p("minik8s_dns_request_duration_seconds_sum %s\n", fmt.Sprint(float64(m.durSumNanos.Load())/float64(time.Second)))
	p("minik8s_dns_request_duration_seconds_count %d\n", count)
	return cw.n, cw.err
}

// countWriter counts bytes and keeps the first error.
type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(b)
	c.n += int64(n)
	c.err = err
	return n, err
}
