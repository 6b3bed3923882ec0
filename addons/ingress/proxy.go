package ingress

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"sync"
	"sync/atomic"
	"time"
)

// Proxy is the data path: an http.Handler that matches each request
// against the current Table and proxies it to one target of the matched
// backend, round-robin, through one shared keep-alive Transport. The
// table is swapped atomically (SetTable): requests in flight finish on the
// table they started with and no connection is closed by a reload.
type Proxy struct {
	table atomic.Pointer[Table]
	rp    *httputil.ReverseProxy
	// Transport is the shared upstream transport (keep-alive pools per target).
	Transport *http.Transport
	logf      func(format string, args ...any)
}

// ProxyConfig tunes the proxy.
type ProxyConfig struct {
	// DialContext dials targets; nil: a net.Dialer with a 5 s timeout.
	// Tests map endpoint addresses to loopback listeners with it.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// MaxIdleConnsPerHost is the keep-alive pool size per target.
	MaxIdleConnsPerHost int
	Logf                func(format string, args ...any)
}

// NewProxy returns a proxy with an empty table (everything 404).
func NewProxy(cfg ProxyConfig) *Proxy {
	dial := cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	if cfg.MaxIdleConnsPerHost <= 0 {
		cfg.MaxIdleConnsPerHost = 256
	}
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	p := &Proxy{
		Transport: &http.Transport{
			DialContext:           dial,
			MaxIdleConns:          4096,
			MaxIdleConnsPerHost:   cfg.MaxIdleConnsPerHost,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: 60 * time.Second,
			ExpectContinueTimeout: time.Second,
			// Pass bodies as they are: no Accept-Encoding of our own and no
			// transparent gunzip.
			DisableCompression: true,
		},
		logf: cfg.Logf,
	}
	p.rp = &httputil.ReverseProxy{
		// ServeHTTP has put the target into In.URL: Out is a clone of In, so
		// only the forwarding headers are left to set. The Host header is
		// passed through, as Ingress controllers do.
		Rewrite:       func(pr *httputil.ProxyRequest) { pr.SetXForwarded() },
		Transport:     p.Transport,
		FlushInterval: -1, // stream: flush every write
		ErrorHandler:  p.upstreamError,
		ErrorLog:      log.New(io.Discard, "", 0),
		BufferPool:    bufferPool{},
	}
	p.table.Store(&Table{})
	return p
}

// SetTable makes t the table of new requests.
func (p *Proxy) SetTable(t *Table) { p.table.Store(t) }

// Table is the current table.
func (p *Proxy) Table() *Table { return p.table.Load() }

// ServeHTTP routes one request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b := p.table.Load().Match(r.Host, r.URL.Path)
	if b == nil {
		writeStatus(w, http.StatusNotFound, "default backend - 404")
		return
	}
	target := b.pick()
	if target == "" {
		writeStatus(w, http.StatusServiceUnavailable, "503 Service Temporarily Unavailable")
		return
	}
	// The server's request is ours to change; ReverseProxy clones it.
	r.URL.Scheme, r.URL.Host = "http", target
	p.rp.ServeHTTP(w, r)
}

func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() == nil {
		p.logf("ingress: %s %s%s -> %s: %v", r.Method, r.Host, r.URL.Path, r.URL.Host, err)
	}
	writeStatus(w, http.StatusBadGateway, "502 Bad Gateway")
}

func writeStatus(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	io.WriteString(w, msg+"\n")
}

// bufferPool lends ReverseProxy its 32 KiB copy buffers, which it would
// otherwise allocate for every response.
type bufferPool struct{}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *copyBuffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { copyBuffers.Put(&b) }
