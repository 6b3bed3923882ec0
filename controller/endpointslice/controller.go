package endpointslice

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/workqueue"
	"minik8s/pkg/controller/endpointutil"
	"minik8s/pkg/labels"
)

// Config tunes the controller.
type Config struct {
	Workers              int // services synced at once (--concurrent-service-endpoint-syncs)
	MaxEndpointsPerSlice int // endpoints per slice (0: MaxEndpointsPerSlice)
}

// Controller keeps the EndpointSlices of selector services.
type Controller struct {
	client   *client.Client
	services *cache.SharedInformer
	pods     *cache.SharedInformer
	nodes    *cache.SharedInformer
	slices   *cache.SharedInformer
	synced   []func() bool
	queue    *workqueue.Queue
	triggers *endpointutil.TriggerTimeTracker
	tracker  *sliceTracker
	workers  int
	max      int
	logf     func(format string, args ...any)
}

// staleRetry is how soon a sync from a cache older than our own writes
// is tried again.
const staleRetry = 20 * time.Millisecond

// New returns the controller, following services, pods, nodes (for
// zones) and endpoint slices through the factory's shared informers.
// Start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, cfg Config) *Controller {
	ctl := &Controller{
		client:   c,
		services: cache.InformerFor[*api.Service](f),
		pods:     cache.InformerFor[*api.Pod](f),
		nodes:    cache.InformerFor[*api.Node](f),
		slices:   cache.InformerFor[*api.EndpointSlice](f),
		queue:    workqueue.New(5*time.Millisecond, 60*time.Second),
		triggers: endpointutil.NewTriggerTimeTracker(),
		tracker:  newSliceTracker(),
		workers:  max(cfg.Workers, 1),
		max:      cfg.MaxEndpointsPerSlice,
		logf:     log.Printf,
	}
	if ctl.max <= 0 {
		ctl.max = MaxEndpointsPerSlice
	}
	r1 := ctl.services.AddEventHandler(endpointutil.ServiceHandler(ctl.queue))
	r2 := ctl.pods.AddEventHandler(endpointutil.PodHandler(ctl.queue, ctl.services.Store()))
	// A node's zone is in its endpoints: a zone change resyncs every service.
	r3 := ctl.nodes.AddEventHandler(cache.HandlerFuncs{
		AddFunc: func(api.Object) { ctl.enqueueAll() },
		UpdateFunc: func(o, n api.Object) {
			if o.GetObjectMeta().Labels[LabelZone] != n.GetObjectMeta().Labels[LabelZone] {
				ctl.enqueueAll()
			}
		},
		DeleteFunc: func(api.Object) { ctl.enqueueAll() },
	})
	// A managed slice changed or deleted by someone else is put right.
	r4 := ctl.slices.AddEventHandler(cache.HandlerFuncs{
		UpdateFunc: func(_, n api.Object) { ctl.enqueueSliceOwner(n) },
		DeleteFunc: func(o api.Object) {
			m := o.GetObjectMeta()
			ctl.tracker.seenDeleted(m.Namespace+"/"+m.Labels[api.LabelServiceName], m.Name)
			ctl.enqueueSliceOwner(o)
		},
	})
	ctl.synced = []func() bool{ctl.services.HasSynced, ctl.pods.HasSynced, ctl.nodes.HasSynced, ctl.slices.HasSynced,
		r1.HasSynced, r2.HasSynced, r3.HasSynced, r4.HasSynced}
	return ctl
}

func (c *Controller) enqueue(o api.Object) {
	m := o.GetObjectMeta()
	c.queue.Add(m.Namespace + "/" + m.Name)
}

func (c *Controller) enqueueAll() {
	for _, o := range c.services.Store().List() {
		c.enqueue(o)
	}
}

func (c *Controller) enqueueSliceOwner(o api.Object) {
	m := o.GetObjectMeta()
	if m.Labels[api.LabelManagedBy] == api.EndpointSliceControllerID && m.Labels[api.LabelServiceName] != "" {
		c.queue.Add(m.Namespace + "/" + m.Labels[api.LabelServiceName])
	}
}

// Run syncs until ctx ends (the factory runs the informers).
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, c.synced...) {
		return nil
	}
	c.logf("endpointslice: controller running with %d workers", c.workers)
	workqueue.RunWorkers(ctx, c.queue, c.workers, c.sync,
		func(key string, err error) { c.logf("endpointslice: syncing %s: %v (retrying)", key, err) })
	return nil
}

func (c *Controller) zoneOf(node string) string {
	if o, ok := c.nodes.Store().GetByName("", node); ok {
		return o.GetObjectMeta().Labels[LabelZone]
	}
	return ""
}

// managedSlices lists the cached slices this controller manages for a
// service.
func (c *Controller) managedSlices(ns, name string) []*api.EndpointSlice {
	sel := labels.SelectorFromSet(map[string]string{api.LabelServiceName: name, api.LabelManagedBy: api.EndpointSliceControllerID})
	var out []*api.EndpointSlice
	for _, o := range c.slices.Store().Select(ns, sel) {
		if s, ok := o.(*api.EndpointSlice); ok && s.DeletionTimestamp == nil {
			out = append(out, s)
		}
	}
	return out
}

// sync reconciles the slices of one service from the informers' state.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, _ := strings.Cut(key, "/")
	o, ok := c.services.Store().GetByName(ns, name)
	if !ok {
		// The garbage collector deletes the slices through their owner reference.
		c.triggers.Delete(ns, name)
		c.tracker.forget(key)
		return 0, nil
	}
	svc := o.(*api.Service)
	if len(svc.Spec.Selector) == 0 {
		return 0, nil // slices of a service without selector are written by hand
	}
	existing := c.managedSlices(ns, name)
	if c.tracker.stale(key, existing) {
		return staleRetry, nil
	}
	pods := endpointutil.PodsForService(c.pods.Store(), svc)
	trigger := c.triggers.Compute(svc, pods)
	plan := Reconcile(svc, existing, Desired(svc, pods, c.zoneOf), trigger, c.max)
	return 0, c.apply(ctx, key, plan)
}

// apply writes a plan: creates, then updates, then deletes.
func (c *Controller) apply(ctx context.Context, key string, plan Plan) error {
	var errs []error
	for _, s := range plan.Create {
		out, err := client.Typed[*api.EndpointSlice](c.client, s.Namespace).Create(ctx, s)
		if err != nil {
			errs = append(errs, fmt.Errorf("creating endpoint slice: %w", err))
			continue
		}
		c.tracker.wrote(key, out)
	}
	for _, s := range plan.Update {
		out, err := client.Typed[*api.EndpointSlice](c.client, s.Namespace).Update(ctx, s)
		if err != nil {
			errs = append(errs, fmt.Errorf("updating endpoint slice %s: %w", s.Name, err))
			continue
		}
		c.tracker.wrote(key, out)
	}
	for _, s := range plan.Delete {
		err := client.Typed[*api.EndpointSlice](c.client, s.Namespace).Delete(ctx, s.Name, nil)
		if err != nil && !client.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("deleting endpoint slice %s: %w", s.Name, err))
			continue
		}
		c.tracker.deleted(key, s.Name)
	}
	return errors.Join(errs...)
}
