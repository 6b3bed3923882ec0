package client

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// Client-side failover between apiservers (docs/ha.md). A Config with
// Servers (from the kubeconfig cluster's minik8s.io/apiserver-endpoints
// extension) sends every request to one apiserver, the current one, and
// moves to the next in the list when that one cannot be reached: a dial
// error (connection refused, no route, dial timeout), a connection that
// broke before an idempotent request was answered, or a 503. Requests that
// provably never reached an apiserver, and idempotent ones, are retried at
// once on the next endpoint, so callers see no error while one apiserver
// is down; watches end with the broken connection and their informers
// re-list and re-watch through the next endpoint. The client stays on an
// endpoint while it works (no balancing, no going back): a restarted
// apiserver gets clients again as others fail.

// failoverDialTimeout bounds a dial when there are other endpoints to try
// (a powered-off machine would otherwise hold a request for the default
// 30 s before the next endpoint is tried).
const failoverDialTimeout = 5 * time.Second

// step is what the failover transport does after one attempt.
type step struct {
	MoveOn bool // this endpoint failed: later requests use the next one
	Retry  bool // send this request again to the next endpoint
}

// attempt is the outcome of one attempt, as failoverStep sees it.
type attempt struct {
	Method string
	Path   string
	Err    error // transport error (nil: a response came)
	Status int   // the response's status code when Err is nil
	// Replayable: the request has no body or can produce it again (GetBody).
	Replayable bool
}

// failoverStep decides, purely, what to do after an attempt.
func failoverStep(a attempt) step {
	switch {
	case a.Err != nil:
		if errors.Is(a.Err, context.Canceled) || errors.Is(a.Err, context.DeadlineExceeded) {
			return step{} // the caller gave up: not the endpoint's fault
		}
		if isDialError(a.Err) {
			// Nothing was sent: any request may go to the next endpoint.
			return step{MoveOn: true, Retry: a.Replayable}
		}
		// The connection broke: a write may or may not have been applied,
		// so only idempotent requests are sent again.
		return step{MoveOn: true, Retry: a.Replayable && idempotent(a.Method)}
	case a.Status == http.StatusServiceUnavailable && !isProxyPath(a.Path):
		// An apiserver that cannot serve (shutting down, its etcd
		// unreachable); the proxy subresources' 503 is the backend's.
		return step{MoveOn: true, Retry: a.Replayable}
	}
	return step{}
}

func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// isProxyPath reports whether path is a proxy subresource
// (services/NAME/proxy, pods/NAME/proxy, nodes/NAME/proxy).
func isProxyPath(path string) bool {
	return strings.HasSuffix(path, "/proxy") || strings.Contains(path, "/proxy/")
}

// isDialError reports whether err happened while connecting (the request
// was not sent).
func isDialError(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// failoverTransport sends each request to the current endpoint and moves
// on as failoverStep says.
type failoverTransport struct {
	next      http.RoundTripper
	endpoints []*url.URL // scheme and host of each apiserver, in order
	cur       atomic.Int32
	logf      func(format string, args ...any)
}

// parseEndpoints checks the servers of a Config (the primary first): each
// must be an http(s) URL of the primary's scheme; duplicates are dropped.
func parseEndpoints(primary *url.URL, extra []string) ([]*url.URL, error) {
	out := []*url.URL{primary}
	seen := map[string]bool{primary.Host: true}
	for _, s := range extra {
		u, err := url.Parse(normalizeServer(s))
		if err != nil {
			return nil, fmt.Errorf("apiserver endpoint %q: %w", s, err)
		}
		if u.Scheme != primary.Scheme {
			return nil, fmt.Errorf("apiserver endpoint %q: scheme must be %s, as the server %s", s, primary.Scheme, primary)
		}
		if u.Host == "" {
			return nil, fmt.Errorf("apiserver endpoint %q: no host", s)
		}
		if seen[u.Host] {
			continue
		}
		seen[u.Host] = true
		out = append(out, u)
	}
	return out, nil
}

func newFailoverTransport(next http.RoundTripper, endpoints []*url.URL, logf func(string, ...any)) *failoverTransport {
	return &failoverTransport{next: next, endpoints: endpoints, logf: logf}
}

// Current is the endpoint requests go to now.
func (f *failoverTransport) Current() *url.URL {
	return f.endpoints[int(f.cur.Load())%len(f.endpoints)]
}

func (f *failoverTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	n := len(f.endpoints)
	start := int(f.cur.Load()) % n
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	for i := 0; i < n; i++ {
		idx := (start + i) % n
		ep := f.endpoints[idx]
		r, err := f.forEndpoint(req, ep, i > 0)
		if err != nil {
			return nil, err
		}
		resp, err := f.next.RoundTrip(r)
		a := attempt{Method: req.Method, Path: req.URL.Path, Err: err, Replayable: replayable}
		if err == nil {
			a.Status = resp.StatusCode
		}
		st := failoverStep(a)
		if !st.MoveOn {
			if idx != start {
				f.cur.CompareAndSwap(int32(start), int32(idx))
			}
			return resp, err
		}
		next := f.endpoints[(idx+1)%n]
		why := ""
		if err != nil {
			why = err.Error()
		} else {
			why = resp.Status
		}
		if f.cur.CompareAndSwap(int32(idx), int32((idx+1)%n)) && f.logf != nil {
			f.logf("apiserver %s failed (%s): switching to %s", ep.Host, why, next.Host)
		}
		if !st.Retry || i == n-1 || req.Context().Err() != nil {
			return resp, err
		}
		if resp != nil {
			resp.Body.Close()
		}
	}
	panic("unreachable: the last endpoint's answer is returned")
}

// forEndpoint is req aimed at ep (a fresh body when it is sent again).
func (f *failoverTransport) forEndpoint(req *http.Request, ep *url.URL, again bool) (*http.Request, error) {
	if !again && req.URL.Scheme == ep.Scheme && req.URL.Host == ep.Host {
		return req, nil
	}
	r := req.Clone(req.Context())
	r.URL.Scheme, r.URL.Host, r.Host = ep.Scheme, ep.Host, ""
	if again && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("resend %s %s to %s: %w", req.Method, req.URL.Path, ep.Host, err)
		}
		r.Body = body
	}
	return r, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// transport below.
func (f *failoverTransport) CloseIdleConnections() {
	if c, ok := f.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
