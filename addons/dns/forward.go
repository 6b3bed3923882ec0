package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	mdns "github.com/miekg/dns"
)

// Forwarder asks the upstream resolvers about names outside the cluster.
type Forwarder interface {
	// Forward returns the upstream answer to q (a private copy the caller
	// may change) or an error when no upstream answered in time.
	Forward(ctx context.Context, q mdns.Question) (*mdns.Msg, error)
}

// Upstream forwards to a list of resolvers, as CoreDNS's forward plugin:
// UDP, again over TCP when the answer is truncated; each try bounded by
// TryTimeout, all of them by Budget; the next try goes to the next
// resolver, at most max(2, len(Servers)) tries. Answers are cached.
type Upstream struct {
	Servers    []string      // host:port
	TryTimeout time.Duration // one exchange (~1 s)
	Budget     time.Duration // every try together (~2 s), then SERVFAIL
	Cache      *Cache        // nil: no cache
	FailureTTL time.Duration // how long the cache remembers that no resolver answered (0: not at all)
	Metrics    *Metrics      // nil: none

	next atomic.Uint32
}

var _ Forwarder = (*Upstream)(nil)

// ErrNoUpstream is returned when no resolver answered within the budget.
var ErrNoUpstream = errors.New("no upstream resolver answered")

// udpSize is the EDNS0 buffer size we ask for and offer (the DNS flag
// day 2020 value).
const udpSize = 1232

// Forward implements Forwarder.
func (u *Upstream) Forward(ctx context.Context, q mdns.Question) (*mdns.Msg, error) {
	if m := u.Cache.Get(q); m != nil {
		u.Metrics.cacheHit()
		if m.Rcode == mdns.RcodeServerFailure {
			return nil, fmt.Errorf("%s: %w (cached failure)", q.Name, ErrNoUpstream)
		}
		return m, nil
	}
	u.Metrics.cacheMiss()
	if len(u.Servers) == 0 {
		return nil, fmt.Errorf("%s: %w (none configured)", q.Name, ErrNoUpstream)
	}
	ctx, cancel := context.WithTimeout(ctx, u.Budget)
	defer cancel()
	req := new(mdns.Msg)
	req.Id = mdns.Id()
	req.RecursionDesired = true
	req.Question = []mdns.Question{q}
	req.SetEdns0(udpSize, false)
	markForwarded(req)
	start := int(u.next.Add(1))
	tries := max(2, len(u.Servers))
	lastErr := context.DeadlineExceeded
	for i := 0; i < tries && ctx.Err() == nil; i++ {
		server := u.Servers[(start+i)%len(u.Servers)]
		u.Metrics.forwardRequest()
		m, err := u.exchange(ctx, req, server)
		if err == nil {
			if m.Rcode != mdns.RcodeServerFailure && m.Rcode != mdns.RcodeRefused {
				u.Cache.Clamp(m)
				u.Cache.Put(q, m)
				return m, nil
			}
			err = fmt.Errorf("%s answered %s", server, mdns.RcodeToString[m.Rcode])
		}
		u.Metrics.forwardFailure()
		lastErr = err
	}
	u.Cache.PutFailure(q, u.FailureTTL)
	return nil, fmt.Errorf("%s: %w: %w", q.Name, ErrNoUpstream, lastErr)
}

// exchange asks one server, over TCP again if the UDP answer is truncated.
func (u *Upstream) exchange(ctx context.Context, req *mdns.Msg, server string) (*mdns.Msg, error) {
	try := u.TryTimeout
	if dl, ok := ctx.Deadline(); ok {
		try = min(try, time.Until(dl))
	}
	if try <= 0 {
		return nil, context.DeadlineExceeded
	}
	tctx, cancel := context.WithTimeout(ctx, try)
	defer cancel()
	c := &mdns.Client{Net: "udp", UDPSize: udpSize, Timeout: try}
	m, _, err := c.ExchangeContext(tctx, req, server)
	if err == nil && m.Truncated {
		c.Net = "tcp"
		m, _, err = c.ExchangeContext(tctx, req, server)
	}
	if err != nil {
		return nil, fmt.Errorf("exchange with %s: %w", server, err)
	}
	return m, nil
}

// loopOption is the EDNS0 option (from the local/experimental range) that
// marks the queries our forwarder sends. A query that arrives with it came
// from a minik8s DNS server's forwarder: when such a query would be
// forwarded again, the upstream is (through the kube-dns Service) a
// minik8s DNS server itself, a loop. It is answered SERVFAIL instead, so a
// loop ends after one hop (CoreDNS's loop plugin detects the same and
// exits). Resolvers ignore options they do not know.
const loopOption = 65001

// markForwarded adds the loop option to req's OPT record.
func markForwarded(req *mdns.Msg) {
	if o := req.IsEdns0(); o != nil {
		o.Option = append(o.Option, &mdns.EDNS0_LOCAL{Code: loopOption, Data: []byte("minik8s")})
	}
}

// forwardedByUs reports whether r carries the loop option.
func forwardedByUs(r *mdns.Msg) bool {
	o := r.IsEdns0()
	if o == nil {
		return false
	}
	for _, opt := range o.Option {
		if opt.Option() == loopOption {
			return true
		}
	}
	return false
}

// ParseUpstreams turns "1.1.1.1", "[::1]:5353" or "host:port" entries into
// host:port addresses (port 53 by default).
func ParseUpstreams(list []string) ([]string, error) {
	var out []string
	for _, s := range list {
		if s == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(s); err == nil {
			out = append(out, s)
			continue
		}
		if net.ParseIP(s) == nil {
			return nil, fmt.Errorf("upstream %q: want an IP address or host:port", s)
		}
		out = append(out, net.JoinHostPort(s, "53"))
	}
	return out, nil
}

// UpstreamsFromResolvConf reads the nameservers of a resolv.conf file.
func UpstreamsFromResolvConf(path string) ([]string, error) {
	cc, err := mdns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	port := cc.Port
	if port == "" {
		port = "53"
	}
	if _, err := strconv.Atoi(port); err != nil {
		port = "53"
	}
	var out []string
	for _, s := range cc.Servers {
		out = append(out, net.JoinHostPort(s, port))
	}
	return out, nil
}
