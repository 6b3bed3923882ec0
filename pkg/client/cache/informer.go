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

// ListerWatcher is the informer's I/O seam: the apiserver (ListWatch) or a fake.
type ListerWatcher interface {
	List(ctx context.Context, opts client.ListOptions) ([]api.Object, string, error)
	Watch(ctx context.Context, opts client.ListOptions) (client.Watcher, error)
}

// ListWatch lists and watches one resource through a client, optionally
// restricted to a namespace and selectors.
type ListWatch struct {
	Client        *client.Client
	Info          *api.ResourceInfo
	Namespace     string // "" = all namespaces
	LabelSelector string
	FieldSelector string
}

var _ ListerWatcher = (*ListWatch)(nil)

func (lw *ListWatch) opts(o client.ListOptions) client.ListOptions {
	o.LabelSelector, o.FieldSelector = lw.LabelSelector, lw.FieldSelector
	return o
}

// List implements ListerWatcher.
func (lw *ListWatch) List(ctx context.Context, o client.ListOptions) ([]api.Object, string, error) {
	return lw.Client.List(ctx, lw.Info, lw.Namespace, lw.opts(o))
}

// Watch implements ListerWatcher.
func (lw *ListWatch) Watch(ctx context.Context, o client.ListOptions) (client.Watcher, error) {
	return lw.Client.Watch(ctx, lw.Info, lw.Namespace, lw.opts(o))
}

// Handler receives the informer's notifications, one at a time, from the
// informer's goroutine. Handlers should be quick (typically: queue a key).
type Handler interface {
	OnAdd(obj api.Object)
	OnUpdate(oldObj, newObj api.Object)
	OnDelete(obj api.Object)
}

// HandlerFuncs adapts functions to Handler; nil functions are skipped.
type HandlerFuncs struct {
	AddFunc    func(obj api.Object)
	UpdateFunc func(oldObj, newObj api.Object)
	DeleteFunc func(obj api.Object)
}

// OnAdd implements Handler.
func (h HandlerFuncs) OnAdd(obj api.Object) {
	if h.AddFunc != nil {
		h.AddFunc(obj)
	}
}

// OnUpdate implements Handler.
func (h HandlerFuncs) OnUpdate(oldObj, newObj api.Object) {
	if h.UpdateFunc != nil {
		h.UpdateFunc(oldObj, newObj)
	}
}

// OnDelete implements Handler.
func (h HandlerFuncs) OnDelete(obj api.Object) {
	if h.DeleteFunc != nil {
		h.DeleteFunc(obj)
	}
}

// Backoff bounds the exponential wait between failed lists or watches.
type Backoff struct {
	Min, Max time.Duration
}

func (b Backoff) next(cur time.Duration) time.Duration {
	if cur <= 0 {
		return b.Min
	}
	cur *= 2
	if cur > b.Max {
		cur = b.Max
	}
	return cur
}

// Informer keeps a Store in step with the apiserver and notifies handlers.
type Informer struct {
	lw     ListerWatcher
	resync time.Duration
	store  *Store

	// Backoff is the wait between failures; set it before Run.
	Backoff Backoff
	// Logf reports list/watch failures; nil means the standard logger.
	Logf func(format string, args ...any)

	mu       sync.Mutex
	handlers []Handler
	synced   atomic.Bool
}

// NewInformer returns an informer over lw that redelivers every cached object
// as an update each resync period (0 disables resync).
func NewInformer(lw ListerWatcher, resync time.Duration) *Informer {
	return &Informer{
		lw: lw, resync: resync, store: NewStore(),
		Backoff: Backoff{Min: 200 * time.Millisecond, Max: 30 * time.Second},
	}
}

// NewFor is NewInformer over a ListWatch of info in namespace ("" = all).
func NewFor(c *client.Client, info *api.ResourceInfo, namespace string, resync time.Duration) *Informer {
	return NewInformer(&ListWatch{Client: c, Info: info, Namespace: namespace}, resync)
}

// Store is the informer's local cache.
func (i *Informer) Store() *Store { return i.store }

// HasSynced reports whether the first list has been stored and delivered.
func (i *Informer) HasSynced() bool { return i.synced.Load() }

// AddEventHandler registers h. Handlers added after the first list get the
// cached objects as adds at once, so that every handler sees every object.
func (i *Informer) AddEventHandler(h Handler) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.handlers = append(i.handlers, h)
	if i.synced.Load() {
		for _, o := range i.store.List() {
			h.OnAdd(o)
		}
	}
}

func (i *Informer) logf(format string, args ...any) {
	if i.Logf != nil {
		i.Logf(format, args...)
		return
	}
	log.Printf(format, args...)
}

// deliver notifies every handler of one change, under the handler lock so
// that notifications never interleave with AddEventHandler's replay.
func (i *Informer) deliver(d Delta) {
	i.mu.Lock()
	defer i.mu.Unlock()
	for _, h := range i.handlers {
		switch d.Type {
		case api.Added:
			h.OnAdd(d.New)
		case api.Modified:
			h.OnUpdate(d.Old, d.New)
		case api.Deleted:
			h.OnDelete(d.Old)
		}
	}
}

// Run lists, watches and delivers until ctx ends; it returns nil then.
func (i *Informer) Run(ctx context.Context) error {
	r := &reflector{lw: i.lw, target: (*informerTarget)(i), backoff: i.Backoff, logf: i.logf, resync: i.resync}
	r.run(ctx)
	return nil
}

// informerTarget is the Informer as the reflector's target: it changes the
// store, then notifies the handlers.
type informerTarget Informer

var _ target = (*informerTarget)(nil)

func (t *informerTarget) replace(objs []api.Object) {
	i := (*Informer)(t)
	for _, d := range i.store.replace(objs) {
		i.deliver(d)
	}
	i.synced.Store(true)
}

func (t *informerTarget) apply(ev client.Event) {
	i := (*Informer)(t)
	switch ev.Type {
	case api.Added, api.Modified:
		if old, ok := i.store.put(ev.Object); ok {
			i.deliver(Delta{Type: api.Modified, Old: old, New: ev.Object})
		} else {
			i.deliver(Delta{Type: api.Added, New: ev.Object})
		}
	case api.Deleted:
		i.store.remove(ev.Object)
		i.deliver(Delta{Type: api.Deleted, Old: ev.Object})
	}
}

// resync redelivers every cached object as an update to itself.
func (t *informerTarget) resyncNow() {
	i := (*Informer)(t)
	for _, o := range i.store.List() {
		i.deliver(Delta{Type: api.Modified, Old: o, New: o})
	}
}

// WaitForCacheSync waits until every synced function reports true or ctx
// ends; it reports whether all synced.
func WaitForCacheSync(ctx context.Context, synced ...func() bool) bool {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		all := true
		for _, s := range synced {
			if !s() {
				all = false
				break
			}
		}
		if all {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
}
