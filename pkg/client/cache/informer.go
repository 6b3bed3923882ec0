package cache

import (
	"context"
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

// Informer is the informer of a component that keeps one to itself; it is
// a SharedInformer (one implementation: handlers behind their own queues,
// late handlers replayed under the store's lock). Processes with several
// components share one through a SharedInformerFactory instead.
type Informer = SharedInformer

// NewInformer returns an informer over lw whose handlers get every cached
// object again as an update each resync period (0 disables resync).
func NewInformer(lw ListerWatcher, resync time.Duration) *Informer {
	return NewSharedInformer(lw, resync)
}

// NewFor is NewInformer over a ListWatch of info in namespace ("" = all).
func NewFor(c *client.Client, info *api.ResourceInfo, namespace string, resync time.Duration) *Informer {
	return NewInformer(&ListWatch{Client: c, Info: info, Namespace: namespace}, resync)
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
