// Command testserver is the HTTP server of the image
// docker.io/minik8s/testserver:latest, used by examples and end-to-end tests:
//
//	/            pod name (POD_NAME or the hostname), its IPs and the client's address
//	/files/...   GET lists a directory or reads a file, PUT/POST writes, DELETE removes
//	             (directory FILES_DIR, default /data)
//	/burn?ms=N   burns CPU for N ms (at most 60 s)
//	/alloc?mb=N  allocates and holds N more MiB (until /free)
//	/free        releases what /alloc holds
//	/healthz     "ok"
//
// It listens on :PORT (flag -port, env PORT, default 8080) and exits 0 on
// SIGTERM after draining requests.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	port := flag.String("port", envOr("PORT", "8080"), "port to listen on (env PORT)")
	dir := flag.String("files-dir", envOr("FILES_DIR", "/data"), "directory served under /files (env FILES_DIR)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := run(ctx, ":"+*port, *dir); err != nil {
		log.Fatalf("testserver: %v", err)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func podName() string {
	if n := os.Getenv("POD_NAME"); n != "" {
		return n
	}
	n, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return n
}

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, addr, dir string) error {
	s := newServer(podName(), dir, interfaceIPs)
	srv := &http.Server{Addr: addr, Handler: logRequests(s.routes()), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("testserver: pod %s listening on %s, files in %s", s.pod, addr, dir)
	select {
	case err := <-errc:
		return fmt.Errorf("listen %s: %w", addr, err)
	case <-ctx.Done():
	}
	log.Printf("testserver: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.Printf("%s %s %s", r.RemoteAddr, r.Method, r.URL.RequestURI())
		h.ServeHTTP(w, r)
	})
}
