package nodeipam

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/workqueue"
)

// syncKey is the queue's only key: every change re-plans all nodes.
const syncKey = "nodes"

// Controller assigns pod CIDRs to nodes.
type Controller struct {
	client *client.Client
	rng    Range
	nodes  *cache.SharedInformer
	synced func() bool // the handler has seen every node of the first list
	queue  *workqueue.Queue
	logf   func(format string, args ...any)

	// written holds the CIDRs this controller wrote that the informer has
	// not shown yet, so that a plan made from a stale cache cannot hand the
	// same block out twice.
	mu      sync.Mutex
	written map[string]written
}

// written is a CIDR the controller wrote, at the node's resourceVersion rv.
type written struct {
	cidr netip.Prefix
	rv   int64
}

// New returns a controller for the range that watches nodes through the
// factory's shared node informer (whose resync period is a backstop: every
// change of a node is seen at once). Start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, r Range) *Controller {
	ctl := &Controller{
		client:  c,
		rng:     r,
		nodes:   cache.InformerFor[*api.Node](f),
		queue:   workqueue.New(50*time.Millisecond, 10*time.Second),
		logf:    log.Printf,
		written: map[string]written{},
	}
	enqueue := func(api.Object) { ctl.queue.Add(syncKey) }
	reg := ctl.nodes.AddEventHandler(cache.HandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, n api.Object) { enqueue(n) },
		DeleteFunc: enqueue,
	})
	ctl.synced = reg.HasSynced
	return ctl
}

// Run assigns CIDRs until ctx ends (the factory runs the informer).
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, c.nodes.HasSynced, c.synced) {
		return nil
	}
	c.logf("nodeipam: allocating /%d blocks of %s", c.rng.MaskSize, c.rng.Cluster)
	c.queue.Add(syncKey)
	// One worker: every change queues the one key, and a sync allocates for
	// all nodes at once.
	workqueue.RunWorkers(ctx, c.queue, 1, func(ctx context.Context, _ string) (time.Duration, error) {
		return 0, c.sync(ctx)
	}, func(_ string, err error) { c.logf("nodeipam: %v (retrying)", err) })
	return nil
}

// nodeCIDR is the allocator's view of a node: its CIDR, or the one we wrote
// and the cache does not show yet.
func (c *Controller) nodeCIDR(n *api.Node) NodeCIDR {
	nc := NodeCIDR{Name: n.Name, Created: n.CreationTimestamp.Time, PodCIDR: PodCIDROf(n)}
	if w, ok := c.written[n.Name]; ok {
		if rv, err := strconv.ParseInt(n.ResourceVersion, 10, 64); err == nil && rv >= w.rv {
			delete(c.written, n.Name) // the cache has caught up
		} else {
			nc.PodCIDR = w.cidr.String()
		}
	}
	return nc
}

// PodCIDROf is a node's pod CIDR: spec.podCIDR, else spec.podCIDRs[0].
func PodCIDROf(n *api.Node) string {
	if n.Spec.PodCIDR != "" {
		return n.Spec.PodCIDR
	}
	if len(n.Spec.PodCIDRs) > 0 {
		return n.Spec.PodCIDRs[0]
	}
	return ""
}

// sync plans from the cache and applies the plan.
func (c *Controller) sync(ctx context.Context) error {
	c.mu.Lock()
	objs := c.nodes.Store().List()
	byName := map[string]*api.Node{}
	present := map[string]bool{}
	var in []NodeCIDR
	for _, o := range objs {
		n, ok := o.(*api.Node)
		if !ok {
			continue
		}
		byName[n.Name] = n
		present[n.Name] = true
		in = append(in, c.nodeCIDR(n))
	}
	for name := range c.written {
		if !present[name] {
			delete(c.written, name) // deleted: its block is free
		}
	}
	c.mu.Unlock()

	plan, warnings := Plan(c.rng, in)
	for _, w := range warnings {
		c.logf("nodeipam: %s", w)
	}
	var firstErr error
	for _, a := range plan {
		if err := c.assign(ctx, byName[a.Node], a); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// assign patches the node's spec.podCIDR(s), on the condition that the node
// is still the version the plan saw (409 otherwise: re-planned on retry).
func (c *Controller) assign(ctx context.Context, n *api.Node, a Assignment) error {
	patch := map[string]any{
		"metadata": map[string]any{"resourceVersion": n.ResourceVersion},
		"spec":     map[string]any{"podCIDR": a.CIDR.String(), "podCIDRs": []string{a.CIDR.String()}},
	}
	body, err := json.Marshal(patch)
	if err != nil {
		return err
	}
	out, err := c.client.Nodes().Patch(ctx, n.Name, client.MergePatchType, body)
	if err != nil {
		if client.IsNotFound(err) {
			return nil // gone: the next plan does not see it
		}
		return fmt.Errorf("assigning %s to node %s: %w", a.CIDR, n.Name, err)
	}
	rv, _ := strconv.ParseInt(out.ResourceVersion, 10, 64)
	c.mu.Lock()
	c.written[n.Name] = written{cidr: a.CIDR, rv: rv}
	c.mu.Unlock()
	c.logf("nodeipam: node %s: podCIDR %s (%s)", n.Name, a.CIDR, a.Reason)
	return nil
}
