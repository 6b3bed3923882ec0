package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// stuckWatch opens a watch over a raw TCP connection with a tiny receive
// buffer and never reads it: a client whose TCP window is closed.
func stuckWatch(t *testing.T, baseURL, path string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(baseURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.(*net.TCPConn).SetReadBuffer(4096); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: test\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	return conn
}

// waitOpenWatches waits until the server serves want watches and returns
// how long that took.
func waitOpenWatches(t *testing.T, srv *apiserver.Server, want int64, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for srv.OpenWatches() != want {
		if time.Since(start) > within {
			t.Fatalf("open watches %d after %v, want %d", srv.OpenWatches(), within, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func bigConfigMapPatch(i, size int) string {
	return fmt.Sprintf(`{"data":{"v":%q}}`, strings.Repeat(string(rune('a'+i%26)), size))
}

// TestStuckWatchersAreDropped: watchers that never read cost at most their
// buffer (the reproduction of issue 14: 10 stuck watchers, 100 updates of
// 200 KB grew the apiserver by hundreds of MiB, etcd's client buffering
// every event for every stuck watch); they are closed, while a healthy
// watcher of the same objects gets every event.
func TestStuckWatchersAreDropped(t *testing.T) {
	const bufBytes = 1 << 20
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.WatchBufferBytes = bufBytes
		o.WatchBlockTimeout = 200 * time.Millisecond
		o.WatchWriteTimeout = time.Second
	})
	srv := ts.Server()
	coll := ts.URL + "/api/v1/namespaces/default/configmaps"
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", `{"metadata":{"name":"big"},"data":{"v":"0"}}`)
	list := decodeInto[api.List[api.ConfigMap]](t, mustDo(t, http.StatusOK, "GET", coll, "", ""))
	path := "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=" + list.ResourceVersion

	healthy := startWatch(t, ts.URL+path)
	var stuck []net.Conn
	for range 10 {
		stuck = append(stuck, stuckWatch(t, ts.URL, path))
	}
	waitOpenWatches(t, srv, 11, 10*time.Second)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	const updates, size = 100, 200 << 10
	for i := range updates {
		mustDo(t, http.StatusOK, "PATCH", coll+"/big", "application/merge-patch+json", bigConfigMapPatch(i, size))
	}
	for i := range updates {
		select {
		case ev, ok := <-healthy.events:
			if !ok {
				t.Fatalf("healthy watcher closed after %d events", i)
			}
			if ev.Type != api.Modified {
				t.Fatalf("healthy watcher event %d: %s", i, ev.Type)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("healthy watcher got %d of %d events", i, updates)
		}
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	// Each stuck watcher may hold its buffer and the event being written;
	// the rest is slack for the server's own work.
	limit := int64(10*(bufBytes+2*size) + 40<<20)
	t.Logf("heap %d MiB -> %d MiB (growth %d MiB, limit %d MiB)", before.HeapAlloc>>20, after.HeapAlloc>>20, growth>>20, limit>>20)
	if growth > limit {
		t.Errorf("heap grew %d MiB with 10 stuck watchers, want at most %d MiB", growth>>20, limit>>20)
	}

	// The stuck watches are closed (the write deadline cuts the write
	// they block in); the healthy one stays. (The clients would see the
	// end only once they read what their kernels still hold.)
	waitOpenWatches(t, srv, 1, 15*time.Second)
	// A healthy watcher goes on.
	mustDo(t, http.StatusOK, "PATCH", coll+"/big", "application/merge-patch+json", `{"data":{"v":"small"}}`)
	select {
	case ev := <-healthy.events:
		if ev.Type != api.Modified {
			t.Errorf("healthy watcher after the drops: %s", ev.Type)
		}
	case <-time.After(10 * time.Second):
		t.Error("healthy watcher got nothing after the drops")
	}
}

// TestSlowWatcherClosedCleanly: a client that reads, but slower than
// events come, is closed cleanly once its buffer is full: the stream ends
// (no error) after the event being written, and resuming from the last
// resourceVersion it saw gives the rest, as after any watch end.
func TestSlowWatcherClosedCleanly(t *testing.T) {
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.WatchBufferEvents = 5
		o.WatchBlockTimeout = 100 * time.Millisecond
		o.WatchWriteTimeout = 2 * time.Minute // the full buffer, not the write deadline, must end it
	})
	coll := ts.URL + "/api/v1/namespaces/default/configmaps"
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", `{"metadata":{"name":"c"},"data":{"v":"0"}}`)
	list := decodeInto[api.List[api.ConfigMap]](t, mustDo(t, http.StatusOK, "GET", coll, "", ""))

	// Only a bound on a hung stream: 60 writes of 200 KiB take tens of
	// seconds under the race detector on a loaded machine.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", coll+"?watch=true&resourceVersion="+list.ResourceVersion, nil)
	// A pause before reading, while more events come than the kernels'
	// socket buffers hold: the client falls behind by more than five.
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	const updates = 60
	for i := range updates {
		mustDo(t, http.StatusOK, "PATCH", coll+"/c", "application/merge-patch+json", bigConfigMapPatch(i, 200<<10))
	}
	time.Sleep(500 * time.Millisecond)
	var lastRV string
	got := 0
	dec := json.NewDecoder(resp.Body)
	for {
		var ev api.WatchEvent
		if err := dec.Decode(&ev); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("after %d events the stream ended with %v, want a clean end", got, err)
			}
			break
		}
		if ev.Type != api.Modified {
			t.Fatalf("event %d: %s %s", got, ev.Type, ev.Object)
		}
		var cm api.ConfigMap
		json.Unmarshal(ev.Object, &cm)
		lastRV = cm.ResourceVersion
		got++
	}
	if got == 0 || got >= updates {
		t.Fatalf("the slow watcher got %d of %d events before the end, want some but not all", got, updates)
	}
	// Resuming from the last resourceVersion seen delivers the rest.
	w := startWatch(t, coll+"?watch=true&resourceVersion="+lastRV)
	for i := got; i < updates; i++ {
		select {
		case ev := <-w.events:
			if ev.Type != api.Modified {
				t.Fatalf("resumed watch: %s", ev.Type)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("resumed watch: %d of the %d missing events", i-got, updates-got)
		}
	}
}

// TestWatchTimeoutWithoutReading: timeoutSeconds closes a watch on time
// even when the client never reads (the write it blocks in is cut at the
// watch's deadline); before, the watch stayed open past 25 s.
func TestWatchTimeoutWithoutReading(t *testing.T) {
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.WatchWriteTimeout = time.Minute // the watch timeout, not the write timeout, must end it
		o.WatchBufferBytes = 64 << 20
	})
	srv := ts.Server()
	coll := ts.URL + "/api/v1/namespaces/default/configmaps"
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", `{"metadata":{"name":"t"},"data":{"v":"0"}}`)
	start := time.Now()
	stuckWatch(t, ts.URL, "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=2")
	waitOpenWatches(t, srv, 1, 10*time.Second)
	// Keep events coming so the server is blocked writing.
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if code, _ := do(t, "PATCH", coll+"/t", "application/merge-patch+json", bigConfigMapPatch(i, 100<<10)); code != http.StatusOK {
				return
			}
		}
	}()
	defer func() { close(stop); <-done }()
	waitOpenWatches(t, srv, 0, 10*time.Second)
	if d := time.Since(start); d < 2*time.Second || d > 4*time.Second {
		t.Errorf("watch with timeoutSeconds=2 closed after %v, want about 2s", d)
	}
}

// TestWatchTimeoutCleanEnd: a client that keeps up sees a watch that
// reaches timeoutSeconds end cleanly (a complete chunked response).
func TestWatchTimeoutCleanEnd(t *testing.T) {
	ts := testserver.Start(t)
	start := time.Now()
	resp, err := client.Get(ts.URL + "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(bufio.NewReader(resp.Body)); err != nil {
		t.Fatalf("watch end: %v, want a clean end", err)
	}
	if d := time.Since(start); d < time.Second || d > 3*time.Second {
		t.Errorf("watch with timeoutSeconds=1 ended after %v", d)
	}
}
