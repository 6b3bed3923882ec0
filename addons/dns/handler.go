package dns

import (
	"context"
	"errors"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	mdns "github.com/miekg/dns"
)

// Handler answers DNS queries (a miekg/dns Handler): cluster names from
// the current snapshot, other names through the forwarder.
type Handler struct {
	zone    string // the cluster domain, lower case FQDN
	snap    atomic.Pointer[Snapshot]
	fwd     Forwarder
	metrics *Metrics

	loopLogged atomic.Bool // a forwarding loop was logged
}

// errLoop is a query our own forwarder sent coming back to be forwarded.
var errLoop = errors.New("forwarding loop")

var _ mdns.Handler = (*Handler)(nil)

// NewHandler returns a handler with no snapshot yet (cluster names get
// SERVFAIL until the first Swap, as CoreDNS before its caches sync).
// fwd may be nil: names outside the cluster then get SERVFAIL.
func NewHandler(zone string, fwd Forwarder, m *Metrics) *Handler {
	return &Handler{zone: strings.ToLower(mdns.Fqdn(zone)), fwd: fwd, metrics: m}
}

// Swap makes s the snapshot every following query is answered from.
func (h *Handler) Swap(s *Snapshot) { h.snap.Store(s) }

// Snapshot is the current snapshot (nil before the first Swap).
func (h *Handler) Snapshot() *Snapshot { return h.snap.Load() }

// maxChase bounds CNAME chains resolved inside the cluster.
const maxChase = 8

// forwardTimeout bounds the whole of a forwarded query (the Upstream's own
// budget is smaller).
const forwardTimeout = 5 * time.Second

// reply is a pooled response message with its own additional section
// and OPT record (packing writes the extended rcode into the OPT).
type reply struct {
	msg   mdns.Msg
	opt   mdns.OPT
	extra [8]mdns.RR
}

var replies = sync.Pool{New: func() any { return new(reply) }}

// setOPT makes o the OPT record of our answers to EDNS queries.
func setOPT(o *mdns.OPT) *mdns.OPT {
	*o = mdns.OPT{Hdr: mdns.RR_Header{Name: ".", Rrtype: mdns.TypeOPT}}
	o.SetUDPSize(udpSize)
	return o
}

// ServeDNS implements mdns.Handler.
func (h *Handler) ServeDNS(w mdns.ResponseWriter, r *mdns.Msg) {
	start := time.Now()
	rp := replies.Get().(*reply)
	m := &rp.msg
	m.Id, m.Response, m.Opcode = r.Id, true, r.Opcode
	m.RecursionDesired, m.RecursionAvailable, m.CheckingDisabled = r.RecursionDesired, true, r.CheckingDisabled
	m.Question = r.Question
	m.Compress = true
	m.Extra = rp.extra[:0]

	var qtype uint16
	_, udp := w.RemoteAddr().(*net.UDPAddr)
	size := mdns.MinMsgSize
	opt := r.IsEdns0()
	if opt != nil {
		size = max(int(opt.UDPSize()), mdns.MinMsgSize)
	}
	switch {
	case len(r.Question) != 1 || r.Response:
		m.Rcode = mdns.RcodeFormatError
	case r.Opcode != mdns.OpcodeQuery:
		m.Rcode = mdns.RcodeNotImplemented
	case opt != nil && opt.Version() != 0:
		m.Rcode = mdns.RcodeBadVers // extended: set through the OPT below
	case r.Question[0].Qclass != mdns.ClassINET && r.Question[0].Qclass != mdns.ClassANY,
		r.Question[0].Qtype == mdns.TypeAXFR || r.Question[0].Qtype == mdns.TypeIXFR: // no zone transfers
		m.Rcode = mdns.RcodeRefused
	default:
		q := r.Question[0]
		qtype = q.Qtype
		if rcode, done := h.answer(w, r, m, q, udp, size); done {
			h.metrics.request(qtype, rcode, time.Since(start))
			h.release(rp)
			return
		}
	}
	rcode := m.Rcode
	if opt != nil {
		m.Extra = append(m.Extra, setOPT(&rp.opt))
	}
	h.write(w, m, udp, size)
	h.metrics.request(qtype, rcode, time.Since(start))
	h.release(rp)
}

// release returns a reply to the pool without references into snapshots.
func (h *Handler) release(rp *reply) {
	rp.msg = mdns.Msg{}
	clear(rp.extra[:])
	replies.Put(rp)
}

