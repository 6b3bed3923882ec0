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
	pkgiptables "minik8s/pkg/iptables"
)

// Config is a Proxier's setting.
type Config struct {
	NodeName      string
	Rules         iptables.Config
	MinSyncPeriod time.Duration
	SyncPeriod    time.Duration // period of the (partial) sync when nothing asks for one
	// FullSyncPeriod is how often a sync is a full one at the latest
	// (0: DefaultFullSyncPeriod).
	FullSyncPeriod time.Duration
	Firewall       Firewall
	Conntrack      conntrack.Cleaner // nil: no conntrack cleanup
	Logf           func(format string, args ...any)
}

// DefaultFullSyncPeriod is Kubernetes' proxyutil.FullSyncPeriod: a sync
// is a full one at least this often (besides the first and the one after
// a failure).
const DefaultFullSyncPeriod = time.Hour

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

	// Caches of the conversion and the generation, so that a sync at
	// thousands of Services redoes only the ones that changed (used by
	// Run's goroutine only).
	builder *proxy.Builder
	rules   *iptables.Cache

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
	if cfg.FullSyncPeriod <= 0 {
		cfg.FullSyncPeriod = DefaultFullSyncPeriod
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

// Run syncs until ctx ends: on every change (at most once per
// MinSyncPeriod) and every SyncPeriod, as Kubernetes' async runner does.
// It writes nothing before both informers have listed once (so a restart
// never writes an empty ruleset over the old one); a failed sync is
// retried, as a full one, after a back-off.
func (p *Proxier) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, p.synced...) {
		return nil
	}
	p.cfg.Logf("kubeproxy: caches synced; node %s", p.cfg.NodeName)
	period := time.NewTicker(p.cfg.SyncPeriod)
	defer period.Stop()
	var lastSync time.Time
	retry := time.Duration(0)
	var retryC <-chan time.Time
	p.Sync()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.trigger:
		case <-period.C:
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
	if p.builder == nil {
		p.builder, p.rules = &proxy.Builder{NodeName: p.cfg.NodeName}, iptables.NewCache()
	}
	ports, eps, versions := p.builder.Build(services, slices)
	in := iptables.Input{Ports: ports, Endpoints: eps, Versions: versions}
	rc := p.cfg.Rules
	rc.Zone = zone
	rules := iptables.GenerateCached(rc, in, p.rules)

	p.mu.Lock()
	full := needFullSync(p.needFull, start, p.lastFull, p.fullSyncPeriod())
	last := p.last
	p.mu.Unlock()

	var existing []string
	saves := map[string][]byte{}
	if full {
		for _, table := range []string{"filter", "nat"} {
			save, err := p.cfg.Firewall.Save(ctx, table)
			if err != nil {
				// Not fatal: the jumps are checked one by one and only the
				// stale chains of an earlier run stay.
				p.cfg.Logf("kubeproxy: iptables-save -t %s: %v", table, err)
				continue
			}
			saves[table] = save
		}
		if save, ok := saves["nat"]; ok {
			existing = pkgiptables.ParseChains(save)
		} else {
			for c := range last.active {
				existing = append(existing, c)
			}
		}
	}
	// The jumps from the built-in chains go into the payload when both
	// saves worked (only those they do not show); else they are checked
	// one by one after the restore.
	var jumps []iptables.Jump
	checkJumps := full && len(saves) != 2
	if full && !checkJumps {
		jumps = iptables.MissingJumps(iptables.Jumps(), saves)
	}
	pl := planSync(rules, in, &last, full, existing, jumps)
	if pl.skip {
		p.mu.Lock()
		p.stats.Skipped++
		p.mu.Unlock()
		return nil
	}
	if err := p.cfg.Firewall.Restore(ctx, pl.payload); err != nil {
		return p.failed(fmt.Errorf("iptables-restore: %w", err))
	}
	if checkJumps {
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
		if p.stats.FullSyncs == 1 {
			p.cfg.Logf("kubeproxy: first sync: %d service ports, %d chains, %d stale chains deleted, %d bytes in %v",
				len(ports), len(rules.Active), len(pl.stale), len(pl.payload), p.now().Sub(start).Round(time.Millisecond))
		}
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

// fullSyncPeriod is cfg.FullSyncPeriod or its default.
func (p *Proxier) fullSyncPeriod() time.Duration {
	if p.cfg.FullSyncPeriod > 0 {
		return p.cfg.FullSyncPeriod
	}
	return DefaultFullSyncPeriod
}

// needFullSync is Kubernetes' doFullSync: a full sync when one is asked
// for (the first sync, the one after a failure) or the last full one is
// period old.
func needFullSync(asked bool, now, lastFull time.Time, period time.Duration) bool {
	return asked || now.Sub(lastFull) >= period
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
