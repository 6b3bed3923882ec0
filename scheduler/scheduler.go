package scheduler

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/pkg/client/workqueue"
	"minik8s/scheduler/framework"
)

// DefaultSchedulerName is the spec.schedulerName this scheduler serves
// (and an empty one).
const DefaultSchedulerName = "default-scheduler"

// Config tunes a Scheduler; zero fields take the defaults.
type Config struct {
	Policy framework.Policy // default: framework.DefaultPolicy
	// SchedulerName is the spec.schedulerName served (default
	// default-scheduler; pods with none are served too).
	SchedulerName string
	// UnschedulableFlush is how long a pod that fits nowhere waits for a
	// change before it is tried again anyway (default 60s).
	UnschedulableFlush time.Duration
	// Binders is how many bindings may be in flight (default 16).
	Binders int
	Logf    func(format string, args ...any)
}

// Scheduler binds unscheduled pods to nodes.
type Scheduler struct {
	client   *client.Client
	cfg      Config
	recorder record.EventRecorder
	cache    *Cache
	pods     *cache.SharedInformer
	nodes    *cache.SharedInformer
	synced   []func() bool
	queue    *workqueue.Queue
	rand     *rand.Rand
	bindSem  chan struct{}
	bindWG   sync.WaitGroup

	mu            sync.Mutex
	unschedulable map[string]bool // waiting for a change
	moveCycle     int64           // bumped on every change that may help them

	nextStart int // where the next search over the nodes starts

	bound  atomic.Int64
	failed atomic.Int64
}

// New returns a scheduler over the factory's shared pod and node
// informers; start the factory after New. recorder gets the Scheduled and
// FailedScheduling events.
func New(c *client.Client, f *cache.SharedInformerFactory, recorder record.EventRecorder, cfg Config) *Scheduler {
	if cfg.Policy.Name == "" {
		cfg.Policy, _ = framework.LookupPolicy(framework.DefaultPolicy)
	}
	if cfg.SchedulerName == "" {
		cfg.SchedulerName = DefaultSchedulerName
	}
	if cfg.UnschedulableFlush <= 0 {
		cfg.UnschedulableFlush = 60 * time.Second
	}
	if cfg.Binders <= 0 {
		cfg.Binders = 16
	}
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	s := &Scheduler{
		client: c, cfg: cfg, recorder: recorder, cache: NewCache(),
		pods:          cache.InformerFor[*api.Pod](f),
		nodes:         cache.InformerFor[*api.Node](f),
		queue:         workqueue.New(100*time.Millisecond, 10*time.Second),
		rand:          rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0)),
		bindSem:       make(chan struct{}, cfg.Binders),
		unschedulable: map[string]bool{},
	}
	pr := s.pods.AddEventHandler(cache.HandlerFuncs{
		AddFunc:    func(o api.Object) { s.onPod(nil, o.(*api.Pod)) },
		UpdateFunc: func(old, o api.Object) { s.onPod(old.(*api.Pod), o.(*api.Pod)) },
		DeleteFunc: func(o api.Object) { s.onPodDelete(o.(*api.Pod)) },
	})
	nr := s.nodes.AddEventHandler(cache.HandlerFuncs{
		AddFunc: func(o api.Object) {
			s.cache.SetNode(o.(*api.Node))
			s.moveAll()
		},
		UpdateFunc: func(old, o api.Object) {
			n := o.(*api.Node)
			s.cache.SetNode(n)
			if SchedulingChanged(old.(*api.Node), n) {
				s.moveAll()
			}
		},
		DeleteFunc: func(o api.Object) { s.cache.RemoveNode(o.(*api.Node).Name) },
	})
	s.synced = []func() bool{s.pods.HasSynced, s.nodes.HasSynced, pr.HasSynced, nr.HasSynced}
	return s
}

// Bound is how many pods this scheduler has bound; Failed how many
// scheduling attempts found no node.
func (s *Scheduler) Bound() int64  { return s.bound.Load() }
func (s *Scheduler) Failed() int64 { return s.failed.Load() }

// responsible reports whether the pod is ours to schedule now.
func (s *Scheduler) responsible(p *api.Pod) bool {
	return p.Spec.NodeName == "" && p.DeletionTimestamp == nil && !isTerminal(p) &&
		(p.Spec.SchedulerName == "" || p.Spec.SchedulerName == s.cfg.SchedulerName)
}

func (s *Scheduler) onPod(old, p *api.Pod) {
	s.cache.SetPod(p)
	key := cache.Key(p)
	if s.responsible(p) {
		s.mu.Lock()
		waiting := s.unschedulable[key]
		s.mu.Unlock()
		// An unschedulable pod waits for a change elsewhere; a change of
		// its own spec (or a new pod) is tried at once.
		if !waiting || old == nil || !reflect.DeepEqual(old.Spec, p.Spec) {
			s.mu.Lock()
			delete(s.unschedulable, key)
			s.mu.Unlock()
			s.queue.Add(key)
		}
		return
	}
	// A pod that leaves a node (finished) frees room.
	if old != nil && old.Spec.NodeName != "" && !isTerminal(old) && isTerminal(p) {
		s.moveAll()
	}
}

func (s *Scheduler) onPodDelete(p *api.Pod) {
	s.cache.RemovePod(p)
	s.mu.Lock()
	delete(s.unschedulable, cache.Key(p))
	s.mu.Unlock()
	if p.Spec.NodeName != "" {
		s.moveAll()
	}
}

// moveAll queues every pod waiting for a change.
func (s *Scheduler) moveAll() {
	s.mu.Lock()
	s.moveCycle++
	keys := make([]string, 0, len(s.unschedulable))
	for k := range s.unschedulable {
		keys = append(keys, k)
	}
	clear(s.unschedulable)
	s.mu.Unlock()
	for _, k := range keys {
		s.queue.Add(k)
	}
}

