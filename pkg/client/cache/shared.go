package cache

import (
	"context"
	"log"
	"sync"
	"sync/atomic"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// SharedInformer is one list+watch of a resource shared by any number of
// handlers (client-go's sharedIndexInformer). Each handler runs on its own
// goroutine behind its own unbounded queue, so a slow handler never stalls
// the watch or the other handlers. One lock covers the store's changes, the
// queuing of their notifications and the replay to a handler added late,
// so every handler sees every object exactly once, in order.
type SharedInformer struct {
	lw            ListerWatcher
	store         *Store
	defaultResync time.Duration

	// Backoff is the wait between failures; set it before Run.
	Backoff Backoff
	// Logf reports list/watch failures; nil means the standard logger.
	Logf func(format string, args ...any)
	// now is the clock of resyncs (tests set it).
	now func() time.Time

	mu        sync.Mutex // store changes + listeners + replay
	listeners []*listener
	runCtx    context.Context // set by Run: listeners added later start at once
	wg        sync.WaitGroup  // listener goroutines
	kick      chan struct{}   // a handler with a resync period was added
	synced    atomic.Bool
	started   atomic.Bool
}

// NewSharedInformer returns a shared informer over lw; defaultResync is
// the resync period of handlers added with AddEventHandler (0: none).
func NewSharedInformer(lw ListerWatcher, defaultResync time.Duration) *SharedInformer {
	return &SharedInformer{
		lw: lw, store: NewStore(), defaultResync: defaultResync,
		Backoff: Backoff{Min: 200 * time.Millisecond, Max: 30 * time.Second},
		now:     time.Now,
		kick:    make(chan struct{}, 1),
	}
}

// Store is the informer's cache (the lister: Get, GetByName, List, Select
// by namespace and label selector, ByIndex).
func (s *SharedInformer) Store() *Store { return s.store }

// AddIndexers adds indexes to the store.
func (s *SharedInformer) AddIndexers(ix Indexers) error { return s.store.AddIndexers(ix) }

// HasSynced reports whether the first list is in the store.
func (s *SharedInformer) HasSynced() bool { return s.synced.Load() }

// AddEventHandler adds h with the informer's default resync period.
func (s *SharedInformer) AddEventHandler(h Handler) *Registration {
	return s.AddEventHandlerWithResyncPeriod(h, s.defaultResync)
}

// AddEventHandlerWithResyncPeriod adds h, which is given every cached
// object as an update to itself each resync period (0: never). A handler
// added after the first list first gets an add for every cached object.
func (s *SharedInformer) AddEventHandlerWithResyncPeriod(h Handler, resync time.Duration) *Registration {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := newListener(h, resync, s.now())
	s.listeners = append(s.listeners, l)
	if s.synced.Load() {
		for _, o := range s.store.List() {
			l.add(notification{typ: api.Added, new: o})
		}
		l.add(notification{synced: true})
	}
	if s.runCtx != nil {
		s.startListener(s.runCtx, l)
	}
	if resync > 0 {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return &Registration{l: l}
}

// startListener runs l until ctx ends. The caller holds s.mu.
func (s *SharedInformer) startListener(ctx context.Context, l *listener) {
	if l.started.Swap(true) {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		l.run(ctx)
	}()
}

func (s *SharedInformer) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// Run lists, watches and notifies until ctx ends, then waits for the
// handlers' goroutines; it returns nil. Running an informer twice is a
// no-op.
func (s *SharedInformer) Run(ctx context.Context) error {
	if s.started.Swap(true) {
		return nil
	}
	s.mu.Lock()
	s.runCtx = ctx
	for _, l := range s.listeners {
		s.startListener(ctx, l)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.resyncLoop(ctx)
	}()
	r := &reflector{lw: s.lw, target: (*sharedTarget)(s), backoff: s.Backoff, logf: s.logf}
	r.run(ctx)
	wg.Wait()
	s.wg.Wait()
	return nil
}

// distribute queues n for every handler. The caller holds s.mu.
func (s *SharedInformer) distribute(n notification) {
	for _, l := range s.listeners {
		l.add(n)
	}
}

// sharedTarget is the SharedInformer as its reflector's target.
type sharedTarget SharedInformer

var _ target = (*sharedTarget)(nil)

func (t *sharedTarget) replace(objs []api.Object) {
	s := (*SharedInformer)(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.store.replace(objs) {
		s.distribute(notification{typ: d.Type, old: d.Old, new: d.New})
	}
	if !s.synced.Load() {
		s.distribute(notification{synced: true})
		s.synced.Store(true)
	}
}

func (t *sharedTarget) apply(ev client.Event) {
	s := (*SharedInformer)(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch ev.Type {
	case api.Added, api.Modified:
		if old, ok := s.store.put(ev.Object); ok {
			s.distribute(notification{typ: api.Modified, old: old, new: ev.Object})
		} else {
			s.distribute(notification{typ: api.Added, new: ev.Object})
		}
	case api.Deleted:
		// The object of a DELETED event is its last state.
		s.store.remove(ev.Object)
		s.distribute(notification{typ: api.Deleted, old: ev.Object})
	}
}

// resyncLoop gives each handler with a resync period the cached objects as
// updates to themselves when it is due.
func (s *SharedInformer) resyncLoop(ctx context.Context) {
	for {
		wait := s.resyncDue()
		var t *time.Timer
		var timerC <-chan time.Time
		if wait >= 0 {
			t = time.NewTimer(wait)
			timerC = t.C
		}
		select {
		case <-ctx.Done():
		case <-s.kick:
		case <-timerC:
		}
		if t != nil {
			t.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// resyncDue resyncs the handlers that are due and returns the wait until
// the next one is (-1: none has a resync period).
func (s *SharedInformer) resyncDue() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	next := time.Duration(-1)
	var objs []api.Object
	for _, l := range s.listeners {
		if l.resync <= 0 {
			continue
		}
		if !now.Before(l.nextResync) {
			if s.synced.Load() {
				if objs == nil {
					objs = s.store.List()
				}
				for _, o := range objs {
					l.add(notification{typ: api.Modified, old: o, new: o})
				}
			}
			l.nextResync = now.Add(l.resync)
		}
		if d := l.nextResync.Sub(now); next < 0 || d < next {
			next = d
		}
	}
	return next
}
