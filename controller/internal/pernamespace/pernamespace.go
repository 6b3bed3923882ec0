// Package pernamespace is the loop shared by the controllers that keep one
// object in every active namespace (the ServiceAccount controller's
// `default` account, the root CA publisher's kube-root-ca.crt): the queue
// holds namespace names; a namespace is queued when it is added or becomes
// active, when one of the kept objects changes or is deleted, and on the
// informers' resync.
package pernamespace

import (
	"context"
	"log"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/workqueue"
)

// SyncFunc makes ns (active, read from the cache) hold the kept object.
type SyncFunc func(ctx context.Context, ns *api.Namespace) error

// Config describes one such controller.
type Config struct {
	Name    string                // for logs
	Workers int                   // namespaces synced at once (0: 1)
	Resync  time.Duration         // the handlers' resync (a backstop)
	Objects *cache.SharedInformer // the kept objects' informer
	Kept    func(api.Object) bool // whether an object of Objects is a kept one (nil: all)
	Sync    SyncFunc              // the reconcile of one namespace
	Logf    func(string, ...any)  // nil: log.Printf
	Extra   []func() bool         // more HasSynced to wait for
}

// Controller is the loop.
type Controller struct {
	cfg        Config
	namespaces cache.Lister[*api.Namespace]
	synced     []func() bool
	queue      *workqueue.Queue
}

// New adds the handlers to the factory's namespace informer and to
// cfg.Objects; start the factory after New.
func New(f *cache.SharedInformerFactory, cfg Config) *Controller {
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	nsInf := cache.InformerFor[*api.Namespace](f)
	c := &Controller{cfg: cfg, namespaces: cache.NewLister[*api.Namespace](nsInf.Store()),
		queue: workqueue.New(50*time.Millisecond, 30*time.Second)}
	nsReg := nsInf.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc: func(o api.Object) { c.queue.Add(o.GetObjectMeta().Name) },
		UpdateFunc: func(_, o api.Object) {
			if o.(*api.Namespace).Status.Phase != api.NamespaceTerminating {
				c.queue.Add(o.GetObjectMeta().Name)
			}
		},
	}, cfg.Resync)
	kept := func(o api.Object) {
		if cfg.Kept == nil || cfg.Kept(o) {
			c.queue.Add(o.GetObjectMeta().Namespace)
		}
	}
	objReg := cfg.Objects.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		UpdateFunc: func(_, o api.Object) { kept(o) },
		DeleteFunc: kept,
	}, cfg.Resync)
	c.synced = []func() bool{nsInf.HasSynced, cfg.Objects.HasSynced, nsReg.HasSynced, objReg.HasSynced}
	return c
}

// Run syncs namespaces until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, c.synced...) {
		return nil
	}
	c.cfg.Logf("%s: controller running", c.cfg.Name)
	workqueue.RunWorkers(ctx, c.queue, c.cfg.Workers, c.sync, func(ns string, err error) {
		c.cfg.Logf("%s: namespace %s: %v (retrying)", c.cfg.Name, ns, err)
	})
	return nil
}

func (c *Controller) sync(ctx context.Context, name string) (time.Duration, error) {
	ns, ok := c.namespaces.Get("", name)
	if !ok || ns.Status.Phase == api.NamespaceTerminating || ns.DeletionTimestamp != nil {
		return 0, nil
	}
	return 0, c.cfg.Sync(ctx, ns)
}

// Benign reports whether a write's error means there is nothing to retry:
// the object already exists (the cache lags), or the namespace is gone or
// terminating (the apiserver forbids new content in it).
func Benign(err error) bool {
	return err == nil || client.IsAlreadyExists(err) || client.IsNotFound(err) || client.ReasonForError(err) == "Forbidden"
}
