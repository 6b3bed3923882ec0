package ingress

import (
	"context"
	"fmt"
	"log"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/leaderelection"
	"minik8s/pkg/client/record"
	"minik8s/pkg/client/workqueue"
	"minik8s/pkg/labels"
)

// Config configures the controller.
type Config struct {
	Class ClassConfig
	// MinSyncPeriod is the least time between two route rebuilds; changes
	// in between are batched into the next one (debounce).
	MinSyncPeriod time.Duration
	// Status enables the leader-elected status writer.
	Status bool
	// PodNamespace is the namespace of the controller's pods and of the
	// status lease.
	PodNamespace string
	// Identity is this replica's name in the leader election.
	Identity string
	// LeaseDuration, RenewDeadline, RetryPeriod tune the election (0: defaults).
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Recorder, if set, gets a Normal "Sync" event on each Ingress the
	// leader takes up or sees changed (ingress-nginx's "Scheduled for sync").
	Recorder record.EventRecorder
	Logf     func(format string, args ...any)
}

// statusLease is the Lease the status writers elect their leader with.
const statusLease = "minik8s-ingress-status"

// routesKey is the one key of the routes queue: the table is rebuilt whole.
const routesKey = "routes"

// Controller follows Ingresses, IngressClasses, Services and
// EndpointSlices through one shared factory, rebuilds the proxy's table on
// every change (at most once per MinSyncPeriod) and, while it leads,
// writes the Ingresses' status.
type Controller struct {
	cfg    Config
	client *client.Client
	proxy  *Proxy

	ingresses, classes, services, slices, pods, nodes *cache.SharedInformer
	synced                                            []func() bool

	routes  *workqueue.Queue
	statusQ atomic.Pointer[workqueue.Queue]
	ready   atomic.Bool
	summary string // last logged table summary (routes worker only)
	// announced is the generation of each Ingress (by UID) a Sync event
	// was recorded for (status worker only).
	announced map[string]int64
}

// FactoryOptions limits the factory's pods to the controller's own (those
// of publishSelector in podNamespace), the only pods it reads.
func FactoryOptions(podNamespace, publishSelector string) cache.FactoryOption {
	return cache.WithTweakListWatch(func(lw *cache.ListWatch) {
		if lw.Info.Group == "" && lw.Info.Resource == "pods" {
			lw.Namespace, lw.LabelSelector = podNamespace, publishSelector
		}
	})
}

// New returns a controller feeding proxy; start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, proxy *Proxy, cfg Config) *Controller {
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	ctl := &Controller{
		cfg: cfg, client: c, proxy: proxy,
		ingresses: cache.InformerFor[*api.Ingress](f),
		classes:   cache.InformerFor[*api.IngressClass](f),
		services:  cache.InformerFor[*api.Service](f),
		slices:    cache.InformerFor[*api.EndpointSlice](f),
		routes:    workqueue.NewDefault(),
		announced: map[string]int64{},
	}
	both := func() { ctl.routes.Add(routesKey); ctl.triggerStatus() }
	on := func(fn func()) cache.HandlerFuncs {
		return cache.HandlerFuncs{
			AddFunc:    func(api.Object) { fn() },
			UpdateFunc: func(api.Object, api.Object) { fn() },
			DeleteFunc: func(api.Object) { fn() },
		}
	}
	routesOnly := func() { ctl.routes.Add(routesKey) }
	regs := []*cache.Registration{
		ctl.ingresses.AddEventHandler(on(both)),
		ctl.classes.AddEventHandler(on(both)),
		ctl.services.AddEventHandler(on(routesOnly)),
		ctl.slices.AddEventHandler(on(routesOnly)),
	}
	infs := []*cache.SharedInformer{ctl.ingresses, ctl.classes, ctl.services, ctl.slices}
	if cfg.Status {
		ctl.pods = cache.InformerFor[*api.Pod](f)
		ctl.nodes = cache.InformerFor[*api.Node](f)
		regs = append(regs, ctl.pods.AddEventHandler(on(ctl.triggerStatus)), ctl.nodes.AddEventHandler(on(ctl.triggerStatus)))
		infs = append(infs, ctl.pods, ctl.nodes)
	}
	for _, inf := range infs {
		ctl.synced = append(ctl.synced, inf.HasSynced)
	}
	for _, r := range regs {
		ctl.synced = append(ctl.synced, r.HasSynced)
	}
	return ctl
}

// Ready reports whether the caches have synced and the first table is in
// place (the health endpoint's answer).
func (c *Controller) Ready() bool { return c.ready.Load() }

func (c *Controller) triggerStatus() {
	if q := c.statusQ.Load(); q != nil {
		q.Add("status")
	}
}

// Run serves until ctx ends: route rebuilds, and the status writer when
// this replica leads.
func (c *Controller) Run(ctx context.Context) error {
	for !c.allSynced() {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(20 * time.Millisecond):
		}
	}
	c.routes.Add(routesKey)
	done := make(chan struct{})
	go func() {
		defer close(done)
		workqueue.RunWorkers(ctx, c.routes, 1, c.syncRoutes, c.report)
	}()
	defer func() { <-done }()
	if !c.cfg.Status {
		<-ctx.Done()
		return nil
	}
	return leaderelection.RunLeading(ctx, leaderelection.Config{
		Client: c.client, Namespace: c.cfg.PodNamespace, Name: statusLease, Identity: c.cfg.Identity,
		LeaseDuration: c.cfg.LeaseDuration, RenewDeadline: c.cfg.RenewDeadline, RetryPeriod: c.cfg.RetryPeriod,
		Logf: c.cfg.Logf,
	}, c.runStatus)
}

