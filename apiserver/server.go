package apiserver

import (
	"bufio"
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"minik8s/apiserver/audit"
	"minik8s/apiserver/metrics"
	"minik8s/apiserver/request"
	"minik8s/apiserver/storage"
	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/authorizer"
)

// Server is the API server.
type Server struct {
	opts  Options
	store storage.Interface
	emb   *storage.Embedded
	// etcd is the store below the encryption and dry-run layers (the
	// master leases, bootstrap_service.go); set by Run.
	etcd *storage.Etcd

	ready chan struct{}
	addr  string
	svcMu sync.Mutex // serialises this server's ClusterIP and NodePort allocation
	alloc *serviceAllocator
	// namespaces caches namespace phases for the create path.
	namespaces *nsCache
	router     *gin.Engine
	// handler is the router behind the request filters (filters.go):
	// authentication, authorization, audit.
	handler  http.Handler
	authn    authenticator.Request // set by Run (authn.go)
	authz    authorizer.Authorizer // set by Run (authz.go)
	rbac     *rbacCache            // set by newRBACAuthorizer when RBAC is on (authz_rbac.go)
	keyLocks keyLocks              // turns of concurrent updates of one key
	metrics  *metrics.Store
	inflight *inflightLimiter // --max-requests-inflight, --max-mutating-requests-inflight (inflight.go)
	audit    *audit.Log       // set by Run (audit_filter.go); nil: no audit log

	openWatches atomic.Int64 // watches being served (OpenWatches)
}

// OpenWatches is the number of watch requests being served (tests and the
// bench check that slow watchers are dropped).
func (s *Server) OpenWatches() int64 { return s.openWatches.Load() }

// NewServer checks the options; Run starts everything.
func NewServer(opts Options) (*Server, error) {
	if err := checkServing(opts); err != nil {
		return nil, err
	}
	alloc, err := newServiceAllocator(opts.ServiceClusterIPRange, opts.ServiceNodePortRange)
	if err != nil {
		return nil, err
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 3 << 20
	}
	if opts.BookmarkInterval <= 0 {
		opts.BookmarkInterval = time.Minute
	}
	if opts.WatchBufferEvents <= 0 {
		opts.WatchBufferEvents = defaultWatchBufferEvents
	}
	if opts.WatchBufferBytes <= 0 {
		opts.WatchBufferBytes = defaultWatchBufferBytes
	}
	if opts.WatchBlockTimeout <= 0 {
		opts.WatchBlockTimeout = defaultWatchBlockTimeout
	}
	if opts.WatchWriteTimeout <= 0 {
		opts.WatchWriteTimeout = defaultWatchWriteTimeout
	}
	s := &Server{opts: opts, ready: make(chan struct{}), alloc: alloc, namespaces: newNSCache(), metrics: metrics.NewStore(),
		inflight: newInflightLimiter(opts.MaxRequestsInflight, opts.MaxMutatingRequestsInflight)}
	s.router = s.newRouter(s.serveResource)
	s.handler = s.withFilters(s.router)
	return s, nil
}

// Ready is closed once the server accepts requests.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Addr is the listening address (host:port), valid after Ready.
func (s *Server) Addr() string { return s.addr }

// URL is the server's base URL (https:// unless InsecureServing), valid
// after Ready.
func (s *Server) URL() string {
	if s.opts.InsecureServing {
		return "http://" + s.addr
	}
	return "https://" + s.addr
}

// Store is the storage the server uses, valid after Ready (tests and admin helpers).
func (s *Server) Store() storage.Interface { return s.store.(dryRunStore).Interface }

