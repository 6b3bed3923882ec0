package dns

import (
	"strings"
	"sync"
	"time"

	mdns "github.com/miekg/dns"
)

// Cache holds upstream answers for their TTL (bounded by MaxTTL), positive
// and negative (NXDOMAIN and NODATA, for the SOA's negative TTL), as
// CoreDNS's cache plugin does. At most Size entries; when full, an
// arbitrary entry makes room.
type Cache struct {
	size   int
	maxTTL time.Duration
	now    func() time.Time

	mu sync.Mutex
	m  map[cacheKey]cacheEntry
}

type cacheKey struct {
	name         string
	qtype, class uint16
}

type cacheEntry struct {
	msg     *mdns.Msg
	stored  time.Time
	expires time.Time
}

// NewCache returns a cache of at most size entries kept at most maxTTL.
func NewCache(size int, maxTTL time.Duration) *Cache {
	return &Cache{size: size, maxTTL: maxTTL, now: time.Now, m: map[cacheKey]cacheEntry{}}
}

func keyOf(q mdns.Question) cacheKey {
	return cacheKey{name: strings.ToLower(q.Name), qtype: q.Qtype, class: q.Qclass}
}

// Get returns a copy of the cached answer to q with its TTLs decreased by
// its age, or nil.
func (c *Cache) Get(q mdns.Question) *mdns.Msg {
	if c == nil || c.size <= 0 {
		return nil
	}
	k := keyOf(q)
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[k]
	if ok && !now.Before(e.expires) {
		delete(c.m, k)
		ok = false
	}
	c.mu.Unlock()
	if !ok {
		return nil
	}
	m := e.msg.Copy()
	age := uint32(now.Sub(e.stored) / time.Second)
	for _, sec := range [][]mdns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			h := rr.Header()
			if h.Rrtype == mdns.TypeOPT {
				continue
			}
			if h.Ttl > age {
				h.Ttl -= age
			} else {
				h.Ttl = 0
			}
		}
	}
	return m
}

// Put stores m, the answer to q, if it is cacheable: NOERROR with records
// (the smallest TTL), or NXDOMAIN/NODATA with an SOA (its negative TTL).
// Truncated answers and failures are not kept.
func (c *Cache) Put(q mdns.Question, m *mdns.Msg) {
	if c == nil || c.size <= 0 || m.Truncated {
		return
	}
	ttl, ok := cacheTTL(m)
	if !ok || ttl <= 0 {
		return
	}
	if ttl > c.maxTTL {
		ttl = c.maxTTL
	}
	now := c.now()
	k := keyOf(q)
	c.store(k, cacheEntry{msg: m.Copy(), stored: now, expires: now.Add(ttl)})
}

// PutFailure remembers for ttl that no upstream answered q (CoreDNS's
// cache keeps SERVFAIL 5 s), so that repeated queries fail at once
// instead of waiting for the budget each time.
func (c *Cache) PutFailure(q mdns.Question, ttl time.Duration) {
	if c == nil || c.size <= 0 || ttl <= 0 {
		return
	}
	m := new(mdns.Msg)
	m.Rcode = mdns.RcodeServerFailure
	now := c.now()
	k := keyOf(q)
	c.store(k, cacheEntry{msg: m, stored: now, expires: now.Add(ttl)})
}

// Clamp lowers the TTLs of m's records to the cache's longest time, so
// that a client never keeps an answer longer than this server would (as
// CoreDNS's cache plugin does).
func (c *Cache) Clamp(m *mdns.Msg) {
	if c == nil || c.size <= 0 {
		return
	}
	limit := uint32(c.maxTTL / time.Second)
	for _, sec := range [][]mdns.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			if h := rr.Header(); h.Rrtype != mdns.TypeOPT && h.Ttl > limit {
				h.Ttl = limit
			}
		}
	}
}

// store adds e, making room first when the cache is full.
func (c *Cache) store(k cacheKey, e cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, exists := c.m[k]; !exists && len(c.m) >= c.size {
		for old := range c.m {
			delete(c.m, old)
			break
		}
	}
	c.m[k] = e
}

// Len is the number of entries.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// cacheTTL is how long m may be cached.
func cacheTTL(m *mdns.Msg) (time.Duration, bool) {
	switch {
	case m.Rcode == mdns.RcodeSuccess && len(m.Answer) > 0:
		minTTL := ^uint32(0)
		for _, rr := range m.Answer {
			minTTL = min(minTTL, rr.Header().Ttl)
		}
		return time.Duration(minTTL) * time.Second, true
	case m.Rcode == mdns.RcodeSuccess || m.Rcode == mdns.RcodeNameError:
		for _, rr := range m.Ns {
			if soa, ok := rr.(*mdns.SOA); ok {
				return time.Duration(min(soa.Hdr.Ttl, soa.Minttl)) * time.Second, true
			}
		}
	}
	return 0, false
}
