package cache

import (
	"context"
	"sync"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// SharedInformerFactory makes one SharedInformer per resource for a whole
// process (client-go's SharedInformerFactory): every controller asking for
// nodes shares one list+watch of nodes and one cache.
//
//	f := cache.NewSharedInformerFactory(c, 30*time.Second)
//	nodes := f.ForResource(c.Nodes().Info())
//	nodes.AddEventHandler(cache.HandlerFuncs{AddFunc: ...})
//	f.Start(ctx)
//	if !f.WaitForCacheSync(ctx) { ... }
type SharedInformerFactory struct {
	client        *client.Client
	defaultResync time.Duration
	namespace     string
	tweak         func(*ListWatch)
	newLW         func(info *api.ResourceInfo) ListerWatcher // tests replace the apiserver

	mu        sync.Mutex
	informers map[*api.ResourceInfo]*SharedInformer
	started   map[*api.ResourceInfo]bool
	wg        sync.WaitGroup
}

// FactoryOption configures a factory.
type FactoryOption func(*SharedInformerFactory)

// WithNamespace limits the factory's informers to one namespace.
func WithNamespace(ns string) FactoryOption {
	return func(f *SharedInformerFactory) { f.namespace = ns }
}

// WithTweakListWatch changes every ListWatch the factory makes (e.g. to set
// a field selector such as spec.nodeName=NODE).
func WithTweakListWatch(tweak func(*ListWatch)) FactoryOption {
	return func(f *SharedInformerFactory) { f.tweak = tweak }
}

// WithListerWatcher makes the factory list and watch through newLW instead
// of the client (tests).
func WithListerWatcher(newLW func(info *api.ResourceInfo) ListerWatcher) FactoryOption {
	return func(f *SharedInformerFactory) { f.newLW = newLW }
}

// NodeScoped makes a node agent's factory: its pods are only those bound
// to nodeName (spec.nodeName field selector), as the kubelet and the network
// agent of one node share them; other resources are listed whole.
func NodeScoped(nodeName string) FactoryOption {
	return WithTweakListWatch(func(lw *ListWatch) {
		if lw.Info.Group == "" && lw.Info.Resource == "pods" {
			lw.FieldSelector = "spec.nodeName=" + nodeName
		}
	})
}

// NewSharedInformerFactory returns a factory whose informers' handlers are
// resynced every defaultResync (0: never) unless they ask otherwise.
func NewSharedInformerFactory(c *client.Client, defaultResync time.Duration, opts ...FactoryOption) *SharedInformerFactory {
	f := &SharedInformerFactory{
		client: c, defaultResync: defaultResync,
		informers: map[*api.ResourceInfo]*SharedInformer{},
		started:   map[*api.ResourceInfo]bool{},
	}
	for _, o := range opts {
		o(f)
	}
	return f
}

// ForResource returns the shared informer of info, making it on first use.
// Informers made after Start run at the next Start.
func (f *SharedInformerFactory) ForResource(info *api.ResourceInfo) *SharedInformer {
	f.mu.Lock()
	defer f.mu.Unlock()
	if inf, ok := f.informers[info]; ok {
		return inf
	}
	var lw ListerWatcher
	if f.newLW != nil {
		lw = f.newLW(info)
	} else {
		l := &ListWatch{Client: f.client, Info: info, Namespace: f.namespace}
		if f.tweak != nil {
			f.tweak(l)
		}
		lw = l
	}
	inf := NewSharedInformer(lw, f.defaultResync)
	f.informers[info] = inf
	return inf
}

// InformerFor is ForResource of the resource whose objects have type T:
// cache.InformerFor[*api.Node](f). It panics if T is not a registered kind.
func InformerFor[T api.Object](f *SharedInformerFactory) *SharedInformer {
	info, err := client.InfoFor[T]()
	if err != nil {
		panic(err)
	}
	return f.ForResource(info)
}

// Start runs every informer not yet running until ctx ends; it does not
// block. Call Shutdown after ctx ends to wait for them.
func (f *SharedInformerFactory) Start(ctx context.Context) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for info, inf := range f.informers {
		if f.started[info] {
			continue
		}
		f.started[info] = true
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			_ = inf.Run(ctx)
		}()
	}
}

// Shutdown waits until every started informer (and its handlers'
// goroutines) has stopped; end the Start context first.
func (f *SharedInformerFactory) Shutdown() { f.wg.Wait() }

// WaitForCacheSync waits until every started informer has its first list
// in its store, or ctx ends; it reports whether all synced.
func (f *SharedInformerFactory) WaitForCacheSync(ctx context.Context) bool {
	f.mu.Lock()
	var synced []func() bool
	for info, inf := range f.informers {
		if f.started[info] {
			synced = append(synced, inf.HasSynced)
		}
	}
	f.mu.Unlock()
	return WaitForCacheSync(ctx, synced...)
}
