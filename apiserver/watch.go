package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// watch streams events as newline-delimited JSON.
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
	bookmarks := queryBool(q.Get("allowWatchBookmarks"))
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
	events := s.store.Watch(ctx, storagePrefix(rt.info, rt.namespace), fromRev)

	flusher, _ := w.(http.Flusher)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache, private")
	w.WriteHeader(http.StatusOK)
	enc := &eventEncoder{s: s, w: w, flusher: flusher, rt: rt, table: table, r: r}
	if flusher != nil {
		flusher.Flush()
	}
	for _, obj := range initial {
		if err := enc.send(api.Added, obj); err != nil {
			return
		}
	}
	enc.flush()

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
			// the revision of the last event sent is the fallback (every
			// event up to it has been delivered).
			_ = s.store.RequestProgress(ctx)
			if time.Since(lastBookmark) >= s.opts.BookmarkInterval {
				lastBookmark = time.Now()
				if err := enc.sendBookmark(lastRev); err != nil {
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
					enc.sendStatus(errGone(fmt.Sprintf("too old resource version: %d (%d)", fromRev, lastRev)))
				} else if ctx.Err() == nil {
					enc.sendStatus(errInternal(ev.Err))
				}
				return
			case storage.EventProgress:
				if ev.Revision <= lastRev {
					continue
				}
				lastRev = ev.Revision
				if bookmarks && time.Since(lastBookmark) >= s.opts.BookmarkInterval/2 {
					lastBookmark = time.Now()
					if err := enc.sendBookmark(lastRev); err != nil {
						return
					}
				}
				continue
			}
			lastRev = ev.Revision
			we, ok, err := translateEvent(rt.info, ev, sel)
			if err != nil {
				enc.sendStatus(errInternal(err))
				return
			}
			if !ok {
				continue
			}
			if err := enc.send(we.Type, we.Object); err != nil {
				return
			}
			enc.flush()
		}
	}
}

// eventEncoder writes watch events, as Tables when the client asked.
type eventEncoder struct {
	s         *Server
	r         *http.Request
	w         http.ResponseWriter
	flusher   http.Flusher
	rt        route
	table     bool
	sentTable bool
}

func (e *eventEncoder) send(typ string, obj api.Object) error {
	if !e.table {
		out, err := e.rt.toServed(obj)
		if err != nil {
			return err
		}
		return e.sendRaw(typ, out)
	}
	t, err := e.s.buildTable(e.r, e.rt, []api.Object{obj}, obj.GetObjectMeta().ResourceVersion)
	if err != nil {
		return err
	}
	if e.sentTable {
		t.ColumnDefinitions = nil
	}
	e.sentTable = true
	return e.sendRaw(typ, t)
}

func (e *eventEncoder) sendRaw(typ string, obj any) error {
	b, err := json.Marshal(obj)
	if err != nil {
		return err
	}
	line, err := json.Marshal(api.WatchEvent{Type: typ, Object: b})
	if err != nil {
		return err
	}
	if _, err := e.w.Write(append(line, '\n')); err != nil {
		return err
	}
	if typ == api.Bookmark {
		e.flush()
	}
	return nil
}

// sendBookmark sends a BOOKMARK: an empty object of the kind carrying
// only the resourceVersion, as Kubernetes does.
func (e *eventEncoder) sendBookmark(rev int64) error {
	bm := api.NewFor(e.rt.served())
	bm.GetObjectMeta().ResourceVersion = strconv.FormatInt(rev, 10)
	return e.sendRaw(api.Bookmark, bm)
}

func (e *eventEncoder) sendStatus(se *statusError) {
	_ = e.sendRaw(api.Error, se.status)
	e.flush()
}

func (e *eventEncoder) flush() {
	if e.flusher != nil {
		e.flusher.Flush()
	}
}
