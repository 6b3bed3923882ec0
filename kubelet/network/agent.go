package network

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/netip"
	"sync"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/iptables"
)

// Agent is the node's network agent. Use New, then Run.
type Agent struct {
	opts    Options
	cluster netip.Prefix
	client  *client.Client
	dp      Dataplane
	fw      Firewall
	sysctl  Sysctl
	// informers is the node's shared factory (the kubelet's, or the
	// agent's own when ownInformers).
	informers    *cache.SharedInformerFactory
	ownInformers bool
	nodes        *cache.SharedInformer
	pods         *cache.SharedInformer
	kick         chan struct{}
	logf         func(format string, args ...any)

	mu        sync.Mutex
	status    Status
	lastRules []byte // the last payload written (without stale chains): unchanged ones are skipped
	waiting   bool   // "waiting for podCIDR" was logged
	sysctlSet bool
}

// Status is what the agent has set up so far (for the kubelet and tests).
type Status struct {
	PodCIDR netip.Prefix // zero until the Node has one
	Gateway netip.Addr   // the bridge's address
	MTU     int          // the pod network MTU (for the CNI conflist)
	VtepMAC string       // vxlan only
	Synced  time.Time    // the last sync that succeeded
}

// New checks opts and returns an agent using netlink, iptables (the
// --iptables-backend, resolved when Run starts) and /proc/sys.
func New(opts Options) (*Agent, error) {
	return NewWith(opts, Netlink{}, nil, ProcSysctl{})
}

// NewWith is New with the I/O seams given (tests pass fakes); a nil fw is
// the pkg/iptables Runner of opts.IPTablesBackend, made by Run.
func NewWith(opts Options, dp Dataplane, fw Firewall, sc Sysctl) (*Agent, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	c := opts.Client
	if c == nil {
		var err error
		c, err = client.NewForComponent(opts.Kubeconfig, opts.APIServer, client.Config{Timeout: 30 * time.Second, UserAgent: "minik8s-netagent/" + opts.NodeName})
		if err != nil {
			return nil, err
		}
	}
	a := &Agent{
		opts: opts, cluster: netip.MustParsePrefix(opts.ClusterCIDR).Masked(), client: c,
		dp: dp, fw: fw, sysctl: sc, kick: make(chan struct{}, 1), logf: opts.Logf,
	}
	if a.logf == nil {
		a.logf = log.Printf
	}
	a.informers = opts.Informers
	if a.informers == nil {
		a.informers = cache.NewSharedInformerFactory(c, 0, cache.NodeScoped(opts.NodeName))
		a.ownInformers = true
	}
	a.nodes = cache.InformerFor[*api.Node](a.informers)
	a.pods = cache.InformerFor[*api.Pod](a.informers)
	h := cache.HandlerFuncs{
		AddFunc:    func(api.Object) { a.trigger() },
		UpdateFunc: func(o, n api.Object) { a.trigger() },
		DeleteFunc: func(api.Object) { a.trigger() },
	}
	a.nodes.AddEventHandler(h)
	a.pods.AddEventHandler(h)
	return a, nil
}

// trigger asks the loop for a sync (coalesced).
func (a *Agent) trigger() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// Status returns what the agent has set up so far.
func (a *Agent) Status() Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.status
}

// Run keeps the node's network in step until ctx ends (it returns nil then).
// It leaves what it made in place when it stops, as flannel does: pods keep
// their network across a restart of the agent.
func (a *Agent) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.informers.Start(ctx) // runs what is not running yet
	if a.ownInformers {
		defer func() { cancel(); a.informers.Shutdown() }()
	}
	if a.fw == nil {
		b, _ := iptables.ParseBackend(a.opts.IPTablesBackend) // checked by Validate
		r, err := iptables.New(ctx, b)
		if err != nil {
			return fmt.Errorf("network agent: %w", err)
		}
		a.fw = r
	}
	if !cache.WaitForCacheSync(ctx, a.nodes.HasSynced, a.pods.HasSynced) {
		return nil
	}
	a.logf("netagent %s: backend %s, iptables %s, cluster %s, uplink %s", a.opts.NodeName, a.opts.Backend, a.fw.Backend(), a.cluster, a.opts.Interface)
	resync := time.NewTicker(a.opts.ResyncInterval)
	defer resync.Stop()
	retry := time.NewTimer(0)
	defer retry.Stop()
	backoff := time.Duration(0)
	for {
		force := false
		select {
		case <-ctx.Done():
			return nil
		case <-a.kick:
		case <-resync.C:
			force = true
		case <-retry.C:
			force = true
		}
		if err := a.sync(ctx, force); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			backoff = min(max(2*backoff, 200*time.Millisecond), 10*time.Second)
			a.logf("netagent %s: sync: %v (retrying in %v)", a.opts.NodeName, err, backoff)
			retry.Reset(backoff)
			continue
		}
		backoff = 0
	}
}