// Run starts etcd (embedded unless external servers are given), ensures the
// system namespaces, serves HTTP until ctx ends, then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	endpoints := s.opts.EtcdServers
	etcdTLS := storage.TLSFiles{CAFile: s.opts.EtcdCAFile, CertFile: s.opts.EtcdCertFile, KeyFile: s.opts.EtcdKeyFile}
	if len(endpoints) == 0 {
		etcdTLS = storage.TLSFiles{} // the embedded etcd's unix socket
		emb, err := storage.StartEmbedded(storage.EmbeddedConfig{
			DataDir: s.opts.DataDir, LogFile: s.opts.EtcdLogFile, LogLevel: s.opts.EtcdLogLevel, NoFsync: s.opts.UnsafeNoFsync,
		})
		if err != nil {
			return err
		}
		s.emb = emb
		defer emb.Close()
		endpoints = []string{emb.ClientURL()}
	}
	st, err := storage.NewEtcdTLS(endpoints, etcdTLS)
	if err != nil {
		return err
	}
	defer st.Close()
	s.etcd = st
	enc, err := s.encryptedStore(st)
	if err != nil {
		return err
	}
	s.store = dryRunStore{enc}

	if s.authn, err = s.newAuthenticator(ctx); err != nil {
		return fmt.Errorf("authentication: %w", err)
	}
	if s.authz, err = s.newAuthorizer(ctx); err != nil {
		return fmt.Errorf("authorization: %w", err)
	}
	if err := s.startAudit(); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	defer s.audit.Close()

	initCtx, initCancel := context.WithTimeout(ctx, 30*time.Second)
	err = s.ensureSystemNamespaces(initCtx)
	initCancel()
	if err != nil {
		return fmt.Errorf("creating system namespaces: %w", err)
	}
	initCtx, initCancel = context.WithTimeout(ctx, 30*time.Second)
	err = s.repairServiceAllocations(initCtx)
	initCancel()
	if err != nil {
		return fmt.Errorf("repairing service allocations: %w", err)
	}

	// Slow or idle clients: a request's headers must come within
	// ReadHeaderTimeout, a keep-alive connection is closed after IdleTimeout
	// without a request (both as Kubernetes' secure serving), and a body
	// within BodyReadTimeout (ServeHTTP). No ReadTimeout: it would also cut
	// watches and other streams, whose connection stays read-idle.
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    1 << 20,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          serverErrorLog(),
	}
	if !s.opts.InsecureServing {
		if hs.TLSConfig, err = servingTLS(s.opts); err != nil {
			return err
		}
	}
	lns, err := listen(s.opts.BindAddress, s.opts.Port, hs.TLSConfig)
	if err != nil {
		return err
	}
	s.addr = lns[0].Addr().String()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.namespaces.run(ctx, s.store) }()
	go func() { defer wg.Done(); s.autoCompact(ctx) }()
	wg.Add(1)
	go func() { defer wg.Done(); s.runAllocationRepair(ctx) }()
	kubeSvcInterval := cmp.Or(s.opts.KubernetesServiceInterval, kubernetesServiceInterval)
	s.startKubernetesService(ctx, kubeSvcInterval)
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.runKubernetesService(ctx, kubeSvcInterval)
	}()
	if s.opts.MetricsResolution > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); s.newMetricsScraper().Run(ctx) }()
	}

	errc := make(chan error, len(lns))
	for _, ln := range lns {
		go func() { errc <- hs.Serve(ln) }()
	}
	close(s.ready)
	var embErr <-chan error
	if s.emb != nil {
		embErr = s.emb.Err()
	}
	select {
	case <-ctx.Done():
	case err = <-errc:
	case err = <-embErr:
		err = fmt.Errorf("embedded etcd: %w", err)
	}
	cancel() // ends watches and background loops
	shutCtx, shutCancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer shutCancel()
	if serr := hs.Shutdown(shutCtx); serr != nil {
		hs.Close()
	}
	wg.Wait()
	// Leave the kubernetes Service's endpoints now rather than when this
	// server's lease expires (Kubernetes' RemoveEndpoints at shutdown).
	leaveCtx, leaveCancel := context.WithTimeout(context.Background(), time.Second)
	if lerr := s.leaveKubernetesService(leaveCtx); lerr != nil {
		log.Printf("apiserver: leaving the kubernetes service's endpoints: %v", lerr)
	}
	leaveCancel()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// ServeHTTP logs (if asked) and times out a request, then routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if s.opts.AccessLog {
		lw := &logWriter{ResponseWriter: w, code: 200}
		w = lw
		defer func() {
			log.Printf("apiserver: %s %s %d %s", r.Method, r.URL.RequestURI(), lw.code, time.Since(start).Round(time.Millisecond))
		}()
	}
	s.limitBodyRead(w, r)
	path := r.URL.Path
	if !isWatch(r) && !isPodExec(path) && !isFollowedLog(r, path) && s.opts.RequestTimeout > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), s.opts.RequestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
	}
	s.handler.ServeHTTP(w, r)
}

