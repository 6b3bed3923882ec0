// Package testserver starts a real minik8s apiserver with a real embedded
// etcd in a temporary directory, on 127.0.0.1 with free ports, for tests of
// the apiserver and of its clients (client library, kubectl, controllers).
//
//	ts := testserver.Start(t)       // stopped automatically by t.Cleanup
//	resp, _ := http.Get(ts.URL + "/api/v1/namespaces/default/pods")
//	ts.Restart(t)                   // same data dir, same URL
//
// Plain HTTP with no authentication is the default (every request is
// system:unsecured). StartTLS serves HTTPS with a fresh cluster PKI
// (ts.PKI) as the lab does:
//
//	ts := testserver.StartTLS(t, nil)
//	c, _ := client.New(ts.PKI.ClientConfig(t, "alice", "devs"))
//	kubeconfig := ts.PKI.Kubeconfig(t, "alice", "devs") // for the real kubectl
package testserver

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"minik8s/apiserver"
)

// TestServer is a running apiserver.
type TestServer struct {
	URL     string // http://127.0.0.1:PORT, the same across restarts
	DataDir string // embedded etcd data, kept across restarts
	Options apiserver.Options
	// PKI is the cluster PKI of a StartTLS server (nil for plain HTTP).
	PKI *PKI

	mu     sync.Mutex
	server *apiserver.Server
	cancel context.CancelFunc
	done   chan error
}

// Start starts a server with test defaults (no fsync, no auto compaction,
// one-second bookmarks) and stops it when the test ends.
func Start(t testing.TB) *TestServer {
	return StartWithOptions(t, nil)
}

// StartWithOptions is Start with a hook that may change the options (the
// data dir and port are chosen before the hook runs).
func StartWithOptions(t testing.TB, configure func(*apiserver.Options)) *TestServer {
	t.Helper()
	opts := apiserver.DefaultOptions()
	opts.BindAddress = "127.0.0.1"
	opts.Port = 0
	opts.DataDir = t.TempDir()
	opts.UnsafeNoFsync = true
	opts.EtcdLogLevel = "fatal" // etcd logs errors on every shutdown; tests check behaviour over HTTP
	opts.CompactionInterval = 0
	opts.BookmarkInterval = time.Second
	opts.RequestTimeout = 30 * time.Second
	// No metrics scraping unless a test asks (MetricsResolution, and a
	// MetricsFetcher or loopback kubelets): tests' nodes may carry lab
	// addresses that must not be dialed from here.
	opts.MetricsResolution = 0
	opts.InsecureServing = true
	if configure != nil {
		configure(&opts)
	}
	return startWith(t, opts, nil)
}

func startWith(t testing.TB, opts apiserver.Options, p *PKI) *TestServer {
	t.Helper()
	ts := &TestServer{DataDir: opts.DataDir, Options: opts, PKI: p}
	if err := ts.start(); err != nil {
		t.Fatalf("starting apiserver: %v", err)
	}
	t.Cleanup(ts.Stop)
	return ts
}

func (ts *TestServer) start() error {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	srv, err := apiserver.NewServer(ts.Options)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-done:
		cancel()
		return fmt.Errorf("apiserver exited: %w", err)
	case <-time.After(60 * time.Second):
		cancel()
		<-done
		return fmt.Errorf("apiserver not ready after 60s")
	}
	ts.server, ts.cancel, ts.done = srv, cancel, done
	_, port, _ := net.SplitHostPort(srv.Addr())
	ts.URL = srv.URL()
	if ts.PKI != nil {
		ts.PKI.Server = ts.URL
	}
	if p, err := strconv.Atoi(port); err == nil {
		ts.Options.Port = p // a restart comes back on the same URL
	}
	return nil
}

// Server is the running server (valid until Stop).
func (ts *TestServer) Server() *apiserver.Server {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.server
}

// Stop stops the server and its etcd; safe to call twice.
func (ts *TestServer) Stop() {
	ts.mu.Lock()
	cancel, done := ts.cancel, ts.done
	ts.cancel, ts.done, ts.server = nil, nil, nil
	ts.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// Restart stops the server and starts it again on the same data dir and URL.
func (ts *TestServer) Restart(t testing.TB) {
	t.Helper()
	ts.Stop()
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if err = ts.start(); err == nil {
			return
		}
		time.Sleep(250 * time.Millisecond) // the port may linger briefly
	}
	t.Fatalf("restarting apiserver: %v", err)
}

// Compact discards etcd history before rev (to provoke 410 Gone).
func (ts *TestServer) Compact(ctx context.Context, rev int64) error {
	srv := ts.Server()
	if srv == nil {
		return fmt.Errorf("server stopped")
	}
	return srv.Compact(ctx, rev)
}

// Revision is etcd's current revision.
func (ts *TestServer) Revision(ctx context.Context) (int64, error) {
	srv := ts.Server()
	if srv == nil {
		return 0, fmt.Errorf("server stopped")
	}
	return srv.Store().Revision(ctx)
}
