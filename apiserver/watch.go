package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"time"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
)

// watchEvent is one event before encoding.
type watchEvent struct {
	Type   string
	Object api.Object
}

// translateEvent turns a storage event into the watch event a client with
// sel should see, like Kubernetes: an object that stops matching is sent as
// DELETED, one that starts matching as ADDED. ok is false when the client
// should see nothing.
func translateEvent(info *api.ResourceInfo, ev storage.Event, sel selectors) (watchEvent, bool, error) {
	var cur, prev api.Object
	var err error
	if ev.Type == storage.EventPut {
		if cur, err = decodeStored(info, ev.Value, ev.Revision); err != nil {
			return watchEvent{}, false, err
		}
	}
	if ev.Prev != nil {
		if prev, err = decodeStored(info, ev.Prev, ev.Revision); err != nil {
			return watchEvent{}, false, err
		}
	}
	curMatch := cur != nil && sel.matches(cur)
	prevMatch := prev != nil && sel.matches(prev)
	switch {
	case ev.Type == storage.EventDelete:
		if prevMatch {
			return watchEvent{Type: api.Deleted, Object: prev}, true, nil
		}
	case curMatch && prevMatch:
		return watchEvent{Type: api.Modified, Object: cur}, true, nil
	case curMatch:
		return watchEvent{Type: api.Added, Object: cur}, true, nil
	case prevMatch:
		// The previous object, at the revision of the change, as
		// Kubernetes' cacheWatcher.convertToWatchEvent sends it.
		return watchEvent{Type: api.Deleted, Object: prev}, true, nil
	}
	return watchEvent{}, false, nil
}

// watch streams events as newline-delimited JSON. A goroutine reads the
// storage watch and encodes its events into a bounded queue (watchqueue.go);
// the handler writes them, each write under a deadline. A client that does
// not keep up fills the queue: the storage watch is then cancelled (etcd
// buffers nothing more for it), the queued events are dropped, and the
// stream closes cleanly after the event being written, as Kubernetes'
// cacheWatcher terminates a blocked watcher; the client re-watches from the
// last resourceVersion it saw. A
// client that does not read at all is cut by the write deadline, and the
// watch timeout (timeoutSeconds) bounds every write too.
func (s *Server) watch(w http.ResponseWriter, r *http.Request, rt route) {
	q := r.URL.Query()
	sel, err := parseSelectors(rt.info, q, rt.name)
	if err != nil {
		writeError(w, err)
		return
	}
	fromRev, err := watchFromRevision(q) // watch_rv.go
	if err != nil {
		writeError(w, err)
		return
	}
	timeout := s.opts.MaxWatchTimeout
	if ts := q.Get("timeoutSeconds"); ts != "" {
		n, err := strconv.Atoi(ts)
		if err != nil || n < 0 {
			writeError(w, errBadRequest(fmt.Sprintf("invalid timeoutSeconds %q", ts)))
			return
		}
		if d := time.Duration(n) * time.Second; n > 0 && (timeout <= 0 || d < timeout) {
			timeout = d
		}
	}
	ctx, cancel := context.WithCancel(r.Context())
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(r.Context(), timeout)
	}
	defer cancel()
	s.openWatches.Add(1)
	defer s.openWatches.Add(-1)
	table := wantTable(r)

	// resourceVersion "" or "0": the current state first, as ADDED events.
	var initial []api.Object
	if fromRev == 0 {
		objs, rev, err := s.listObjects(ctx, rt.info, rt.namespace, sel)
		if err != nil {
			writeError(w, mapStoreError(err, rt))
			return
		}
		initial, fromRev = objs, rev
	}
	enc := &eventEncoder{s: s, rt: rt, table: table, r: r}
	initialLines := make([][]byte, 0, len(initial))
	for _, obj := range initial {
		line, err := enc.encode(api.Added, obj)
		if err != nil {
			writeError(w, errInternal(err))
			return
		}
		initialLines = append(initialLines, line)
	}

	queue := newWatchQueue(s.opts.WatchBufferEvents, s.opts.WatchBufferBytes)
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		s.pumpWatch(ctx, rt, sel, fromRev, queueSink{queue, s.opts.WatchBlockTimeout}, enc, queryBool(q.Get("allowWatchBookmarks")))
	}()
	defer func() { cancel(); <-pumped }()

	cw := newClientWriter(ctx, w, s.opts.WatchWriteTimeout)
	defer cw.finish()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache, private")
	w.WriteHeader(http.StatusOK)
	if cw.flush() != nil {
		return
	}
	for i, line := range initialLines {
		initialLines[i] = nil
		if cw.write(line, i == len(initialLines)-1) != nil {
			return
		}
	}
	for {
		line, more, ok := queue.pop(ctx)
		if !ok {
			return
		}
		if cw.write(line, !more) != nil {
			return
		}
	}
}

// queueSink is where pumpWatch puts encoded lines: the watch's queue, with
// the time the writer has to make room before the client is behind.
type queueSink struct {
	q      *watchQueue
	budget time.Duration
}

