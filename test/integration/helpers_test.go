package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/api"
)

var client = &http.Client{Timeout: 20 * time.Second}

// do sends a request and returns the status code and body.
func do(t *testing.T, method, url, contentType, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// mustDo is do that checks the status code.
func mustDo(t *testing.T, want int, method, url, contentType, body string) []byte {
	t.Helper()
	code, b := do(t, method, url, contentType, body)
	if code != want {
		t.Fatalf("%s %s: got %d, want %d: %s", method, url, code, want, b)
	}
	return b
}

func decodeInto[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

func status(t *testing.T, b []byte) api.Status {
	t.Helper()
	st := decodeInto[api.Status](t, b)
	if st.Kind != "Status" || st.APIVersion != "v1" {
		t.Fatalf("not a Status: %s", b)
	}
	return st
}

func podJSON(name string, lbls map[string]string) string {
	p := map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "labels": lbls},
		"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "busybox"}}},
	}
	b, _ := json.Marshal(p)
	return string(b)
}

// watcher reads a watch stream event by event.
type watcher struct {
	t      *testing.T
	cancel context.CancelFunc
	resp   *http.Response
	events chan api.WatchEvent
}

func startWatch(t *testing.T, url string) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{}).Do(req)
	if err != nil {
		cancel()
		t.Fatalf("watch %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("watch %s: %d %s", url, resp.StatusCode, b)
	}
	w := &watcher{t: t, cancel: cancel, resp: resp, events: make(chan api.WatchEvent, 100)}
	go func() {
		defer close(w.events)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() {
			var ev api.WatchEvent
			if err := json.Unmarshal(bytes.TrimSpace(sc.Bytes()), &ev); err != nil {
				return
			}
			w.events <- ev
		}
	}()
	t.Cleanup(w.stop)
	return w
}

func (w *watcher) stop() {
	w.cancel()
	w.resp.Body.Close()
}

// next returns the next event other than a BOOKMARK (unless wantBookmarks).
func (w *watcher) next(wantBookmarks bool) (api.WatchEvent, bool) {
	w.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-w.events:
			if !ok {
				return api.WatchEvent{}, false
			}
			if ev.Type == api.Bookmark && !wantBookmarks {
				continue
			}
			return ev, true
		case <-timeout:
			w.t.Fatalf("no watch event within 10s")
		}
	}
}

// expect reads the next event and checks its type and object name.
func (w *watcher) expect(typ, name string) api.Pod {
	w.t.Helper()
	ev, ok := w.next(false)
	if !ok {
		w.t.Fatalf("watch closed, want %s %s", typ, name)
	}
	var p api.Pod
	if err := json.Unmarshal(ev.Object, &p); err != nil {
		w.t.Fatal(err)
	}
	if ev.Type != typ || p.Name != name {
		w.t.Fatalf("got %s %s, want %s %s (%s)", ev.Type, p.Name, typ, name, ev.Object)
	}
	return p
}

// expectQuiet checks that no non-bookmark event arrives for d.
func (w *watcher) expectQuiet(d time.Duration) {
	w.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-w.events:
			if !ok {
				return
			}
			if ev.Type != api.Bookmark {
				w.t.Fatalf("unexpected event %s %s", ev.Type, ev.Object)
			}
		case <-timeout:
			return
		}
	}
}