// write truncates m for UDP and sends it (packing sets the extended
// rcode in the OPT record, if any).
func (h *Handler) write(w mdns.ResponseWriter, m *mdns.Msg, udp bool, size int) {
	if udp {
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// answer fills m for question q. It reports done (and the rcode sent)
// when it wrote the response itself (forwarded answers).
func (h *Handler) answer(w mdns.ResponseWriter, r, m *mdns.Msg, q mdns.Question, udp bool, size int) (rcode int, done bool) {
	s := h.snap.Load()
	qname := strings.ToLower(q.Name)
	if s == nil {
		if !inZone(qname, h.zone) && h.fwd != nil {
			return h.forward(w, r, q, udp, size), true
		}
		m.Rcode = mdns.RcodeServerFailure
		return 0, false
	}
	res := s.Lookup(qname, q.Qtype)
	if res.forward {
		return h.forward(w, r, q, udp, size), true
	}
	m.Rcode, m.Authoritative = res.rcode, res.auth
	m.Answer, m.Ns = res.answer, res.ns
	m.Extra = append(m.Extra, res.extra...)
	if res.rename || q.Name != qname {
		m.Answer = renamed(m.Answer, q.Name)
	}
	if res.chase != "" {
		m.Answer = append(m.Answer[:len(m.Answer):len(m.Answer)], h.chase(s, res.chase, q.Qtype)...)
	}
	return 0, false
}

// renamed copies rrs with the owner name that the query spelled (the
// question's case, or the query name for a wildcard's records).
func renamed(rrs []mdns.RR, name string) []mdns.RR {
	out := make([]mdns.RR, len(rrs))
	for i, rr := range rrs {
		rr = mdns.Copy(rr)
		rr.Header().Name = name
		out[i] = rr
	}
	return out
}

// chase resolves the target of a CNAME: inside the cluster from the
// snapshot (following further CNAMEs), outside through the forwarder.
func (h *Handler) chase(s *Snapshot, target string, qtype uint16) []mdns.RR {
	var out []mdns.RR
	for range maxChase {
		res := s.Lookup(target, qtype)
		if res.forward {
			if h.fwd == nil {
				return out
			}
			ctx, cancel := context.WithTimeout(context.Background(), forwardTimeout)
			defer cancel()
			up, err := h.fwd.Forward(ctx, mdns.Question{Name: target, Qtype: qtype, Qclass: mdns.ClassINET})
			if err == nil {
				out = append(out, up.Answer...)
			}
			return out
		}
		out = append(out, res.answer...)
		if res.chase == "" {
			return out
		}
		target = res.chase
	}
	return out
}

// forward answers q from the upstream resolvers (SERVFAIL when none
// answers in time), writes the response and returns its rcode.
func (h *Handler) forward(w mdns.ResponseWriter, r *mdns.Msg, q mdns.Question, udp bool, size int) int {
	var up *mdns.Msg
	var err error
	if forwardedByUs(r) {
		err = errLoop
		if h.loopLogged.CompareAndSwap(false, true) {
			log.Printf("dns: forwarding loop: %s came from a minik8s DNS forwarder (are the upstreams the cluster DNS? the pods need dnsPolicy: Default); answering SERVFAIL", q.Name)
		}
	} else if h.fwd != nil {
		ctx, cancel := context.WithTimeout(context.Background(), forwardTimeout)
		up, err = h.fwd.Forward(ctx, q)
		cancel()
	}
	m := new(mdns.Msg)
	if up == nil || err != nil {
		m.SetRcode(r, mdns.RcodeServerFailure)
	} else {
		m.Id, m.Response, m.Opcode, m.Rcode = r.Id, true, r.Opcode, up.Rcode
		m.Authoritative, m.AuthenticatedData = false, up.AuthenticatedData
		m.Answer, m.Ns = up.Answer, up.Ns
		for _, rr := range up.Extra {
			if rr.Header().Rrtype != mdns.TypeOPT {
				m.Extra = append(m.Extra, rr)
			}
		}
	}
	m.Question = r.Question
	m.RecursionDesired, m.RecursionAvailable, m.CheckingDisabled = r.RecursionDesired, true, r.CheckingDisabled
	m.Compress = true
	if r.IsEdns0() != nil {
		m.Extra = append(m.Extra, setOPT(new(mdns.OPT)))
	}
	h.write(w, m, udp, size)
	return m.Rcode
}