func (c *Controller) allSynced() bool {
	for _, s := range c.synced {
		if !s() {
			return false
		}
	}
	return true
}

func (c *Controller) report(key string, err error) {
	if client.IsConflict(err) {
		return // a stale cache: the retry reads the newer object
	}
	c.cfg.Logf("ingress: sync %s: %v", key, err)
}

// ourIngresses lists the Ingresses of our class.
func (c *Controller) ourIngresses() []*api.Ingress {
	classes := cache.NewLister[*api.IngressClass](c.classes.Store())
	lookup := func(name string) (*api.IngressClass, bool) { return classes.Get("", name) }
	var out []*api.Ingress
	for _, ing := range cache.NewLister[*api.Ingress](c.ingresses.Store()).List("", nil) {
		if c.cfg.Class.Ours(ing, lookup) {
			out = append(out, ing)
		}
	}
	return out
}

// resolve finds a Service port's ready endpoints in the caches.
func (c *Controller) resolve(ns string, b *api.IngressServiceBackend) ([]string, string) {
	svc, _ := cache.NewLister[*api.Service](c.services.Store()).Get(ns, b.Name)
	eps := cache.NewLister[*api.EndpointSlice](c.slices.Store()).List(ns, labels.SelectorFromSet(map[string]string{api.LabelServiceName: b.Name}))
	return ResolveTargets(svc, eps, b.Port)
}

// syncRoutes rebuilds the table and swaps it in, then holds the key for
// MinSyncPeriod so that the changes meanwhile make one rebuild.
func (c *Controller) syncRoutes(ctx context.Context, _ string) (time.Duration, error) {
	ings := c.ourIngresses()
	t := BuildTable(ings, c.resolve)
	c.proxy.SetTable(t)
	c.ready.Store(true)
	if s := summarize(ings, t); s != c.summary {
		c.summary = s
		c.cfg.Logf("ingress: routes: %s", s)
	}
	select {
	case <-ctx.Done():
	case <-time.After(c.cfg.MinSyncPeriod):
	}
	return 0, nil
}

// summarize is a one-line account of a table for the log.
func summarize(ings []*api.Ingress, t *Table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d ingresses, %d backends", len(ings), len(t.Backends()))
	for _, k := range slices.Sorted(maps.Keys(t.Backends())) {
		be := t.Backends()[k]
		if len(be.Targets) == 0 {
			fmt.Fprintf(&b, "; %s: %s", k, be.Reason)
		} else {
			fmt.Fprintf(&b, "; %s: %d endpoints", k, len(be.Targets))
		}
	}
	return b.String()
}

// runStatus writes status while this replica leads.
func (c *Controller) runStatus(ctx context.Context) error {
	q := workqueue.NewDefault()
	c.statusQ.Store(q)
	defer c.statusQ.Store(nil)
	q.Add("status")
	workqueue.RunWorkers(ctx, q, 1, c.syncStatus, c.report)
	return nil
}

// syncStatus sets status.loadBalancer.ingress of every Ingress of our
// class that does not show the current addresses.
func (c *Controller) syncStatus(ctx context.Context, _ string) (time.Duration, error) {
	nodes := cache.NewLister[*api.Node](c.nodes.Store())
	want := PublishAddresses(cache.NewLister[*api.Pod](c.pods.Store()).List(c.cfg.PodNamespace, nil),
		func(n string) (*api.Node, bool) { return nodes.Get("", n) })
	var errs []error
	ours := c.ourIngresses()
	current := make(map[string]bool, len(ours))
	for _, ing := range ours {
		current[ing.UID] = true
	}
	for uid := range c.announced {
		if !current[uid] {
			delete(c.announced, uid)
		}
	}
	for _, ing := range ours {
		if c.cfg.Recorder != nil && c.announced[ing.UID] != ing.Generation {
			c.announced[ing.UID] = ing.Generation
			c.cfg.Recorder.Event(ing, "Normal", "Sync", "Scheduled for sync")
		}
		if !statusDiffers(ing.Status.LoadBalancer.Ingress, want) {
			continue
		}
		cp := *ing
		cp.Status.LoadBalancer.Ingress = want
		if _, err := client.Typed[*api.Ingress](c.client, ing.Namespace).UpdateStatus(ctx, &cp); err != nil && !client.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("status of %s/%s: %w", ing.Namespace, ing.Name, err))
			continue
		}
		c.cfg.Logf("ingress: %s/%s status: %v", ing.Namespace, ing.Name, addressList(want))
	}
	if len(errs) > 0 {
		return 0, errs[0]
	}
	return 0, nil
}

func addressList(in []api.IngressLoadBalancerIngress) []string {
	out := make([]string, len(in))
	for i, a := range in {
		out[i] = a.IP
	}
	return out
}
