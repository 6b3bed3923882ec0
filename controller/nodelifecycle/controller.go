package nodelifecycle

import (
	"context"
	"fmt"
	"log"
	"reflect"
	"sort"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/pkg/client/workqueue"
)

// Config tunes the controller (the controller-manager's flags).
type Config struct {
	MonitorPeriod             time.Duration // --node-monitor-period: how often node health is checked
	GracePeriod               time.Duration // --node-monitor-grace-period: unseen this long, a node is Unknown
	StartupGracePeriod        time.Duration // --node-startup-grace-period: the same for a node that never posted
	EvictionRate              float64       // --node-eviction-rate: nodes tainted NoExecute per second per zone
	SecondaryEvictionRate     float64       // --secondary-node-eviction-rate: the same in a partially disrupted large zone
	LargeClusterSizeThreshold int           // --large-cluster-size-threshold: smaller zones stop tainting when partially disrupted
	UnhealthyZoneThreshold    float64       // --unhealthy-zone-threshold: share of not-ready nodes that disrupts a zone
	Clock                     Clock         // nil: the wall clock
}

// DefaultConfig is Kubernetes' defaults.
func DefaultConfig() Config {
	return Config{
		MonitorPeriod: 5 * time.Second, GracePeriod: 40 * time.Second, StartupGracePeriod: time.Minute,
		EvictionRate: 0.1, SecondaryEvictionRate: 0.01, LargeClusterSizeThreshold: 50, UnhealthyZoneThreshold: 0.55,
	}
}

// taintPassPeriod is how often queued nodes get their NoExecute taint
// (Kubernetes' NodeEvictionPeriod).
const taintPassPeriod = 100 * time.Millisecond

// podNodeIndex indexes pods by spec.nodeName.
const podNodeIndex = "nodelifecycle:spec.nodeName"

// Event reasons.
const (
	reasonNodeNotReady   = "NodeNotReady"
	reasonRegisteredNode = "RegisteredNode"
	reasonRemovingNode   = "RemovingNode"
	reasonTaintEviction  = "TaintManagerEviction"
)

// Controller is the node lifecycle controller with its taint eviction
// manager.
type Controller struct {
	cfg       Config
	client    *client.Client
	clock     Clock
	nodes     *cache.SharedInformer
	pods      *cache.SharedInformer
	leases    *cache.SharedInformer
	recorder  record.EventRecorder // node-controller
	evictRec  record.EventRecorder // taint-eviction-controller
	synced    []func() bool
	noSched   *workqueue.Queue // node names: the NoSchedule taint pass
	evictQ    *workqueue.Queue // "node/<name>" and "pod/<ns>/<name>": the taint eviction manager
	evictions *timedWorkers
	logf      func(format string, args ...any)
	runCtx    context.Context // Run's, for the evictions' API calls

	// The monitor goroutine's own state.
	health     map[string]*nodeHealth
	known      map[string]bool
	zoneStates map[string]zoneState
	tainters   map[string]*tainter
	retryPods  map[string]bool // nodes whose pods could not all be marked not ready
}

// New returns the controller, following nodes, pods and leases through
// the factory's shared informers; node events are recorded through rec,
// evictions through evictRec. Start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, rec, evictRec record.EventRecorder, cfg Config) *Controller {
	if cfg.Clock == nil {
		cfg.Clock = RealClock{}
	}
	ctl := &Controller{
		cfg: cfg, client: c, clock: cfg.Clock,
		nodes:      cache.InformerFor[*api.Node](f),
		pods:       cache.InformerFor[*api.Pod](f),
		leases:     cache.InformerFor[*api.Lease](f),
		recorder:   rec,
		evictRec:   evictRec,
		noSched:    workqueue.NewDefault(),
		evictQ:     workqueue.NewDefault(),
		logf:       log.Printf,
		health:     map[string]*nodeHealth{},
		known:      map[string]bool{},
		zoneStates: map[string]zoneState{},
		tainters:   map[string]*tainter{},
		retryPods:  map[string]bool{},
	}
	ctl.evictions = newTimedWorkers(cfg.Clock, ctl.evictPod)
	_ = ctl.pods.AddIndexers(cache.Indexers{podNodeIndex: func(o api.Object) []string {
		if p, ok := o.(*api.Pod); ok && p.Spec.NodeName != "" {
			return []string{p.Spec.NodeName}
		}
		return nil
	}})
	r1 := ctl.nodes.AddEventHandler(cache.HandlerFuncs{
		AddFunc: func(o api.Object) {
			ctl.noSched.Add(o.GetObjectMeta().Name)
			ctl.evictQ.Add("node/" + o.GetObjectMeta().Name)
		},
		UpdateFunc: func(o, n api.Object) {
			on, ok1 := o.(*api.Node)
			nn, ok2 := n.(*api.Node)
			if !ok1 || !ok2 {
				return
			}
			ctl.noSched.Add(nn.Name)
			if !sameTaints(noExecuteTaints(on.Spec.Taints), noExecuteTaints(nn.Spec.Taints)) {
				ctl.evictQ.Add("node/" + nn.Name)
			}
		},
		DeleteFunc: func(o api.Object) { ctl.evictQ.Add("node/" + o.GetObjectMeta().Name) },
	})
	podKey := func(o api.Object) string { m := o.GetObjectMeta(); return "pod/" + m.Namespace + "/" + m.Name }
	r2 := ctl.pods.AddEventHandler(cache.HandlerFuncs{
		AddFunc: func(o api.Object) {
			if p, ok := o.(*api.Pod); ok && p.Spec.NodeName != "" {
				ctl.evictQ.Add(podKey(o))
			}
		},
		UpdateFunc: func(o, n api.Object) {
			op, ok1 := o.(*api.Pod)
			np, ok2 := n.(*api.Pod)
			// As Kubernetes: only a new node or new tolerations matter.
			if ok1 && ok2 && np.Spec.NodeName != "" && (op.Spec.NodeName != np.Spec.NodeName || !reflect.DeepEqual(op.Spec.Tolerations, np.Spec.Tolerations)) {
				ctl.evictQ.Add(podKey(n))
			}
		},
		DeleteFunc: func(o api.Object) { ctl.evictQ.Add(podKey(o)) },
	})
	ctl.synced = []func() bool{ctl.nodes.HasSynced, ctl.pods.HasSynced, ctl.leases.HasSynced, r1.HasSynced, r2.HasSynced}
	return ctl
}

