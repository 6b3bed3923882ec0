package podautoscaler

import (
	"context"
	"log"
	"strings"
	"sync"
	"time"

	"minik8s/controller/podautoscaler/metrics"
	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/pkg/client/workqueue"
	"minik8s/pkg/labels"
)

// Config tunes the controller (DefaultConfig is kube-controller-manager's;
// a zero SyncPeriod or Workers takes the default).
type Config struct {
	SyncPeriod              time.Duration  // --horizontal-pod-autoscaler-sync-period (15s)
	Tolerance               float64        // --horizontal-pod-autoscaler-tolerance (0.1)
	CPUInitializationPeriod time.Duration  // --horizontal-pod-autoscaler-cpu-initialization-period (5m)
	InitialReadinessDelay   time.Duration  // --horizontal-pod-autoscaler-initial-readiness-delay (30s)
	DownscaleStabilization  time.Duration  // --horizontal-pod-autoscaler-downscale-stabilization (5m)
	Workers                 int            // HPAs synced at once (5)
	Metrics                 metrics.Client // nil: the resource metrics API through the apiserver
	Now                     func() time.Time
}

// DefaultConfig is kube-controller-manager's HPA configuration.
func DefaultConfig() Config {
	return Config{
		SyncPeriod:              15 * time.Second,
		Tolerance:               0.1,
		CPUInitializationPeriod: 5 * time.Minute,
		InitialReadinessDelay:   30 * time.Second,
		DownscaleStabilization:  5 * time.Minute,
		Workers:                 5,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.SyncPeriod <= 0 {
		c.SyncPeriod = d.SyncPeriod
	}
	if c.Workers <= 0 {
		c.Workers = d.Workers
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// scaleClient reads and writes scale subresources (*client.Client).
type scaleClient interface {
	GetScale(ctx context.Context, info *api.ResourceInfo, ns, name string) (*api.Scale, error)
	UpdateScale(ctx context.Context, info *api.ResourceInfo, ns string, s *api.Scale) (*api.Scale, error)
}

// Controller reconciles HorizontalPodAutoscalers.
type Controller struct {
	cfg          Config
	scales       scaleClient
	updateStatus func(ctx context.Context, hpa *api.HorizontalPodAutoscaler) error
	listPods     func(ns string, sel labels.Selector) []*api.Pod
	metrics      metrics.Client
	recorder     record.EventRecorder
	calc         ReplicaCalculator

	hpas   *cache.SharedInformer
	pods   *cache.SharedInformer
	synced []func() bool
	queue  *workqueue.Queue

	mu              sync.Mutex
	recommendations map[string][]timestampedRecommendation
	scaleUpEvents   map[string][]timestampedScaleEvent
	scaleDownEvents map[string][]timestampedScaleEvent
	pending         map[string]bool            // a periodic resync of the key is scheduled
	selectors       map[string]labels.Selector // each HPA's target selector, as last seen
}

// New returns the controller, following HPAs and pods through the
// factory's shared informers; events go to rec. Start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, rec record.EventRecorder, cfg Config) *Controller {
	cfg = cfg.withDefaults()
	ctl := newController(cfg, rec)
	ctl.scales = c
	ctl.updateStatus = func(ctx context.Context, hpa *api.HorizontalPodAutoscaler) error {
		_, err := c.HorizontalPodAutoscalers(hpa.Namespace).UpdateStatus(ctx, hpa)
		return err
	}
	if ctl.metrics == nil {
		ctl.metrics = metrics.NewRESTClient(c)
	}
	ctl.hpas = cache.InformerFor[*api.HorizontalPodAutoscaler](f)
	ctl.pods = cache.InformerFor[*api.Pod](f)
	podLister := cache.NewLister[*api.Pod](ctl.pods.Store())
	ctl.listPods = podLister.List
	r := ctl.hpas.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc: func(o api.Object) { ctl.queue.Add(keyOf(o)) },
		UpdateFunc: func(oldObj, newObj api.Object) {
			if oldObj.GetObjectMeta().ResourceVersion == newObj.GetObjectMeta().ResourceVersion {
				ctl.scheduleResync(keyOf(newObj)) // the informer's resync: a backstop
				return
			}
			if oldObj.GetObjectMeta().Generation != newObj.GetObjectMeta().Generation {
				ctl.queue.Add(keyOf(newObj)) // a spec change; our status writes wait for the period
			}
		},
		DeleteFunc: func(o api.Object) { ctl.queue.Add(keyOf(o)) },
	}, cfg.SyncPeriod)
	ctl.synced = []func() bool{ctl.hpas.HasSynced, ctl.pods.HasSynced, r.HasSynced}
	return ctl
}

func newController(cfg Config, rec record.EventRecorder) *Controller {
	return &Controller{
		cfg:      cfg,
		metrics:  cfg.Metrics,
		recorder: rec,
		calc: ReplicaCalculator{
			CPUInitializationPeriod:       cfg.CPUInitializationPeriod,
			DelayOfInitialReadinessStatus: cfg.InitialReadinessDelay,
			Now:                           cfg.Now,
		},
		queue:           workqueue.New(5*time.Millisecond, cfg.SyncPeriod),
		recommendations: map[string][]timestampedRecommendation{},
		scaleUpEvents:   map[string][]timestampedScaleEvent{},
		scaleDownEvents: map[string][]timestampedScaleEvent{},
		pending:         map[string]bool{},
		selectors:       map[string]labels.Selector{},
	}
}

func keyOf(o api.Object) string {
	m := o.GetObjectMeta()
	return m.Namespace + "/" + m.Name
}

// scheduleResync queues key one sync period from now unless that is
// already scheduled: each HPA is reconciled once per period.
func (c *Controller) scheduleResync(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending[key] {
		return
	}
	c.pending[key] = true
	time.AfterFunc(c.cfg.SyncPeriod, func() {
		c.mu.Lock()
		delete(c.pending, key)
		c.mu.Unlock()
		c.queue.Add(key)
	})
}

// Run syncs until ctx ends (the factory runs the informers).
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, c.synced...) {
		return nil
	}
	log.Printf("horizontal-pod-autoscaler: controller running, sync period %v", c.cfg.SyncPeriod)
	workqueue.RunWorkers(ctx, c.queue, c.cfg.Workers, c.sync, nil)
	return nil
}

// sync reconciles one HPA and schedules its next sync a period later (as
// Kubernetes requeues every HPA at its fixed interval, error or not).
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, _ := strings.Cut(key, "/")
	o, ok := c.hpas.Store().GetByName(ns, name)
	if !ok {
		c.forget(key)
		return 0, nil
	}
	hpa, ok := o.(*api.HorizontalPodAutoscaler)
	if !ok {
		return 0, nil
	}
	if err := c.reconcileAutoscaler(ctx, hpa, key); err != nil && ctx.Err() == nil {
		log.Printf("horizontal-pod-autoscaler: %s: %v", key, err)
	}
	c.scheduleResync(key)
	return 0, nil
}

// forget drops the history of a deleted HPA.
func (c *Controller) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.recommendations, key)
	delete(c.scaleUpEvents, key)
	delete(c.scaleDownEvents, key)
	delete(c.selectors, key)
}
