package dns

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	mdns "github.com/miekg/dns"

	"minik8s/pkg/api"
	"minik8s/pkg/client/cache"
)

// ServerConfig is how a Server runs.
type ServerConfig struct {
	Records     Config
	Listen      string // DNS, UDP and TCP ("127.0.0.1:0" in tests)
	HealthAddr  string // "" disables
	ReadyAddr   string
	MetricsAddr string
	Debounce    time.Duration
	Forwarder   Forwarder // nil: SERVFAIL for names outside the cluster
	Metrics     *Metrics  // nil: a new one
	Logf        func(format string, args ...any)
}

// Server is the cluster DNS server: informers feed snapshots to a Handler
// served over UDP and TCP, beside the health, readiness and metrics
// endpoints.
type Server struct {
	cfg     ServerConfig
	handler *Handler
	metrics *Metrics

	services, slices, pods, namespaces, ingresses *cache.SharedInformer

	changed chan struct{} // a cache changed: rebuild (buffer 1)
	ready   atomic.Bool

	listenOnce sync.Once
	listenErr  error
	udp        net.PacketConn
	tcp        net.Listener
	http       []*httpEndpoint
}

// httpEndpoint is one of the HTTP listeners.
type httpEndpoint struct {
	addr string
	ln   net.Listener
	srv  *http.Server
}

// New makes the server and adds its handlers to the factory's informers
// (Services, EndpointSlices, Pods, Namespaces, Ingresses); start the
// factory after.
func New(factory *cache.SharedInformerFactory, cfg ServerConfig) *Server {
	if cfg.Metrics == nil {
		cfg.Metrics = &Metrics{}
	}
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	s := &Server{
		cfg:        cfg,
		metrics:    cfg.Metrics,
		handler:    NewHandler(cfg.Records.Zone, cfg.Forwarder, cfg.Metrics),
		services:   cache.InformerFor[*api.Service](factory),
		slices:     cache.InformerFor[*api.EndpointSlice](factory),
		pods:       cache.InformerFor[*api.Pod](factory),
		namespaces: cache.InformerFor[*api.Namespace](factory),
		ingresses:  cache.InformerFor[*api.Ingress](factory),
		changed:    make(chan struct{}, 1),
	}
	all := cache.HandlerFuncs{
		AddFunc:    func(api.Object) { s.signal() },
		UpdateFunc: func(api.Object, api.Object) { s.signal() },
		DeleteFunc: func(api.Object) { s.signal() },
	}
	s.services.AddEventHandler(all)
	s.slices.AddEventHandler(all)
	s.namespaces.AddEventHandler(all)
	s.ingresses.AddEventHandler(all)
	s.pods.AddEventHandler(cache.HandlerFuncs{
		AddFunc: func(api.Object) { s.signal() },
		UpdateFunc: func(o, n api.Object) {
			if podRecordChanged(o.(*api.Pod), n.(*api.Pod)) {
				s.signal()
			}
		},
		DeleteFunc: func(api.Object) { s.signal() },
	})
	return s
}

// Handler is the server's DNS handler.
func (s *Server) Handler() *Handler { return s.handler }

// Metrics are the server's metrics.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Ready reports whether the caches synced and the first snapshot is served.
func (s *Server) Ready() bool { return s.ready.Load() }

// podRecordChanged reports whether an update changes what a pod adds to
// the records (its PTR): most pod updates are status changes that do not.
func podRecordChanged(o, n *api.Pod) bool {
	if o.Status.PodIP != n.Status.PodIP || len(o.Status.PodIPs) != len(n.Status.PodIPs) ||
		o.Spec.HostNetwork != n.Spec.HostNetwork {
		return true
	}
	term := func(p *api.Pod) bool { return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed }
	return term(o) != term(n)
}

