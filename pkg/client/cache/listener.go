package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"minik8s/pkg/api"
)

// notification is one call of a handler, or (synced) the mark that the
// handler has been given the whole store.
type notification struct {
	typ      string // api.Added, api.Modified, api.Deleted
	old, new api.Object
	synced   bool
}

// listener runs one handler of a shared informer on its own goroutine,
// behind an unbounded FIFO: the informer only appends, so a slow or stuck
// handler never blocks the watch or the other handlers (client-go's
// processorListener).
type listener struct {
	h      Handler
	resync time.Duration // 0: never
	// nextResync is when the handler is next due a resync; guarded by the
	// informer's lock.
	nextResync time.Time

	mu      sync.Mutex
	pending []notification // FIFO; pending[head:] are waiting
	head    int
	wake    chan struct{} // 1-buffered: something was appended
	synced  atomic.Bool   // the initial store has been handed to h
	started atomic.Bool
}

func newListener(h Handler, resync time.Duration, now time.Time) *listener {
	l := &listener{h: h, resync: resync, wake: make(chan struct{}, 1)}
	if resync > 0 {
		l.nextResync = now.Add(resync)
	}
	return l
}

// add queues n; it never blocks.
func (l *listener) add(n notification) {
	l.mu.Lock()
	l.pending = append(l.pending, n)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// pop takes the oldest notification, if any.
func (l *listener) pop() (notification, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.head == len(l.pending) {
		return notification{}, false
	}
	n := l.pending[l.head]
	l.pending[l.head] = notification{} // let the objects go
	l.head++
	if l.head == len(l.pending) { // drained: reuse the array from its start
		l.pending, l.head = l.pending[:0], 0
	} else if l.head > 1024 && l.head*2 > len(l.pending) { // compact
		l.pending = append(l.pending[:0:0], l.pending[l.head:]...)
		l.head = 0
	}
	return n, true
}

// len is the number of notifications waiting.
func (l *listener) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.pending) - l.head
}

// run calls the handler for each notification until ctx ends.
func (l *listener) run(ctx context.Context) {
	for {
		n, ok := l.pop()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-l.wake:
				continue
			}
		}
		if ctx.Err() != nil {
			return
		}
		switch {
		case n.synced:
			l.synced.Store(true)
		case n.typ == api.Added:
			l.h.OnAdd(n.new)
		case n.typ == api.Modified:
			l.h.OnUpdate(n.old, n.new)
		case n.typ == api.Deleted:
			l.h.OnDelete(n.old)
		}
	}
}

// Registration is a handler added to a shared informer.
type Registration struct{ l *listener }

// HasSynced reports whether the handler has been called for every object
// of the informer's first list (or, for a handler added later, of the store
// at the time it was added).
func (r *Registration) HasSynced() bool { return r.l.synced.Load() }