// limitBodyRead gives a request with a body BodyReadTimeout to send it:
// a read deadline on the connection, cleared as soon as the body is read
// (net/http then reads on in the background to notice a closed connection,
// and a deadline hit there would cancel the request). Upgrades and other
// long-running requests (exec, attach, port-forward, proxy) stream their
// bodies and get none.
func (s *Server) limitBodyRead(w http.ResponseWriter, r *http.Request) {
	if s.opts.BodyReadTimeout <= 0 || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 ||
		r.Header.Get("Upgrade") != "" || isLongRunning(request.NewRequestInfo(r)) {
		return
	}
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(s.opts.BodyReadTimeout)) != nil {
		return
	}
	r.Body = &deadlineBody{ReadCloser: r.Body, clear: func() { _ = rc.SetReadDeadline(time.Time{}) }}
}

// deadlineBody clears the body read deadline once the whole body is read.
// A body that fails (the deadline hit) keeps it: net/http then tries to
// discard the rest of the body before answering, and must not wait for it.
type deadlineBody struct {
	io.ReadCloser
	clear func()
	once  sync.Once
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(b.clear)
	}
	return n, err
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	if err := s.store.Healthy(r.Context()); err != nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "[-]etcd failed: %v\nhealthz check failed\n", err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if r.URL.Query().Has("verbose") {
		fmt.Fprint(w, "[+]ping ok\n[+]etcd ok\nhealthz check passed\n")
		return
	}
	fmt.Fprint(w, "ok")
}

// autoCompact compacts etcd history periodically, keeping the most recent
// CompactionRetention revisions so that watches can resume.
func (s *Server) autoCompact(ctx context.Context) {
	if s.opts.CompactionInterval <= 0 {
		return
	}
	t := time.NewTicker(s.opts.CompactionInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rev, err := s.store.Revision(ctx)
		if err != nil {
			continue
		}
		if target := rev - s.opts.CompactionRetention; target > 0 {
			if err := s.store.Compact(ctx, target); err != nil && ctx.Err() == nil {
				log.Printf("apiserver: auto compaction to %d: %v", target, err)
			}
		}
	}
}

// Compact discards etcd history before rev (admin helper; tests use it to
// provoke 410 Gone).
func (s *Server) Compact(ctx context.Context, rev int64) error {
	return s.store.Compact(ctx, rev)
}

type logWriter struct {
	http.ResponseWriter
	code int
}

func (l *logWriter) WriteHeader(code int) { l.code = code; l.ResponseWriter.WriteHeader(code) }
func (l *logWriter) Flush() {
	if f, ok := l.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (l *logWriter) Unwrap() http.ResponseWriter { return l.ResponseWriter }

// Hijack takes over the connection (pods/exec): gin's writer calls it
// directly, so the access log writer must have it.
func (l *logWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	l.code = http.StatusSwitchingProtocols
	return http.NewResponseController(l.ResponseWriter).Hijack()
}

// listen opens one listener per address of a comma-separated list (the
// lab serves on loopback and on its bridge, never on every interface). With
// port 0 the first listener picks a free port and the others reuse it.
// With tc the listeners speak only TLS.
func listen(addresses string, port int, tc *tls.Config) ([]net.Listener, error) {
	var lns []net.Listener
	for _, a := range strings.Split(addresses, ",") {
		ln, err := net.Listen("tcp", net.JoinHostPort(strings.TrimSpace(a), strconv.Itoa(port)))
		if err != nil {
			for _, l := range lns {
				l.Close()
			}
			return nil, fmt.Errorf("apiserver listen on %s: %w", a, err)
		}
		if port == 0 {
			port = ln.Addr().(*net.TCPAddr).Port
		}
		if tc != nil {
			ln = tls.NewListener(ln, tc)
		}
		lns = append(lns, ln)
	}
	return lns, nil
}