func sameTaints(a, b []api.Taint) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || a[i].Value != b[i].Value || a[i].Effect != b[i].Effect {
			return false
		}
	}
	return true
}

// Run monitors node health, taints and evicts until ctx ends.
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, c.synced...) {
		return nil
	}
	c.runCtx = ctx // before any eviction is scheduled
	c.logf("nodelifecycle: controller running (grace period %v, monitor period %v)", c.cfg.GracePeriod, c.cfg.MonitorPeriod)
	defer c.evictions.stopAll()
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		workqueue.RunWorkers(ctx, c.noSched, 1, func(ctx context.Context, name string) (time.Duration, error) {
			return 0, c.syncNoScheduleTaints(ctx, name)
		}, func(key string, err error) { c.logf("nodelifecycle: tainting %s: %v (retrying)", key, err) })
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		workqueue.RunWorkers(ctx, c.evictQ, 1, func(ctx context.Context, key string) (time.Duration, error) {
			c.syncEviction(ctx, key)
			return 0, nil
		}, nil)
	}()
	monitor := time.NewTicker(c.cfg.MonitorPeriod)
	defer monitor.Stop()
	taint := time.NewTicker(taintPassPeriod)
	defer taint.Stop()
	c.monitorNodeHealth(ctx)
	for {
		select {
		case <-ctx.Done():
			<-done
			<-done
			return nil
		case <-monitor.C:
			c.monitorNodeHealth(ctx)
		case <-taint.C:
			c.noExecuteTaintingPass(ctx)
		}
	}
}

// nodeList is every node in the cache, by name.
func (c *Controller) nodeList() []*api.Node {
	var out []*api.Node
	for _, o := range c.nodes.Store().List() {
		if n, ok := o.(*api.Node); ok {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// podsOnNode lists the cached pods bound to node.
func (c *Controller) podsOnNode(node string) []*api.Pod {
	objs, _ := c.pods.Store().ByIndex(podNodeIndex, node)
	out := make([]*api.Pod, 0, len(objs))
	for _, o := range objs {
		if p, ok := o.(*api.Pod); ok {
			out = append(out, p)
		}
	}
	return out
}

// nodeRef is what node events are about (Kubernetes uses the node's name
// as the UID of status-change events).
func nodeRef(name, uid string) api.Object {
	return &api.Node{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Node"}, ObjectMeta: api.ObjectMeta{Name: name, UID: uid}}
}

// updateNodeTaints reads the node and swaps the taints compute asks for,
// retrying on conflicts.
func (c *Controller) updateNodeTaints(ctx context.Context, name string, compute func(*api.Node) (add, del []api.Taint)) error {
	for attempt := 0; ; attempt++ {
		node, err := c.client.Nodes().Get(ctx, name)
		if client.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("get node %s: %w", name, err)
		}
		add, del := compute(node)
		taints, changed := swapTaints(node.Spec.Taints, add, del, c.clock.Now())
		if !changed {
			return nil
		}
		node.Spec.Taints = taints
		_, err = c.client.Nodes().Update(ctx, node)
		if err == nil || client.IsNotFound(err) {
			return nil
		}
		if !client.IsConflict(err) || attempt >= 4 {
			return fmt.Errorf("update taints of node %s: %w", name, err)
		}
	}
}

// syncNoScheduleTaints keeps the node's NoSchedule taints in line with its
// conditions.
func (c *Controller) syncNoScheduleTaints(ctx context.Context, name string) error {
	o, ok := c.nodes.Store().GetByName("", name)
	if !ok {
		return nil
	}
	if add, del := noScheduleTaintChanges(o.(*api.Node)); len(add) == 0 && len(del) == 0 {
		return nil
	}
	return c.updateNodeTaints(ctx, name, noScheduleTaintChanges)
}
