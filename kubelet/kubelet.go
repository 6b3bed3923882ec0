package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"sync"
	"time"

	"minik8s/kubelet/prober"
	"minik8s/kubelet/runtime"
	"minik8s/kubelet/stats"
	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/workqueue"
)

// Kubelet is the node agent of one node.
type Kubelet struct {
	opts   Options
	client *client.Client
	rt     runtime.Runtime
	now    func() time.Time
	// started is when Run began: containers running since before it keep
	// their started/ready status until probed (adoptedStatus).
	started time.Time
	dirs    podDirs
	backoff *Backoff
	sys     sysInfo

	// WriteCNIConfig, when set, is called with the node's pod CIDR once it
	// is known (and again when it changes): it writes the CNI conflist.
	WriteCNIConfig func(podCIDR string) error

	// Informers, when set (before Run), is the node's shared informer
	// factory (cache.NodeScoped), shared with the network agent; nil: the
	// kubelet makes and runs its own.
	Informers *cache.SharedInformerFactory

	// Recorder, when set (before Run), records the kubelet's events:
	// Pulling, Pulled, Created, Started, Killing, BackOff, Failed, ... on
	// pods; Starting, NodeReady, OOMKilling, ... on the node.
	Recorder EventRecorder
	// WithFieldPath, when set, annotates an object with the field path an
	// event is about (record.WithFieldPath), for container events
	// (involvedObject.fieldPath spec.containers{name}).
	WithFieldPath func(obj api.Object, fieldPath string) api.Object

	// Stats, when set (before Run), reads resource usage for
	// /stats/summary (the cgroup reader, on containerd); nil: the
	// runtime's ContainerStats (the fake runtime's SetUsage in tests).
	Stats stats.Provider

	informer  *cache.SharedInformer
	services  *cache.SharedInformer // for containers' service environment
	collector *stats.Collector
	queue     *workqueue.Queue

	cache     *runtimeCache // filled by the relist
	relistNow chan struct{}

	runtimeVersion string

	mu          sync.Mutex
	node        *api.Node
	podCIDR     string
	waits       map[string]map[string]containerWait // pod UID -> container -> wait
	terminating map[string]*termination             // pod UID -> kill in progress
	lastSeen    map[string]string                   // pod UID -> runtime fingerprint (relist)
	changedAt   map[string]time.Time                // pod UID -> when a sync last changed its runtime state
	statuses    map[string]podStatusEntry           // pod UID -> status last computed (read by the probes)

	probes *prober.Manager
	wg     sync.WaitGroup // background kills
	tokens *tokenManager  // projected service account tokens (satoken.go)
}

// New returns a kubelet for opts (completed) on runtime rt.
func New(opts Options, c *client.Client, rt runtime.Runtime) (*Kubelet, error) {
	if err := opts.Complete(); err != nil {
		return nil, err
	}
	k := &Kubelet{
		opts:        opts,
		client:      c,
		rt:          rt,
		now:         time.Now,
		dirs:        podDirs{root: opts.RootDir},
		backoff:     NewBackoff(10*time.Second, 5*time.Minute),
		sys:         readSysInfo(),
		waits:       map[string]map[string]containerWait{},
		terminating: map[string]*termination{},
		lastSeen:    map[string]string{},
		changedAt:   map[string]time.Time{},
		cache:       newRuntimeCache(),
		relistNow:   make(chan struct{}, 1),
		statuses:    map[string]podStatusEntry{},
	}
	k.probes = k.newProbeManager(nil)
	k.tokens = newTokenManager(requestToken(c), func() time.Time { return k.now() })
	return k, nil
}

// SetProbeRunner replaces how probes are sent (tests); call before Run.
func (k *Kubelet) SetProbeRunner(r prober.Runner) { k.probes = k.newProbeManager(r) }

// SetClock replaces the kubelet's clock (tests with a fake runtime clock).
func (k *Kubelet) SetClock(now func() time.Time) { k.now = now }

// SetBackoff replaces the restart back-off (tests).
func (k *Kubelet) SetBackoff(initial, max time.Duration) { k.backoff = NewBackoff(initial, max) }