// sync makes the node's network match the cluster. force rewrites the
// iptables rules even if they did not change (the periodic resync).
func (a *Agent) sync(ctx context.Context, force bool) error {
	obj, ok := a.nodes.Store().GetByName("", a.opts.NodeName)
	self, _ := obj.(*api.Node)
	if !ok || self == nil || podCIDROf(self) == "" {
		a.mu.Lock()
		if !a.waiting {
			a.logf("netagent %s: waiting for the Node's spec.podCIDR", a.opts.NodeName)
			a.waiting = true
		}
		a.mu.Unlock()
		return nil
	}
	podCIDR, err := netip.ParsePrefix(podCIDROf(self))
	if err != nil || !podCIDR.Addr().Is4() {
		return fmt.Errorf("node %s: podCIDR %q is not an IPv4 CIDR", self.Name, podCIDROf(self))
	}
	podCIDR = podCIDR.Masked()
	if !a.cluster.Contains(podCIDR.Addr()) || podCIDR.Bits() < a.cluster.Bits() {
		return fmt.Errorf("node %s: podCIDR %s is outside the cluster CIDR %s", self.Name, podCIDR, a.cluster)
	}

	a.mu.Lock()
	first := !a.sysctlSet
	a.mu.Unlock()
	if first || force {
		a.kernelSettings()
	}

	uplinkMTU, uplinkIP, err := a.dp.Uplink(a.opts.Interface)
	if err != nil {
		return err
	}
	nodeIP := uplinkIP
	if a.opts.NodeIP != "" {
		nodeIP = netip.MustParseAddr(a.opts.NodeIP)
	}
	if !nodeIP.IsValid() {
		return fmt.Errorf("%s has no IPv4 address and --node-ip is not set", a.opts.Interface)
	}
	mtu := MTU(a.opts.Backend, uplinkMTU, a.opts.MTU)

	var mac string
	if a.opts.Backend == BackendVXLAN {
		if mac, err = a.dp.EnsureVXLAN(a.opts.Interface, nodeIP, VTEPAddr(podCIDR), mtu); err != nil {
			return err
		}
	} else if err := a.dp.DeleteVXLAN(); err != nil {
		return err
	}
	gw := podCIDR.Addr().Next()
	if err := a.dp.EnsureBridge(a.opts.Bridge, netip.PrefixFrom(gw, podCIDR.Bits()), mtu); err != nil {
		return err
	}
	if err := a.publish(ctx, self, nodeIP, mac); err != nil {
		return err
	}

	// Routes, neighbours, FDB.
	var nodes []*api.Node
	for _, o := range a.nodes.Store().List() {
		if n, ok := o.(*api.Node); ok {
			nodes = append(nodes, n)
		}
	}
	peers, skipped := PeersFrom(a.opts.NodeName, nodes)
	if force {
		for _, s := range skipped {
			a.logf("netagent %s: %s", a.opts.NodeName, s)
		}
	}
	actual, err := a.dp.Actual(a.opts.Interface, a.cluster)
	if err != nil {
		return err
	}
	changes := Plan(Desired(a.opts.Backend, a.opts.Interface, peers), actual)
	if !changes.Empty() {
		a.logf("netagent %s: applying\n%s", a.opts.NodeName, changes)
		if err := a.dp.Apply(changes); err != nil {
			return fmt.Errorf("applying routes: %w", err)
		}
	}

	if err := a.syncRules(ctx, podCIDR, force); err != nil {
		return err
	}
	a.mu.Lock()
	a.status = Status{PodCIDR: podCIDR, Gateway: gw, MTU: mtu, VtepMAC: mac, Synced: time.Now()}
	a.waiting = false
	a.mu.Unlock()
	return nil
}

