package cache

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// target is what a reflector keeps in step with the apiserver.
type target interface {
	// replace takes a complete list (the first one, or a relist).
	replace(objs []api.Object)
	// apply takes one ADDED, MODIFIED or DELETED watch event.
	apply(ev client.Event)
}

// reflector lists, then watches from the list's resourceVersion, feeding a
// target. It reconnects a dropped watch from the last resourceVersion it
// saw (bookmarks included), relists on 410 Gone, and backs off on failures.
type reflector struct {
	lw      ListerWatcher
	target  target
	backoff Backoff
	logf    func(format string, args ...any)

	listed atomic.Bool // the first list has been handed to the target
	lastRV string      // touched only by run's goroutine
}

// errRelist means the watch's resourceVersion is gone: list again.
var errRelist = errors.New("resource version expired, relisting")

// run lists, watches and feeds the target until ctx ends.
func (r *reflector) run(ctx context.Context) {
	var wait time.Duration
	needList := true
	for ctx.Err() == nil {
		if needList {
			if err := r.list(ctx); err != nil {
				if ctx.Err() != nil {
					break
				}
				r.logf("informer: %v", err)
				wait = r.backoff.next(wait)
				if !sleep(ctx, wait) {
					break
				}
				continue
			}
			needList = false
		}
		progressed, err := r.watch(ctx)
		if ctx.Err() != nil {
			break
		}
		if errors.Is(err, errRelist) {
			needList = true
		} else if err != nil {
			r.logf("informer: %v", err)
		}
		if progressed {
			wait = 0
		}
		if err != nil || !progressed {
			wait = r.backoff.next(wait)
			if !sleep(ctx, wait) {
				break
			}
		}
	}
}

// list hands a fresh list to the target.
func (r *reflector) list(ctx context.Context) error {
	objs, rv, err := r.lw.List(ctx, client.ListOptions{})
	if err != nil {
		return fmt.Errorf("list: %w", err)
	}
	r.target.replace(objs)
	r.lastRV = rv
	r.listed.Store(true)
	return nil
}

// watch follows one watch stream from the last resourceVersion. It reports
// whether any event arrived, and errRelist when the version is gone.
func (r *reflector) watch(ctx context.Context) (bool, error) {
	w, err := r.lw.Watch(ctx, client.ListOptions{ResourceVersion: r.lastRV, AllowWatchBookmarks: true})
	if err != nil {
		if client.IsGone(err) {
			return false, errRelist
		}
		return false, fmt.Errorf("watch from resourceVersion %q: %w", r.lastRV, err)
	}
	defer w.Stop()
	progressed := false
	for {
		select {
		case <-ctx.Done():
			return progressed, nil
		case ev, ok := <-w.ResultChan():
			if !ok {
				return progressed, nil
			}
			if ev.Type == api.Error {
				if err := ev.Err(); client.IsGone(err) {
					return progressed, errRelist
				} else {
					return progressed, fmt.Errorf("watch: %w", err)
				}
			}
			progressed = true
			if ev.Object == nil {
				continue
			}
			if rv := ev.Object.GetObjectMeta().ResourceVersion; rv != "" {
				r.lastRV = rv
			}
			if ev.Type != api.Bookmark {
				r.target.apply(ev)
			}
		}
	}
}

// sleep waits d; false if ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
