package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"minik8s/pkg/api"
)

// Event is one decoded event of a watch stream. For ERROR events Object is
// nil and Status holds the server's Status (code 410 when the requested
// resourceVersion was compacted). For BOOKMARK events Object carries only
// metadata.resourceVersion.
type Event struct {
	Type   string
	Object api.Object
	Status *api.Status
}

// Err is the error an ERROR event carries (nil for other events).
func (e Event) Err() error {
	if e.Type != api.Error {
		return nil
	}
	if e.Status == nil {
		return &StatusError{Status: api.Status{Status: "Failure", Message: "watch error", Code: http.StatusInternalServerError}}
	}
	return &StatusError{Status: *e.Status}
}

// Watcher is an open watch stream. The channel closes when the stream ends
// (server timeout, connection drop, Stop or the context's end).
type Watcher interface {
	ResultChan() <-chan Event
	Stop()
}

// RawWatcher is an open watch stream of undecoded events.
type RawWatcher interface {
	ResultChan() <-chan api.WatchEvent
	Stop()
}

// Watch opens a watch of info's objects in ns ("" = all namespaces) from
// opts.ResourceVersion. A compacted resourceVersion fails with an error for
// which IsGone is true, or yields an ERROR event with code 410.
func (c *Client) Watch(ctx context.Context, info *api.ResourceInfo, ns string, opts ListOptions) (Watcher, error) {
	q := opts.query()
	q.Set("watch", "true")
	raw, err := c.watch(ctx, info.Path(ns, ""), q, nil)
	if err != nil {
		return nil, err
	}
	w := &decodedWatcher{raw: raw, ch: make(chan Event)}
	go w.run(info)
	return w, nil
}

// WatchRaw opens a watch at path (which may carry a query; watch=true is
// added) with extra request headers, e.g. Accept: TableAccept.
func (c *Client) WatchRaw(ctx context.Context, path string, headers map[string]string) (RawWatcher, error) {
	q := url.Values{}
	if p, rawq, ok := strings.Cut(path, "?"); ok {
		path = p
		var err error
		if q, err = url.ParseQuery(rawq); err != nil {
			return nil, fmt.Errorf("invalid query %q: %w", rawq, err)
		}
	}
	q.Set("watch", "true")
	return c.watch(ctx, path, q, headers)
}

func (c *Client) watch(ctx context.Context, path string, q url.Values, headers map[string]string) (*streamWatcher, error) {
	reqCtx, cancel := context.WithCancel(ctx)
	req, err := c.newRequest(reqCtx, http.MethodGet, path, q, nil, headers)
	if err != nil {
		cancel()
		return nil, err
	}
	resp, err := c.stream.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		return nil, NewStatusError(resp.StatusCode, data)
	}
	w := &streamWatcher{body: resp.Body, caller: ctx.Done(), cancel: cancel,
		stopped: make(chan struct{}), ch: make(chan api.WatchEvent)}
	go w.run()
	return w, nil
}

// streamWatcher reads newline-delimited JSON watch events from a response.
//
// The end of the stream (EOF, a broken connection) and a stop (Stop, or the
// caller's context ending) are different things: after the end, every event
// already decoded is still delivered before the channel closes, so a final
// ERROR 410 is never lost; only a stop drops what is undelivered.
type streamWatcher struct {
	body    io.ReadCloser
	caller  <-chan struct{} // the caller's context
	cancel  context.CancelFunc
	stopped chan struct{} // closed by Stop
	ch      chan api.WatchEvent

	stopOnce, releaseOnce sync.Once
}

func (w *streamWatcher) ResultChan() <-chan api.WatchEvent { return w.ch }

// Stop ends the watch; undelivered events are dropped.
func (w *streamWatcher) Stop() {
	w.stopOnce.Do(func() { close(w.stopped) })
	w.release()
}

// release frees the request (idempotent).
func (w *streamWatcher) release() {
	w.releaseOnce.Do(func() {
		w.cancel()
		w.body.Close()
	})
}

// send delivers ev unless the watch is stopped; it reports whether it did.
func (w *streamWatcher) send(ev api.WatchEvent) bool {
	select {
	case w.ch <- ev:
		return true
	case <-w.stopped:
	case <-w.caller:
	}
	return false
}

// run forwards events until the stream ends; a broken or undecodable stream
// ends like a closed one, and callers reconnect.
func (w *streamWatcher) run() {
	defer close(w.ch)
	defer w.release()
	dec := json.NewDecoder(w.body)
	for {
		var ev api.WatchEvent
		if err := dec.Decode(&ev); err != nil {
			return
		}
		if !w.send(ev) {
			return
		}
	}
}

// decodedWatcher turns raw events into typed objects of one resource.
type decodedWatcher struct {
	raw *streamWatcher
	ch  chan Event
}

func (w *decodedWatcher) ResultChan() <-chan Event { return w.ch }
func (w *decodedWatcher) Stop()                    { w.raw.Stop() }

func (w *decodedWatcher) run(info *api.ResourceInfo) {
	defer close(w.ch)
	for ev := range w.raw.ch {
		out := Event{Type: ev.Type}
		if ev.Type == api.Error {
			var st api.Status
			if err := json.Unmarshal(ev.Object, &st); err != nil {
				st = api.Status{Status: "Failure", Message: fmt.Sprintf("undecodable watch error: %v", err), Code: http.StatusInternalServerError}
			}
			out.Status = &st
		} else {
			obj, err := decodeObject(info, ev.Object)
			if err != nil {
				out = Event{Type: api.Error, Status: &api.Status{Status: "Failure", Message: err.Error(), Code: http.StatusInternalServerError}}
			} else {
				out.Object = obj
			}
		}
		select {
		case w.ch <- out:
		case <-w.raw.stopped:
			return
		case <-w.raw.caller:
			return
		}
	}
}
