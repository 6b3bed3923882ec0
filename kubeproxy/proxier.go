package kubeproxy

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"minik8s/kubeproxy/conntrack"
	"minik8s/kubeproxy/iptables"
	"minik8s/kubeproxy/proxy"
	"minik8s/pkg/api"
	"minik8s/pkg/client/cache"
)

// Config is a Proxier's setting.
type Config struct {
	NodeName      string
	Rules         iptables.Config
	MinSyncPeriod time.Duration
	SyncPeriod    time.Duration
	Firewall      Firewall
	Conntrack     conntrack.Cleaner // nil: no conntrack cleanup
	Logf          func(format string, args ...any)
}

// Proxier keeps the node's iptables rules equal to the Services and
// EndpointSlices of its informers.
type Proxier struct {
	cfg     Config
	svcs    *cache.SharedInformer
	slices  *cache.SharedInformer
	nodes   *cache.SharedInformer // this node's Node (its zone label)
	synced  []func() bool
	trigger chan struct{}
	now     func() time.Time

	mu       sync.Mutex // guards the fields below (Run's goroutine and Stats)
	last     syncState
	needFull bool
	lastFull time.Time
	stats    Stats
}

// Stats counts what the proxier did.
type Stats struct {
	FullSyncs, PartialSyncs, Skipped, Failures int
	LastPayload                                []byte
	LastSync                                   time.Time
	ConntrackDeleted                           int
}

// New returns a Proxier following Services and EndpointSlices through f,
// and the Node named cfg.NodeName for its topology.kubernetes.io/zone label
// (topology hints); make f with NodeFilter so it lists that Node only.
// Start f after New.
func New(f *cache.SharedInformerFactory, cfg Config) *Proxier {
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	p := &Proxier{
		cfg:      cfg,
		svcs:     cache.InformerFor[*api.Service](f),
		slices:   cache.InformerFor[*api.EndpointSlice](f),
		nodes:    cache.InformerFor[*api.Node](f),
		trigger:  make(chan struct{}, 1),
		now:      time.Now,
		needFull: true,
	}
	h := cache.HandlerFuncs{
		AddFunc:    func(api.Object) { p.Sync() },
		UpdateFunc: func(_, _ api.Object) { p.Sync() },
		DeleteFunc: func(api.Object) { p.Sync() },
	}
	r1 := p.svcs.AddEventHandler(h)
	r2 := p.slices.AddEventHandler(h)
	r3 := p.nodes.AddEventHandler(cache.HandlerFuncs{
		AddFunc:    func(o api.Object) { p.nodeChanged(nil, o) },
		UpdateFunc: p.nodeChanged,
		DeleteFunc: func(o api.Object) { p.nodeChanged(o, nil) },
	})
	p.synced = []func() bool{p.svcs.HasSynced, p.slices.HasSynced, p.nodes.HasSynced, r1.HasSynced, r2.HasSynced, r3.HasSynced}
	return p
}

// NodeFilter is the factory option that makes its Node informer list and
// watch only nodeName (as Kubernetes' kube-proxy does).
func NodeFilter(nodeName string) cache.FactoryOption {
	return cache.WithTweakListWatch(func(lw *cache.ListWatch) {
		if lw.Info.Group == "" && lw.Info.Resource == "nodes" {
			lw.FieldSelector = "metadata.name=" + nodeName
		}
	})
}

// nodeChanged asks for a sync when this node's zone label changes.
func (p *Proxier) nodeChanged(oldObj, newObj api.Object) {
	zone := func(o api.Object) (string, bool) {
		n, ok := o.(*api.Node)
		if !ok || n.Name != p.cfg.NodeName {
			return "", false
		}
		return n.Labels[proxy.LabelTopologyZone], true
	}
	oz, oldOurs := zone(oldObj)
	nz, newOurs := zone(newObj)
	if (oldOurs || newOurs) && oz != nz {
		p.Sync()
	}
}

// zone is this node's topology zone ("" if unknown).
func (p *Proxier) zone() string {
	if p.nodes == nil {
		return ""
	}
	n, ok := cache.NewLister[*api.Node](p.nodes.Store()).Get("", p.cfg.NodeName)
	if !ok {
		return ""
	}
	return n.Labels[proxy.LabelTopologyZone]
}

// Sync asks for a sync (batched: at most one per MinSyncPeriod).
func (p *Proxier) Sync() {
	select {
	case p.trigger <- struct{}{}:
	default:
	}
}