// signal asks for a rebuild without blocking the informer.
func (s *Server) signal() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Listen binds the DNS sockets and the HTTP endpoints (Run calls it when
// it was not called before).
func (s *Server) Listen() error {
	s.listenOnce.Do(func() { s.listenErr = s.listen() })
	return s.listenErr
}

// listenDNS opens UDP and TCP on the same port. With port 0 the kernel
// chooses the UDP port, which another program may hold for TCP: then it
// chooses again (a few times).
func (s *Server) listenDNS() error {
	host, port, _ := net.SplitHostPort(s.cfg.Listen)
	tries := 1
	if port == "0" {
		tries = 10
	}
	var err error
	for i := 0; i < tries; i++ {
		if s.udp, err = net.ListenPacket("udp", s.cfg.Listen); err != nil {
			return fmt.Errorf("dns: listen udp %s: %w", s.cfg.Listen, err)
		}
		tcpAddr := s.cfg.Listen
		if port == "0" {
			_, p, _ := net.SplitHostPort(s.udp.LocalAddr().String())
			tcpAddr = net.JoinHostPort(host, p)
		}
		if s.tcp, err = net.Listen("tcp", tcpAddr); err == nil {
			return nil
		}
		s.udp.Close()
		err = fmt.Errorf("dns: listen tcp %s: %w", tcpAddr, err)
	}
	return err
}

func (s *Server) listen() error {
	if err := s.listenDNS(); err != nil {
		return err
	}
	for _, ep := range []struct {
		addr, path string
		h          http.HandlerFunc
	}{
		{s.cfg.HealthAddr, "/health", s.serveHealth},
		{s.cfg.ReadyAddr, "/ready", s.serveReady},
		{s.cfg.MetricsAddr, "/metrics", s.serveMetrics},
	} {
		if ep.addr == "" {
			continue
		}
		ln, err := net.Listen("tcp", ep.addr)
		if err != nil {
			s.closeListeners()
			return fmt.Errorf("dns: listen %s for %s: %w", ep.addr, ep.path, err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET "+ep.path, ep.h)
		s.http = append(s.http, &httpEndpoint{addr: ep.path, ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}})
	}
	return nil
}

func (s *Server) closeListeners() {
	s.udp.Close()
	s.tcp.Close()
	for _, e := range s.http {
		e.ln.Close()
	}
}

// DNSAddr is the bound DNS address (UDP; TCP has the same port).
func (s *Server) DNSAddr() net.Addr { return s.udp.LocalAddr() }

// HTTPAddr is the bound address of the endpoint serving path ("/health",
// "/ready", "/metrics"), or nil.
func (s *Server) HTTPAddr(path string) net.Addr {
	for _, e := range s.http {
		if e.addr == path {
			return e.ln.Addr()
		}
	}
	return nil
}

// serveHealth is the liveness endpoint (CoreDNS's health plugin: 200 OK
// while the process serves).
func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	_, _ = w.Write([]byte("OK"))
}

// serveReady is the readiness endpoint: 200 once the informers synced
// and the first snapshot is served, 503 before.
func (s *Server) serveReady(w http.ResponseWriter, _ *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "caches not synced", http.StatusServiceUnavailable)
		return
	}
	_, _ = w.Write([]byte("OK"))
}

// serveMetrics writes the metrics in the Prometheus text format.
func (s *Server) serveMetrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = s.metrics.WriteTo(w)
}

// Run serves until ctx ends: DNS (SERVFAIL for cluster names until the
// caches sync), the HTTP endpoints, and a new snapshot after every change.
func (s *Server) Run(ctx context.Context) error {
	if err := s.Listen(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2+len(s.http))
	var wg sync.WaitGroup
	udp := &mdns.Server{PacketConn: s.udp, Handler: s.handler, UDPSize: udpSize}
	tcp := &mdns.Server{Listener: s.tcp, Handler: s.handler, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second}
	for _, srv := range []*mdns.Server{udp, tcp} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := srv.ActivateAndServe(); err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("dns: serve %s: %w", srv.Net, err)
				cancel()
			}
		}()
	}
	for _, e := range s.http {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.srv.Serve(e.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("dns: serve %s: %w", e.addr, err)
				cancel()
			}
		}()
	}
	s.cfg.Logf("dns: serving %s on %s (udp+tcp), apiserver caches syncing", s.cfg.Records.Zone, s.udp.LocalAddr())
	s.rebuildLoop(ctx)

	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	_ = udp.ShutdownContext(sctx)
	_ = tcp.ShutdownContext(sctx)
	for _, e := range s.http {
		_ = e.srv.Shutdown(sctx)
	}
	wg.Wait()
	close(errc)
	return <-errc // nil when ctx ended
}

// rebuildLoop waits for the caches, serves the first snapshot, then a new
// one after every change (changes within Debounce are one rebuild).
func (s *Server) rebuildLoop(ctx context.Context) {
	if !cache.WaitForCacheSync(ctx, s.services.HasSynced, s.slices.HasSynced, s.pods.HasSynced, s.namespaces.HasSynced, s.ingresses.HasSynced) {
		return
	}
	s.rebuild()
	s.ready.Store(true)
	s.cfg.Logf("dns: caches synced, %d names", s.handler.Snapshot().Names())
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.changed:
		}
		if s.cfg.Debounce > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(s.cfg.Debounce):
			}
		}
		select { // changes during the wait are in this rebuild
		case <-s.changed:
		default:
		}
		s.rebuild()
	}
}

// rebuild builds a snapshot from the caches and swaps it in.
func (s *Server) rebuild() {
	snap := Build(s.cfg.Records, s.inputs(), uint32(time.Now().Unix()))
	s.handler.Swap(snap)
	s.metrics.snapshotBuilt(snap.Names())
}

// inputs reads the informers' caches.
func (s *Server) inputs() Inputs {
	in := Inputs{
		Services:     cache.NewLister[*api.Service](s.services.Store()).List("", nil),
		Slices:       cache.NewLister[*api.EndpointSlice](s.slices.Store()).List("", nil),
		Pods:         cache.NewLister[*api.Pod](s.pods.Store()).List("", nil),
		IngressHosts: IngressHosts(cache.NewLister[*api.Ingress](s.ingresses.Store()).List("", nil)),
	}
	for _, ns := range cache.NewLister[*api.Namespace](s.namespaces.Store()).List("", nil) {
		in.Namespaces = append(in.Namespaces, ns.Name)
	}
	return in
}
