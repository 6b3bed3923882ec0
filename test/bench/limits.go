package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"sort"
	"strings"
	"time"

	"minik8s/apiserver"
)

// limitsRun measures what slow and stuck clients cost the apiserver
// (issue 14): its memory with 100 idle watchers and with 10 watchers that
// never read while 100 updates of 200 KiB go by (bounded by their buffer
// cap), and other clients' request latency while 50 slow clients hold
// connections, against the same run's baseline.
//
// Memory is the Go heap of this process, in which the apiserver runs (the
// bench is in-process): HeapAlloc after a GC, as a difference from just
// before. The watchers and slow clients are raw sockets of this process,
// so they add no Go heap of their own; what they cost in the kernel's
// socket buffers is not counted.
func limitsRun(ctx context.Context, srv *apiserver.Server, hc *http.Client, base string) error {
	ns := "limits"
	if err := post(hc, base+"/api/v1/namespaces", []byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+ns+`"}}`)); err != nil {
		return err
	}
	cms := base + "/api/v1/namespaces/" + ns + "/configmaps"
	if err := post(hc, cms, []byte(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"big"},"data":{"v":"0"}}`)); err != nil {
		return err
	}
	addr := strings.TrimPrefix(base, "http://")
	watchPath := "/api/v1/namespaces/" + ns + "/configmaps?watch=true"
	open0 := srv.OpenWatches()

	// 100 idle watchers.
	before := heapMiB()
	idle, err := rawWatches(addr, watchPath, 100, 0)
	if err != nil {
		return err
	}
	if err := waitWatches(srv, open0+100); err != nil {
		closeAll(idle)
		return err
	}
	after := heapMiB()
	fmt.Printf("apiserver_heap_growth_mib{idle_watchers=100} %.1f (%.1f KiB each; in-process Go heap)\n", after-before, (after-before)*1024/100)
	closeAll(idle)
	if err := waitWatches(srv, open0); err != nil {
		return err
	}

	// 10 stuck watchers (a tiny receive buffer, never read) while 100
	// updates of 200 KiB go by.
	const stuckN, updates, size = 10, 100, 200 << 10
	opts := apiserver.DefaultOptions()
	capMiB := float64(opts.WatchBufferBytes) / (1 << 20)
	before = heapMiB()
	stuck, err := rawWatches(addr, watchPath, stuckN, 4096)
	if err != nil {
		return err
	}
	defer closeAll(stuck)
	if err := waitWatches(srv, open0+stuckN); err != nil {
		return err
	}
	start := time.Now()
	for i := range updates {
		patch := fmt.Sprintf(`{"data":{"v":%q}}`, strings.Repeat(string(rune('a'+i%26)), size))
		req, _ := http.NewRequestWithContext(ctx, http.MethodPatch, cms+"/big", strings.NewReader(patch))
		req.Header.Set("Content-Type", "application/merge-patch+json")
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("PATCH big: %s", resp.Status)
		}
	}
	after = heapMiB()
	// Each stuck watcher may hold its buffer and the event being written.
	bound := stuckN * (capMiB + 2*float64(size)/(1<<20))
	fmt.Printf("apiserver_heap_growth_mib{stuck_watchers=%d,updates=%d,size_kib=%d} %.1f (target <= %.0f: %d x (buffer cap %.0f MiB + one event))\n",
		stuckN, updates, size>>10, after-before, bound, stuckN, capMiB)
	if err := waitWatches(srv, open0); err != nil {
		return fmt.Errorf("stuck watchers not dropped: %w", err)
	}
	fmt.Printf("apiserver_stuck_watchers_closed_sec %.1f (since the first update; block %v + write timeout %v)\n",
		time.Since(start).Seconds(), opts.WatchBlockTimeout, opts.WatchWriteTimeout)
	// What stays is the embedded etcd's (its raft log holds the writes).
	fmt.Printf("apiserver_heap_growth_mib{stuck_watchers=%d,closed} %.1f (the embedded etcd's own: its raft log holds the %d MiB written)\n",
		stuckN, heapMiB()-before, updates*size>>20)
	closeAll(stuck)

	return slowClientLatency(ctx, hc, base, addr, ns)
}

// slowClientLatency measures GET latency, in alternating rounds without
// and with 50 slow clients (each trickling a POST body, a byte every
// 100 ms, holding its connection and a mutating in-flight slot).
func slowClientLatency(ctx context.Context, hc *http.Client, base, addr, ns string) error {
	const slowN, perRound, rounds = 50, 500, 2
	url := base + "/api/v1/namespaces/" + ns + "/configmaps/big"
	var plain, loaded []time.Duration
	for r := 0; r < rounds; r++ {
		lat, err := getLatencies(ctx, hc, url, perRound)
		if err != nil {
			return err
		}
		plain = append(plain, lat...)
		stop := make(chan struct{})
		done, err := slowPosts(addr, "/api/v1/namespaces/"+ns+"/configmaps", slowN, stop)
		if err != nil {
			return err
		}
		time.Sleep(200 * time.Millisecond)
		lat, err = getLatencies(ctx, hc, url, perRound)
		close(stop)
		<-done
		if err != nil {
			return err
		}
		loaded = append(loaded, lat...)
	}
	p := func(l []time.Duration, q float64) time.Duration {
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		return l[int(q*float64(len(l)-1))]
	}
	b50, b99, l50, l99 := p(plain, 0.5), p(plain, 0.99), p(loaded, 0.5), p(loaded, 0.99)
	fmt.Printf("apiserver_get_latency_ms{slow_clients=0,quantile=0.5} %.2f\n", ms(b50))
	fmt.Printf("apiserver_get_latency_ms{slow_clients=0,quantile=0.99} %.2f (%d samples)\n", ms(b99), len(plain))
	fmt.Printf("apiserver_get_latency_ms{slow_clients=%d,quantile=0.5} %.2f\n", slowN, ms(l50))
	fmt.Printf("apiserver_get_latency_ms{slow_clients=%d,quantile=0.99} %.2f (%d samples)\n", slowN, ms(l99), len(loaded))
	fmt.Printf("apiserver_get_p99_ratio{slow_clients=%d} %.2f (target <= 1.20)\n", slowN, float64(l99)/float64(b99))
	return nil
}

func getLatencies(ctx context.Context, hc *http.Client, url string, n int) ([]time.Duration, error) {
	lat := make([]time.Duration, 0, n)
	for range n {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		start := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		_, err = bufio.NewReader(resp.Body).WriteTo(discard{})
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s %v", url, resp.Status, err)
		}
		lat = append(lat, time.Since(start))
	}
	return lat, nil
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// slowPosts opens n connections that send a POST's headers and then its
// body a byte every 100 ms until stop; done closes when they are closed.
func slowPosts(addr, path string, n int, stop <-chan struct{}) (<-chan struct{}, error) {
	var conns []net.Conn
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			closeAll(conns)
			return nil, err
		}
		fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n", path)
		conns = append(conns, c)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer closeAll(conns)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				for _, c := range conns {
					c.Write([]byte(" "))
				}
			}
		}
	}()
	return done, nil
}

// rawWatches opens n watches over raw TCP connections that are never read
// (rcvbuf > 0 shrinks their receive buffer).
func rawWatches(addr, path string, n, rcvbuf int) ([]net.Conn, error) {
	var conns []net.Conn
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			closeAll(conns)
			return nil, err
		}
		if rcvbuf > 0 {
			c.(*net.TCPConn).SetReadBuffer(rcvbuf)
		}
		if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: bench\r\n\r\n", path); err != nil {
			closeAll(conns)
			return nil, err
		}
		conns = append(conns, c)
	}
	return conns, nil
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		c.Close()
	}
}

// waitWatches waits until the server serves want watches (30 s at most).
func waitWatches(srv *apiserver.Server, want int64) error {
	for start := time.Now(); srv.OpenWatches() != want; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			return fmt.Errorf("open watches %d after 30s, want %d", srv.OpenWatches(), want)
		}
	}
	return nil
}

// heapMiB is the Go heap in use after a GC, in MiB.
func heapMiB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}