// kernelSettings sets ip_forward (per network namespace) and
// bridge-nf-call-iptables (per namespace on recent kernels, global on old
// ones; br_netfilter may be missing): failures are logged, not fatal.
func (a *Agent) kernelSettings() {
	if err := a.sysctl.Set("net.ipv4.ip_forward", "1"); err != nil {
		a.logf("netagent %s: %v", a.opts.NodeName, err)
	}
	if err := a.sysctl.Set("net.bridge.bridge-nf-call-iptables", "1"); err != nil {
		a.logf("netagent %s: %v (is br_netfilter loaded?): bridged pod traffic bypasses iptables", a.opts.NodeName, err)
	}
	a.mu.Lock()
	a.sysctlSet = true
	a.mu.Unlock()
}

// publish patches flannel's annotations onto the Node when they differ.
func (a *Agent) publish(ctx context.Context, self *api.Node, nodeIP netip.Addr, mac string) error {
	want := map[string]string{
		AnnotationBackendType: a.opts.Backend,
		AnnotationPublicIP:    nodeIP.String(),
		AnnotationSubnetMgr:   "true",
		AnnotationBackendData: "null",
	}
	if a.opts.Backend == BackendVXLAN {
		bd, _ := json.Marshal(BackendData{VNI: VXLANID, VtepMAC: mac})
		want[AnnotationBackendData] = string(bd)
	}
	diff := map[string]any{}
	for k, v := range want {
		if self.Annotations[k] != v {
			diff[k] = v
		}
	}
	if len(diff) == 0 {
		return nil
	}
	body, _ := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": diff}})
	if _, err := a.client.Nodes().Patch(ctx, self.Name, client.MergePatchType, body); err != nil {
		return fmt.Errorf("publishing the annotations of node %s: %w", self.Name, err)
	}
	a.logf("netagent %s: published %s", a.opts.NodeName, body)
	return nil
}

// syncRules writes the iptables chains when they changed (or when forced)
// and makes sure the built-in chains jump to them.
func (a *Agent) syncRules(ctx context.Context, podCIDR netip.Prefix, force bool) error {
	var mappings []HostPortMapping
	if a.opts.HostPorts {
		var pods []*api.Pod
		for _, o := range a.pods.Store().List() {
			if p, ok := o.(*api.Pod); ok && p.Spec.NodeName == a.opts.NodeName {
				pods = append(pods, p)
			}
		}
		mappings = HostPortMappings(pods)
	}
	cfg := RulesConfig{ClusterCIDR: a.cluster, PodCIDR: podCIDR}
	// Without a change of the wanted rules only the periodic resync writes
	// (it also repairs rules changed by hand); iptables-save is not run on
	// every node heartbeat.
	base := RulesPayload(cfg, mappings, nil)
	a.mu.Lock()
	same := bytes.Equal(base, a.lastRules)
	a.mu.Unlock()
	if same && !force {
		return nil
	}
	existing, err := a.fw.Chains(ctx, "nat")
	if err != nil {
		return err
	}
	payload := RulesPayload(cfg, mappings, existing)
	if err := a.fw.Restore(ctx, payload); err != nil {
		return err
	}
	if err := iptables.EnsureJumps(ctx, a.fw, Jumps()); err != nil {
		return err
	}
	a.mu.Lock()
	a.lastRules = base
	a.mu.Unlock()
	if !same {
		a.logf("netagent %s: iptables rules written (%d hostPort mappings)", a.opts.NodeName, len(mappings))
	}
	return nil
}

func podCIDROf(n *api.Node) string {
	if n.Spec.PodCIDR != "" {
		return n.Spec.PodCIDR
	}
	if len(n.Spec.PodCIDRs) > 0 {
		return n.Spec.PodCIDRs[0]
	}
	return ""
}
