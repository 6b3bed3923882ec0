package endpoint

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"maps"
	"strings"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/workqueue"
	"minik8s/pkg/controller/endpointutil"
)

// LabelHeadless marks the Endpoints (and EndpointSlices) of a headless
// service, as Kubernetes' v1.IsHeadlessService.
const LabelHeadless = "service.kubernetes.io/headless"

// Config tunes the controller.
type Config struct {
	Workers int // services synced at once (--concurrent-endpoint-syncs)
}

// Controller keeps the Endpoints of selector services.
type Controller struct {
	client    *client.Client
	services  *cache.SharedInformer
	pods      *cache.SharedInformer
	endpoints *cache.SharedInformer
	synced    []func() bool
	queue     *workqueue.Queue
	triggers  *endpointutil.TriggerTimeTracker
	workers   int
	logf      func(format string, args ...any)
}

// New returns the controller, following services, pods and endpoints
// through the factory's shared informers. Start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, cfg Config) *Controller {
	ctl := &Controller{
		client:    c,
		services:  cache.InformerFor[*api.Service](f),
		pods:      cache.InformerFor[*api.Pod](f),
		endpoints: cache.InformerFor[*api.Endpoints](f),
		queue:     workqueue.New(5*time.Millisecond, 60*time.Second),
		triggers:  endpointutil.NewTriggerTimeTracker(),
		workers:   max(cfg.Workers, 1),
		logf:      log.Printf,
	}
	r1 := ctl.services.AddEventHandler(endpointutil.ServiceHandler(ctl.queue))
	r2 := ctl.pods.AddEventHandler(endpointutil.PodHandler(ctl.queue, ctl.services.Store()))
	// A deleted Endpoints of a selector service comes back.
	r3 := ctl.endpoints.AddEventHandler(cache.HandlerFuncs{DeleteFunc: ctl.enqueue})
	ctl.synced = []func() bool{ctl.services.HasSynced, ctl.pods.HasSynced, ctl.endpoints.HasSynced,
		r1.HasSynced, r2.HasSynced, r3.HasSynced}
	return ctl
}

func (c *Controller) enqueue(o api.Object) {
	m := o.GetObjectMeta()
	c.queue.Add(m.Namespace + "/" + m.Name)
}

// Run syncs until ctx ends (the factory runs the informers).
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, c.synced...) {
		return nil
	}
	c.logf("endpoint: controller running with %d workers", c.workers)
	c.checkLeftoverEndpoints()
	workqueue.RunWorkers(ctx, c.queue, c.workers, func(ctx context.Context, key string) (time.Duration, error) {
		return 0, c.sync(ctx, key)
	}, func(key string, err error) { c.logf("endpoint: syncing %s: %v (retrying)", key, err) })
	return nil
}

// checkLeftoverEndpoints enqueues every Endpoints once at start, as
// Kubernetes' checkLeftoverEndpoints does, so the Endpoints of services
// deleted while the controller was down are deleted too.
func (c *Controller) checkLeftoverEndpoints() {
	for _, o := range c.endpoints.Store().List() {
		c.enqueue(o)
	}
}

// sync reconciles the Endpoints of one service from the informers' state.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, _ := strings.Cut(key, "/")
	o, ok := c.services.Store().GetByName(ns, name)
	if !ok {
		c.triggers.Delete(ns, name)
		if _, exists := c.endpoints.Store().GetByName(ns, name); !exists {
			return nil
		}
		err := c.client.Endpoints(ns).Delete(ctx, name, nil)
		if err != nil && !client.IsNotFound(err) {
			return fmt.Errorf("deleting endpoints of deleted service: %w", err)
		}
		return nil
	}
	svc := o.(*api.Service)
	if len(svc.Spec.Selector) == 0 {
		return nil // the user writes the Endpoints of a service without selector
	}
	pods := endpointutil.PodsForService(c.pods.Store(), svc)
	subsets := Subsets(svc, pods)
	trigger := c.triggers.Compute(svc, pods)
	var cur *api.Endpoints
	if eo, ok := c.endpoints.Store().GetByName(ns, name); ok {
		cur = eo.(*api.Endpoints)
	}
	want, changed := Desired(svc, cur, subsets, trigger)
	if !changed {
		return nil
	}
	var err error
	if cur == nil {
		_, err = c.client.Endpoints(ns).Create(ctx, want)
	} else {
		_, err = c.client.Endpoints(ns).Update(ctx, want)
	}
	if err != nil {
		return fmt.Errorf("writing endpoints: %w", err)
	}
	return nil
}

// Desired is the Endpoints object svc should have given the current one
// (nil: none yet) and the computed subsets, and whether it differs from
// cur: subsets and labels (the service's, plus the headless label) are
// compared; when they are equal nothing is written, whatever the trigger
// time. The trigger time is set as the last-change-trigger-time
// annotation, or the annotation is removed when it is zero.
func Desired(svc *api.Service, cur *api.Endpoints, subsets []api.EndpointSubset, trigger time.Time) (*api.Endpoints, bool) {
	lbls := maps.Clone(svc.Labels)
	if lbls == nil {
		lbls = map[string]string{}
	}
	if svc.Spec.ClusterIP == "None" {
		lbls[LabelHeadless] = ""
	} else {
		delete(lbls, LabelHeadless)
	}
	if cur != nil && jsonEqual(cur.Subsets, subsets) && jsonEqual(emptyNil(cur.Labels), emptyNil(lbls)) {
		return cur, false
	}
	want := &api.Endpoints{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Endpoints"}}
	if cur != nil {
		want.ObjectMeta = cur.ObjectMeta
		want.Annotations = maps.Clone(cur.Annotations)
	} else {
		want.Name, want.Namespace = svc.Name, svc.Namespace
	}
	want.Labels = lbls
	if !trigger.IsZero() {
		if want.Annotations == nil {
			want.Annotations = map[string]string{}
		}
		want.Annotations[endpointutil.LastChangeTriggerTimeAnnotation] = endpointutil.FormatTriggerTime(trigger)
	} else {
		delete(want.Annotations, endpointutil.LastChangeTriggerTimeAnnotation)
	}
	want.Subsets = subsets
	return want, true
}

func emptyNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// jsonEqual compares two values as the API serves them (nil and empty
// lists alike), as Kubernetes' semantic equality does.
func jsonEqual(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}
