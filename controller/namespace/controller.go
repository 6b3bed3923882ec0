package namespace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"slices"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/workqueue"
)

// Config tunes the controller.
type Config struct {
	Resync     time.Duration // informer resync (--namespace-sync-period)
	Workers    int           // namespaces deleted at once (--concurrent-namespace-syncs)
	MaxRecheck time.Duration // longest wait before looking again at content that remains (0: 5s)
}

// Controller deletes the contents of terminating namespaces.
type Controller struct {
	client     *client.Client
	namespaces *cache.SharedInformer
	synced     func() bool // the handler has seen the initial list
	queue      *workqueue.Queue
	workers    int
	maxRecheck time.Duration
	resources  []*api.ResourceInfo // every namespaced resource
	logf       func(format string, args ...any)
}

// New returns a controller that follows namespaces through the factory's
// shared namespace informer (cfg.Resync is its handler's resync period, a
// backstop). Start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, cfg Config) *Controller {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.MaxRecheck <= 0 {
		cfg.MaxRecheck = 5 * time.Second
	}
	ctl := &Controller{
		client:     c,
		namespaces: cache.InformerFor[*api.Namespace](f),
		queue:      workqueue.New(50*time.Millisecond, 30*time.Second),
		workers:    cfg.Workers,
		maxRecheck: cfg.MaxRecheck,
		logf:       log.Printf,
	}
	for _, r := range api.Resources {
		if r.Namespaced {
			ctl.resources = append(ctl.resources, r)
		}
	}
	enqueue := func(obj api.Object) {
		if ns, ok := obj.(*api.Namespace); ok && ns.DeletionTimestamp != nil {
			ctl.queue.Add(ns.Name)
		}
	}
	reg := ctl.namespaces.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, n api.Object) { enqueue(n) },
	}, cfg.Resync)
	ctl.synced = reg.HasSynced
	return ctl
}

// Run deletes terminating namespaces until ctx ends (the factory runs the
// informer).
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, c.namespaces.HasSynced, c.synced) {
		return nil
	}
	c.logf("namespace: controller running with %d workers", c.workers)
	workqueue.RunWorkers(ctx, c.queue, c.workers, c.sync, func(name string, err error) {
		c.logf("namespace: deleting %s: %v (retrying)", name, err)
	})
	return nil
}

// sync does one pass over a namespace: it deletes what is left in it and
// finalizes it when nothing is. recheck > 0 asks for another pass then.
func (c *Controller) sync(ctx context.Context, name string) (recheck time.Duration, err error) {
	nsc := c.client.Namespaces()
	ns, err := nsc.Get(ctx, name)
	if client.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if ns.DeletionTimestamp == nil || !slices.Contains(ns.Spec.Finalizers, api.FinalizerKubernetes) {
		return 0, nil // not deleting, or already finalized by us
	}
	now := api.Now()
	results := c.deleteContent(ctx, name, now)
	sum := summarize(results, now)
	if ns.Status.Phase != api.NamespaceTerminating || applyConditions(ns, sum.Conditions, now) {
		ns.Status.Phase = api.NamespaceTerminating
		if _, err := nsc.UpdateStatus(ctx, ns); err != nil && !client.IsNotFound(err) && !client.IsConflict(err) {
			return 0, fmt.Errorf("updating conditions: %w", err)
		}
	}
	if len(sum.Errs) > 0 {
		return 0, errors.Join(sum.Errs...)
	}
	if sum.Remaining > 0 {
		return recheckAfter(sum.Estimate, c.maxRecheck), nil
	}
	return 0, c.finalize(ctx, name)
}

// recheckAfter is how long to wait before the next pass: half the
// estimate plus a second, as Kubernetes, but at most max.
func recheckAfter(estimate int64, max time.Duration) time.Duration {
	d := api.Seconds(estimate/2 + 1)
	return min(d, max)
}

// finalize removes "kubernetes" from spec.finalizers through the finalize
// subresource; the apiserver then removes the namespace if no other
// finalizer is left.
func (c *Controller) finalize(ctx context.Context, name string) error {
	ns, err := c.client.Namespaces().Get(ctx, name)
	if client.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	ns.Spec.Finalizers = slices.DeleteFunc(ns.Spec.Finalizers, func(f string) bool { return f == api.FinalizerKubernetes })
	body, err := json.Marshal(ns)
	if err != nil {
		return err
	}
	_, err = c.client.Do(ctx, http.MethodPut, c.client.Namespaces().Info().Path("", name)+"/finalize", body, nil)
	if client.IsNotFound(err) {
		return nil // another controller finished it
	}
	return err
}