func (k *Kubelet) setNode(n *api.Node) {
	k.mu.Lock()
	k.node = n
	cidr := podCIDRFor(n, k.opts.PodCIDR)
	changed := cidr != k.podCIDR
	k.podCIDR = cidr
	k.mu.Unlock()
	if changed && cidr != "" && k.WriteCNIConfig != nil {
		if err := k.WriteCNIConfig(cidr); err != nil {
			log.Printf("kubelet: writing the CNI config for %s: %v", cidr, err)
		} else {
			log.Printf("kubelet: CNI config written for pod CIDR %s", cidr)
		}
	}
}

// hostIP is the node IP reported in pod status.
func (k *Kubelet) hostIP() string {
	if k.opts.NodeIP != "" {
		return k.opts.NodeIP
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.node != nil {
		for _, a := range k.node.Status.Addresses {
			if a.Type == api.NodeInternalIP {
				return a.Address
			}
		}
	}
	return ""
}

// Run registers the node and runs the kubelet until ctx ends.
func (k *Kubelet) Run(ctx context.Context) error {
	k.started = k.now()
	k.probes.KubeletStart = k.started
	v, err := k.rt.Version(ctx)
	if err != nil {
		return fmt.Errorf("container runtime: %w", err)
	}
	k.runtimeVersion = v
	ln, err := k.listen()
	if err != nil {
		return err
	}
	k.recorder().Eventf(k.nodeRef(), eventNormal, reasonStarting, "Starting kubelet.")
	var node *api.Node
	for {
		node, err = k.registerNode(ctx)
		if err == nil {
			break
		}
		log.Printf("kubelet: %v (retrying)", err)
		select {
		case <-ctx.Done():
			ln.Close()
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	k.setNode(node)

	informers := k.Informers
	if informers == nil {
		informers = cache.NewSharedInformerFactory(k.client, 0, cache.NodeScoped(k.opts.NodeName))
	}
	k.informer = cache.InformerFor[*api.Pod](informers)
	k.services = cache.InformerFor[*api.Service](informers)
	k.queue = workqueue.New(100*time.Millisecond, 30*time.Second)
	enqueue := func(obj api.Object) { k.queue.Add(cache.Key(obj)) }
	k.informer.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc: enqueue,
		UpdateFunc: func(o, n api.Object) {
			if needsSync(o.(*api.Pod), n.(*api.Pod)) {
				enqueue(n)
			}
		},
		DeleteFunc: enqueue,
	}, k.opts.SyncInterval)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errc := make(chan error, 2)
	informers.Start(ctx) // runs what is not running yet
	if k.Informers == nil {
		defer func() { cancel(); informers.Shutdown() }()
	}
	k.collector = k.newCollector()
	wg.Add(3)
	go func() { defer wg.Done(); k.heartbeat(ctx) }()
	go func() { defer wg.Done(); k.relistLoop(ctx) }()
	go func() { defer wg.Done(); _ = k.collector.Run(ctx) }()
	srv := k.serve(ln, errc)
	for i := 0; i < k.opts.Workers; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); k.worker(ctx) }()
	}
	log.Printf("kubelet: node %s running (runtime %s)", k.opts.NodeName, v)
	<-ctx.Done()
	k.queue.ShutDown()
	sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
	_ = srv.Shutdown(sctx)
	scancel()
	srv.Close()
	wg.Wait()
	k.wg.Wait()
	k.probes.Wait()
	select {
	case err := <-errc:
		return err
	default:
	}
	return nil
}

// worker syncs queued pods until the queue shuts down.
func (k *Kubelet) worker(ctx context.Context) {
	for {
		key, shutdown := k.queue.Get()
		if shutdown {
			return
		}
		retry, err := k.syncPod(ctx, key)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Printf("kubelet: sync pod %s: %v", key, err)
			k.queue.AddRateLimited(key)
		case retry > 0:
			k.queue.Forget(key)
			k.queue.AddAfter(key, retry)
		default:
			k.queue.Forget(key)
		}
		k.queue.Done(key)
	}
}

// needsSync says whether a pod update calls for a sync: a resync (same
// object) or a change of anything but the status (the kubelet's own
// status writes would otherwise make it sync again at once).
func needsSync(o, n *api.Pod) bool {
	if o.ResourceVersion == n.ResourceVersion {
		return true
	}
	a, b := *o, *n
	a.Status, b.Status = api.PodStatus{}, api.PodStatus{}
	a.ResourceVersion, b.ResourceVersion = "", ""
	aj, _ := json.Marshal(&a)
	bj, _ := json.Marshal(&b)
	return string(aj) != string(bj)
}