// SchedulingChanged reports whether a node update can let a waiting pod
// fit: allocatable, labels, taints, cordon or readiness changed (not a
// heartbeat).
func SchedulingChanged(old, n *api.Node) bool {
	ready := func(n *api.Node) bool {
		for _, c := range n.Status.Conditions {
			if c.Type == api.NodeReady {
				return c.Status == api.ConditionTrue
			}
		}
		return false
	}
	return !reflect.DeepEqual(old.Status.Allocatable, n.Status.Allocatable) ||
		!reflect.DeepEqual(old.Status.Capacity, n.Status.Capacity) ||
		!reflect.DeepEqual(old.Labels, n.Labels) ||
		!reflect.DeepEqual(old.Spec.Taints, n.Spec.Taints) ||
		old.Spec.Unschedulable != n.Spec.Unschedulable ||
		ready(old) != ready(n)
}

// Run schedules until ctx ends (the factory runs the informers).
func (s *Scheduler) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		<-ctx.Done()
		s.queue.ShutDown()
	}()
	if !cache.WaitForCacheSync(ctx, s.synced...) {
		return nil
	}
	s.cfg.Logf("scheduler: policy %s, %d nodes", s.cfg.Policy.Name, s.cache.NodeCount())
	go func() {
		t := time.NewTicker(s.cfg.UnschedulableFlush)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.moveAll()
			}
		}
	}()
	defer s.bindWG.Wait()
	for {
		key, shutdown := s.queue.Get()
		if shutdown {
			return nil
		}
		s.scheduleOne(ctx, key)
	}
}

// scheduleOne decides for one pod; the binding runs in the background and
// marks the key done.
func (s *Scheduler) scheduleOne(ctx context.Context, key string) {
	ns, name := cache.SplitKey(key)
	pod, ok := cache.NewLister[*api.Pod](s.pods.Store()).Get(ns, name)
	if !ok || !s.responsible(pod) || s.cache.IsAssumed(key) {
		s.queue.Forget(key)
		s.queue.Done(key)
		return
	}
	s.mu.Lock()
	cycle := s.moveCycle
	s.mu.Unlock()
	var res framework.Result
	var err error
	s.cache.Schedule(func(nodes []*framework.NodeInfo) {
		res, s.nextStart, err = framework.ScheduleFrom(s.cfg.Policy, pod, nodes, s.nextStart, s.rand.IntN)
		if err == nil {
			s.cache.assumeLocked(pod, res.Node)
		}
	})
	if err != nil {
		s.failed.Add(1)
		s.recorder.Event(pod, record.EventTypeWarning, "FailedScheduling", err.Error())
		s.setUnschedulable(ctx, pod, err.Error())
		s.mu.Lock()
		if s.moveCycle != cycle {
			// Something changed while we decided: try again soon.
			s.mu.Unlock()
			s.queue.AddRateLimited(key)
		} else {
			s.unschedulable[key] = true
			s.mu.Unlock()
		}
		s.queue.Done(key)
		return
	}
	s.bindSem <- struct{}{}
	s.bindWG.Add(1)
	go func() {
		defer func() {
			<-s.bindSem
			s.bindWG.Done()
			s.queue.Done(key)
		}()
		s.bind(ctx, key, pod, res.Node)
	}()
}

// bind posts the binding and reports it; a failed binding drops the
// assumption and retries the pod.
func (s *Scheduler) bind(ctx context.Context, key string, pod *api.Pod, node string) {
	err := s.client.Bind(ctx, pod.Namespace, pod.Name, node)
	if err != nil {
		s.cache.Forget(pod)
		switch {
		case client.IsNotFound(err), client.IsConflict(err):
			// Deleted, or bound by someone else: the informer will tell.
			s.queue.Forget(key)
		case ctx.Err() == nil:
			s.cfg.Logf("scheduler: binding %s to %s: %v (retrying)", key, node, err)
			s.queue.AddRateLimited(key)
		}
		return
	}
	s.queue.Forget(key)
	s.bound.Add(1)
	s.recorder.Eventf(pod, record.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s", pod.Namespace, pod.Name, node)
}

// setUnschedulable writes the PodScheduled=False condition as
// kube-scheduler does, so `kubectl get/describe` show why.
func (s *Scheduler) setUnschedulable(ctx context.Context, pod *api.Pod, msg string) {
	for _, c := range pod.Status.Conditions {
		if c.Type == api.PodScheduled && c.Status == api.ConditionFalse && c.Reason == "Unschedulable" && c.Message == msg {
			return
		}
	}
	q := *pod
	q.Status.Conditions = append([]api.PodCondition(nil), pod.Status.Conditions...)
	cond := api.PodCondition{Type: api.PodScheduled, Status: api.ConditionFalse, Reason: "Unschedulable", Message: msg, LastTransitionTime: api.Now()}
	replaced := false
	for i := range q.Status.Conditions {
		if q.Status.Conditions[i].Type == api.PodScheduled {
			q.Status.Conditions[i], replaced = cond, true
		}
	}
	if !replaced {
		q.Status.Conditions = append(q.Status.Conditions, cond)
	}
	if _, err := s.client.Pods(pod.Namespace).UpdateStatus(ctx, &q); err != nil && !errors.Is(err, context.Canceled) &&
		!client.IsConflict(err) && !client.IsNotFound(err) {
		s.cfg.Logf("scheduler: pod %s/%s condition: %v", pod.Namespace, pod.Name, fmt.Errorf("update status: %w", err))
	}
}