// Stats returns a copy of the counters.
func (p *Proxier) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Run syncs until ctx ends. It writes nothing before both informers have
// listed once (so a restart never writes an empty ruleset over the old
// one); a failed sync is retried, as a full one, after a back-off.
func (p *Proxier) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, p.synced...) {
		return nil
	}
	p.cfg.Logf("kubeproxy: caches synced; node %s", p.cfg.NodeName)
	full := time.NewTicker(p.cfg.SyncPeriod)
	defer full.Stop()
	var lastSync time.Time
	retry := time.Duration(0)
	var retryC <-chan time.Time
	p.Sync()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.trigger:
		case <-full.C:
			p.mu.Lock()
			p.needFull = true
			p.mu.Unlock()
		case <-retryC:
			retryC = nil
		}
		if wait := p.cfg.MinSyncPeriod - time.Since(lastSync); wait > 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(wait):
			}
			// Changes that arrived while waiting go into this sync.
			select {
			case <-p.trigger:
			default:
			}
		}
		lastSync = time.Now()
		if err := p.SyncOnce(ctx); err != nil {
			p.cfg.Logf("kubeproxy: sync failed (retrying): %v", err)
			retry = min(max(2*retry, p.cfg.MinSyncPeriod, time.Second), p.cfg.SyncPeriod)
			retryC = time.After(retry)
			continue
		}
		retry = 0
	}
}

// SyncOnce writes the rules of the informers' current state: a full sync
// when one is due, else a partial one.
func (p *Proxier) SyncOnce(ctx context.Context) error {
	services := cache.NewLister[*api.Service](p.svcs.Store()).List("", nil)
	slices := cache.NewLister[*api.EndpointSlice](p.slices.Store()).List("", nil)
	return p.syncFrom(ctx, services, slices, p.zone())
}

func (p *Proxier) syncFrom(ctx context.Context, services []*api.Service, slices []*api.EndpointSlice, zone string) error {
	start := p.now()
	ports, eps := proxy.Build(services, slices, p.cfg.NodeName)
	in := iptables.Input{Ports: ports, Endpoints: eps}
	rc := p.cfg.Rules
	rc.Zone = zone
	rules := iptables.Generate(rc, in)

	p.mu.Lock()
	full := p.needFull || start.Sub(p.lastFull) >= p.cfg.SyncPeriod
	last := p.last
	p.mu.Unlock()

	var existing []string
	if full {
		chains, err := p.cfg.Firewall.SaveChains(ctx, "nat")
		if err != nil {
			// Not fatal: only the stale chains of an earlier run stay.
			p.cfg.Logf("kubeproxy: iptables-save: %v (stale chains are not deleted)", err)
			for c := range last.active {
				chains = append(chains, c)
			}
		}
		existing = chains
	}
	pl := planSync(rules, in, &last, full, existing)
	if pl.skip {
		p.mu.Lock()
		p.stats.Skipped++
		p.mu.Unlock()
		return nil
	}
	if err := p.cfg.Firewall.Restore(ctx, pl.payload); err != nil {
		return p.failed(fmt.Errorf("iptables-restore: %w", err))
	}
	if full {
		// After the restore, which made the chains the jumps lead to.
		if err := p.cfg.Firewall.EnsureJumps(ctx, iptables.Jumps()); err != nil {
			return p.failed(fmt.Errorf("jump rules: %w", err))
		}
	}
	p.mu.Lock()
	p.last = pl.next
	p.needFull = false
	if full {
		p.lastFull = start
		p.stats.FullSyncs++
	} else {
		p.stats.PartialSyncs++
	}
	p.stats.LastPayload = pl.payload
	p.stats.LastSync = p.now()
	p.mu.Unlock()

	if pl.udp && p.cfg.Conntrack != nil {
		n, err := p.cfg.Conntrack.CleanStale(ctx, ports, eps)
		if err != nil {
			p.cfg.Logf("kubeproxy: conntrack cleanup: %v", err)
		}
		p.mu.Lock()
		p.stats.ConntrackDeleted += n
		p.mu.Unlock()
	}
	return nil
}

// failed records a failed sync: the next one is full (the partial state
// is unknown).
func (p *Proxier) failed(err error) error {
	p.mu.Lock()
	p.needFull = true
	p.stats.Failures++
	p.mu.Unlock()
	return err
}