// pumpWatch reads the storage watch from fromRev, turns its events into
// encoded lines (events, bookmarks, a final ERROR) and queues them, until
// ctx ends, the storage watch ends, or the client falls behind. It closes
// the queue when it returns, and its storage watch with it.
func (s *Server) pumpWatch(ctx context.Context, rt route, sel selectors, fromRev int64, sink queueSink, enc *eventEncoder, bookmarks bool) {
	queue := sink.q
	defer queue.close()
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	events := s.store.Watch(wctx, storagePrefix(rt.info, rt.namespace), fromRev)
	put := func(line []byte) bool {
		if queue.pushWait(ctx, line, sink.budget) {
			return true
		}
		if ctx.Err() == nil {
			lines, bytes := queue.size()
			log.Printf("apiserver: closing a watch of %s: the client is not keeping up (%d events, %d bytes waiting)", storagePrefix(rt.info, rt.namespace), lines, bytes)
			queue.abandon()
		}
		return false
	}
	status := func(se *statusError) {
		if line, err := enc.encodeRaw(api.Error, se.status); err == nil {
			put(line)
		}
	}
	bookmark := func(rev int64) bool {
		line, err := enc.encodeBookmark(rev)
		return err == nil && put(line)
	}

	lastRev := fromRev
	lastBookmark := time.Now()
	ticker := time.NewTicker(s.opts.BookmarkInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			if !bookmarks {
				continue
			}
			// Ask etcd how far this watch has caught up; etcd does not
			// answer while nothing changed since the watch started, so
			// the revision of the last event queued is the fallback
			// (every event up to it goes out before the bookmark).
			_ = s.store.RequestProgress(ctx)
			if time.Since(lastBookmark) >= s.opts.BookmarkInterval {
				lastBookmark = time.Now()
				if !bookmark(lastRev) {
					return
				}
			}
		case ev, ok := <-events:
			if !ok {
				return
			}
			switch ev.Type {
			case storage.EventError:
				if errors.Is(ev.Err, storage.ErrGone) {
					status(errGone(fmt.Sprintf("too old resource version: %d (%d)", fromRev, lastRev)))
				} else if ctx.Err() == nil {
					status(errInternal(ev.Err))
				}
				return
			case storage.EventProgress:
				if ev.Revision <= lastRev {
					continue
				}
				lastRev = ev.Revision
				if bookmarks && time.Since(lastBookmark) >= s.opts.BookmarkInterval/2 {
					lastBookmark = time.Now()
					if !bookmark(lastRev) {
						return
					}
				}
				continue
			}
			lastRev = ev.Revision
			we, ok, err := translateEvent(rt.info, ev, sel)
			if err != nil {
				status(errInternal(err))
				return
			}
			if !ok {
				continue
			}
			line, err := enc.encode(we.Type, we.Object)
			if err != nil {
				status(errInternal(err))
				return
			}
			if !put(line) {
				return
			}
		}
	}
}

// clientWriter writes a stream's lines to the client, each write and
// flush under a deadline: now plus the write timeout, and never past the
// end of the stream's context (the watch timeout), so a client that stops
// reading cannot hold a write, or the watch, open.
type clientWriter struct {
	ctx     context.Context
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func newClientWriter(ctx context.Context, w http.ResponseWriter, timeout time.Duration) *clientWriter {
	return &clientWriter{ctx: ctx, w: w, rc: http.NewResponseController(w), timeout: timeout}
}

func (c *clientWriter) deadline() {
	var d time.Time
	if c.timeout > 0 {
		d = time.Now().Add(c.timeout)
	}
	if end, ok := c.ctx.Deadline(); ok && (d.IsZero() || end.Before(d)) {
		d = end
	}
	_ = c.rc.SetWriteDeadline(d) // ErrNotSupported: a writer without a connection (tests)
}

// write writes line, and flushes it when flush is set (no more lines are
// waiting).
func (c *clientWriter) write(line []byte, flush bool) error {
	c.deadline()
	if _, err := c.w.Write(line); err != nil {
		return err
	}
	if flush {
		return c.flush()
	}
	return nil
}

func (c *clientWriter) flush() error {
	c.deadline()
	if err := c.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// finish gives the end of the response (the last chunk) a short deadline
// of its own: a client that keeps up gets a clean end of stream even when
// the watch ended at its deadline, one that does not read is cut.
func (c *clientWriter) finish() {
	_ = c.rc.SetWriteDeadline(time.Now().Add(min(time.Second, max(c.timeout, time.Millisecond))))
}

// eventEncoder encodes watch events, as Tables when the client asked (the
// first Table carries the column definitions, later ones only rows).
type eventEncoder struct {
	s         *Server
	r         *http.Request
	rt        route
	table     bool
	sentTable bool
}

// encode is one event's line.
func (e *eventEncoder) encode(typ string, obj api.Object) ([]byte, error) {
	if !e.table {
		out, err := e.rt.toServed(obj)
		if err != nil {
			return nil, err
		}
		return e.encodeRaw(typ, out)
	}
	t, err := e.s.buildTable(e.r, e.rt, []api.Object{obj}, obj.GetObjectMeta().ResourceVersion)
	if err != nil {
		return nil, err
	}
	if e.sentTable {
		t.ColumnDefinitions = nil
	}
	e.sentTable = true
	return e.encodeRaw(typ, t)
}

func (e *eventEncoder) encodeRaw(typ string, obj any) ([]byte, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	line, err := json.Marshal(api.WatchEvent{Type: typ, Object: b})
	if err != nil {
		return nil, err
	}
	return append(line, '\n'), nil
}

// encodeBookmark is a BOOKMARK: an empty object of the kind carrying only
// the resourceVersion, as Kubernetes sends it.
func (e *eventEncoder) encodeBookmark(rev int64) ([]byte, error) {
	bm := api.NewFor(e.rt.served())
	bm.GetObjectMeta().ResourceVersion = strconv.FormatInt(rev, 10)
	return e.encodeRaw(api.Bookmark, bm)
}
