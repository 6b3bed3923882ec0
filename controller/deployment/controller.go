package deployment

import (
	"context"
	"encoding/json"
	"log"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/pkg/client/workqueue"
	"minik8s/pkg/controller"
	"minik8s/pkg/labels"
)

// Config tunes the controller.
type Config struct {
	Workers int // deployments synced at once (default 5)
}

// Controller rolls deployments out through replica sets.
type Controller struct {
	client   *client.Client
	deploys  *cache.SharedInformer
	rss      *cache.SharedInformer
	synced   []func() bool
	queue    *workqueue.Queue
	recorder record.EventRecorder
	runRec   func(ctx context.Context) error
	workers  int
	logf     func(format string, args ...any)
	now      func() time.Time
}

// New returns a controller that watches deployments and replica sets
// through the factory's shared informers. Start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, cfg Config) *Controller {
	rec := record.NewRecorder(c, api.EventSource{Component: "deployment-controller"})
	ctl := &Controller{
		client:   c,
		deploys:  cache.InformerFor[*api.Deployment](f),
		rss:      cache.InformerFor[*api.ReplicaSet](f),
		queue:    workqueue.New(5*time.Millisecond, 30*time.Second),
		recorder: rec,
		runRec:   rec.Run,
		workers:  max(cfg.Workers, 1),
		logf:     log.Printf,
		now:      time.Now,
	}
	if cfg.Workers == 0 {
		ctl.workers = 5
	}
	enqueue := func(o api.Object) { ctl.queue.Add(cache.Key(o)) }
	dreg := ctl.deploys.AddEventHandler(cache.HandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, n api.Object) { enqueue(n) },
		DeleteFunc: enqueue,
	})
	rsEvent := func(o api.Object) { ctl.enqueueOwner(o) }
	rreg := ctl.rss.AddEventHandler(cache.HandlerFuncs{
		AddFunc: rsEvent,
		UpdateFunc: func(o, n api.Object) {
			ctl.enqueueOwner(o)
			ctl.enqueueOwner(n)
		},
		DeleteFunc: rsEvent,
	})
	ctl.synced = []func() bool{ctl.deploys.HasSynced, ctl.rss.HasSynced, dreg.HasSynced, rreg.HasSynced}
	return ctl
}

// enqueueOwner queues the deployment that owns a replica set, or for an
// orphan every deployment whose selector matches it (one may adopt it).
func (c *Controller) enqueueOwner(o api.Object) {
	rs, ok := o.(*api.ReplicaSet)
	if !ok {
		return
	}
	if ref := controller.ControllerOf(&rs.ObjectMeta); ref != nil {
		if ref.Kind == "Deployment" {
			c.queue.Add(cache.KeyOf(rs.Namespace, ref.Name))
		}
		return
	}
	for _, d := range cache.NewLister[*api.Deployment](c.deploys.Store()).List(rs.Namespace, labels.Everything()) {
		sel, err := labels.FromLabelSelector(d.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(rs.Labels) {
			c.queue.Add(cache.Key(d))
		}
	}
}

// Run syncs deployments until ctx ends (the factory runs the informers).
func (c *Controller) Run(ctx context.Context) error {
	if c.runRec != nil {
		go func() { _ = c.runRec(ctx) }()
	}
	if !cache.WaitForCacheSync(ctx, c.synced...) {
		return nil
	}
	c.logf("deployment: syncing with %d workers", c.workers)
	workqueue.RunWorkers(ctx, c.queue, c.workers, func(ctx context.Context, key string) (time.Duration, error) {
		return 0, c.syncKey(ctx, key)
	}, func(key string, err error) {
		if !client.IsConflict(err) { // a conflict is an ordinary retry
			c.logf("deployment: %s: %v (retrying)", key, err)
		}
	})
	return nil
}

// deepCopy returns a copy of a deployment or replica set.
func deepCopy[T any](in *T) *T {
	b, _ := json.Marshal(in)
	out := new(T)
	_ = json.Unmarshal(b, out)
	return out
}
