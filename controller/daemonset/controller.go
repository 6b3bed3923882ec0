package daemonset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"maps"
	"slices"
	"sync"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/pkg/client/workqueue"
	"minik8s/pkg/controller"
	"minik8s/pkg/labels"
)

// Event reasons, as Kubernetes words them.
const (
	FailedDaemonPodReason = "FailedDaemonPod"
	SelectingAllReason    = "SelectingAll"
)

// BurstReplicas bounds the pods one sync creates or deletes.
const BurstReplicas = 250

// Config tunes the controller.
type Config struct {
	Workers int           // daemon sets synced at once (--concurrent-daemonset-syncs)
	Resync  time.Duration // the handlers' resync period, a backstop (0: the factory's)
}

// Controller reconciles daemon sets.
type Controller struct {
	client       *client.Client
	podControl   controller.PodControl
	recorder     record.EventRecorder
	expectations *controller.Expectations
	dss          *cache.SharedInformer
	pods         *cache.SharedInformer
	nodes        *cache.SharedInformer
	revs         *cache.SharedInformer
	synced       []func() bool
	queue        *workqueue.Queue
	workers      int
	backoff      *failedBackoff
	now          func() time.Time
	logf         func(format string, args ...any)
}

var dsInfo = mustInfo[*api.DaemonSet]()
var revInfo = mustInfo[*api.ControllerRevision]()

func mustInfo[T api.Object]() *api.ResourceInfo {
	info, err := client.InfoFor[T]()
	if err != nil {
		panic(err)
	}
	return info
}

// New returns the controller, following daemon sets, pods, nodes and
// controller revisions through the factory's shared informers; events go
// through rec. Start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, rec record.EventRecorder, cfg Config) *Controller {
	ctl := &Controller{
		client:       c,
		podControl:   controller.RealPodControl{Client: c, Recorder: rec},
		recorder:     rec,
		expectations: controller.NewExpectations(),
		dss:          cache.InformerFor[*api.DaemonSet](f),
		pods:         cache.InformerFor[*api.Pod](f),
		nodes:        cache.InformerFor[*api.Node](f),
		revs:         cache.InformerFor[*api.ControllerRevision](f),
		queue:        workqueue.New(5*time.Millisecond, 60*time.Second),
		workers:      max(cfg.Workers, 1),
		backoff:      newFailedBackoff(time.Second, 15*time.Minute),
		now:          time.Now,
		logf:         log.Printf,
	}
	r1 := ctl.dss.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc:    ctl.enqueue,
		UpdateFunc: func(_, n api.Object) { ctl.enqueue(n) },
		DeleteFunc: func(o api.Object) {
			ctl.expectations.Delete(cache.Key(o))
			ctl.enqueue(o)
		},
	}, cfg.Resync)
	r2 := ctl.pods.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc: ctl.addPod, UpdateFunc: ctl.updatePod, DeleteFunc: ctl.deletePod,
	}, cfg.Resync)
	r3 := ctl.nodes.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc: ctl.nodeChanged, UpdateFunc: ctl.updateNode, DeleteFunc: ctl.nodeChanged,
	}, cfg.Resync)
	revEvent := func(o api.Object) {
		if ref := controller.ControllerOf(o.GetObjectMeta()); ref != nil {
			if ds := ctl.resolveControllerRef(o.GetObjectMeta().Namespace, ref); ds != nil {
				ctl.enqueue(ds)
			}
		}
	}
	r4 := ctl.revs.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc: revEvent, UpdateFunc: func(_, n api.Object) { revEvent(n) }, DeleteFunc: revEvent,
	}, cfg.Resync)
	ctl.synced = []func() bool{ctl.dss.HasSynced, ctl.pods.HasSynced, ctl.nodes.HasSynced, ctl.revs.HasSynced,
		r1.HasSynced, r2.HasSynced, r3.HasSynced, r4.HasSynced}
	return ctl
}

func (c *Controller) enqueue(o api.Object) { c.queue.Add(cache.Key(o)) }

// resolveControllerRef returns the daemon set a controller reference
// points at, if it still exists with that UID.
func (c *Controller) resolveControllerRef(ns string, ref *api.OwnerReference) *api.DaemonSet {
	if ref.Kind != "DaemonSet" || ref.APIVersion != "apps/v1" {
		return nil
	}
	o, ok := c.dss.Store().GetByName(ns, ref.Name)
	if !ok {
		return nil
	}
	ds, ok := o.(*api.DaemonSet)
	if !ok || ds.UID != ref.UID {
		return nil
	}
	return ds
}

// matchingDaemonSets are the daemon sets of the pod's namespace whose
// selector matches it (for orphans).
func (c *Controller) matchingDaemonSets(p *api.Pod) []*api.DaemonSet {
	var out []*api.DaemonSet
	for _, o := range c.dss.Store().Select(p.Namespace, nil) {
		ds, ok := o.(*api.DaemonSet)
		if !ok {
			continue
		}
		if sel, err := labels.FromLabelSelector(ds.Spec.Selector); err == nil && !sel.Empty() && sel.Matches(p.Labels) {
			out = append(out, ds)
		}
	}
	return out
}

func (c *Controller) addPod(o api.Object) {
	p, ok := o.(*api.Pod)
	if !ok {
		return
	}
	if p.DeletionTimestamp != nil {
		c.deletePod(p)
		return
	}
	if ref := controller.ControllerOf(&p.ObjectMeta); ref != nil {
		if ds := c.resolveControllerRef(p.Namespace, ref); ds != nil {
			c.expectations.CreationObserved(cache.Key(ds))
			c.enqueue(ds)
		}
		return
	}
	for _, ds := range c.matchingDaemonSets(p) {
		c.enqueue(ds)
	}
}

func (c *Controller) updatePod(oldObj, newObj api.Object) {
	old, ok1 := oldObj.(*api.Pod)
	cur, ok2 := newObj.(*api.Pod)
	if !ok1 || !ok2 || old.ResourceVersion == cur.ResourceVersion {
		return
	}
	if cur.DeletionTimestamp != nil {
		c.deletePod(cur)
		return
	}
	curRef, oldRef := controller.ControllerOf(&cur.ObjectMeta), controller.ControllerOf(&old.ObjectMeta)
	if oldRef != nil && (curRef == nil || curRef.UID != oldRef.UID) {
		if ds := c.resolveControllerRef(old.Namespace, oldRef); ds != nil {
			c.enqueue(ds)
		}
	}
	if curRef != nil {
		if ds := c.resolveControllerRef(cur.Namespace, curRef); ds != nil {
			c.enqueue(ds)
			// A pod that became ready becomes available minReadySeconds later.
			if !controller.IsPodReady(old) && controller.IsPodReady(cur) && ds.Spec.MinReadySeconds > 0 {
				c.queue.AddAfter(cache.Key(ds), time.Duration(ds.Spec.MinReadySeconds)*time.Second+time.Second)
			}
		}
		return
	}
	if !maps.Equal(old.Labels, cur.Labels) || oldRef != nil {
		for _, ds := range c.matchingDaemonSets(cur) {
			c.enqueue(ds)
		}
	}
}

func (c *Controller) deletePod(o api.Object) {
	p, ok := o.(*api.Pod)
	if !ok {
		return
	}
	if ref := controller.ControllerOf(&p.ObjectMeta); ref != nil {
		if ds := c.resolveControllerRef(p.Namespace, ref); ds != nil {
			c.expectations.DeletionObserved(cache.Key(ds), controller.PodKey(p))
			c.enqueue(ds)
		}
	}
}

// nodeChanged looks at every daemon set again (a node came or went).
func (c *Controller) nodeChanged(api.Object) {
	for _, o := range c.dss.Store().List() {
		c.enqueue(o)
	}
}

// updateNode ignores the status-only updates (heartbeats, conditions) that
// cannot change where daemon pods run.
func (c *Controller) updateNode(oldObj, newObj api.Object) {
	old, ok1 := oldObj.(*api.Node)
	cur, ok2 := newObj.(*api.Node)
	if !ok1 || !ok2 {
		return
	}
	if maps.Equal(old.Labels, cur.Labels) && slices.EqualFunc(old.Spec.Taints, cur.Spec.Taints, taintEqual) &&
		old.Spec.Unschedulable == cur.Spec.Unschedulable {
		return
	}
	c.nodeChanged(cur)
}

func taintEqual(a, b api.Taint) bool {
	return a.Key == b.Key && a.Value == b.Value && a.Effect == b.Effect
}

// Run syncs until ctx ends (the factory runs the informers).
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, c.synced...) {
		return nil
	}
	c.logf("daemonset: controller running with %d workers", c.workers)
	workqueue.RunWorkers(ctx, c.queue, c.workers, c.sync,
		func(key string, err error) { c.logf("daemonset: syncing %s: %v (retrying)", key, err) })
	return nil
}

func (c *Controller) listNodes() []*api.Node {
	var out []*api.Node
	for _, o := range c.nodes.Store().List() {
		if n, ok := o.(*api.Node); ok {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b *api.Node) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

// sync reconciles one daemon set from the informers' current state
// (Kubernetes' syncDaemonSet). The returned delay asks for another look.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name := cache.SplitKey(key)
	o, ok := c.dss.Store().GetByName(ns, name)
	if !ok {
		c.expectations.Delete(key)
		return 0, nil
	}
	ds := o.(*api.DaemonSet)
	if sel := ds.Spec.Selector; sel == nil || (len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0) {
		c.recorder.Eventf(ds, record.EventTypeWarning, SelectingAllReason, "This daemon set is selecting all pods. A non-empty selector is required.")
		return 0, nil
	}
	if ds.DeletionTimestamp != nil {
		return 0, nil
	}
	nodes := c.listNodes()
	pods, err := c.claimPods(ctx, ds)
	if err != nil {
		return 0, err
	}
	cur, old, err := c.constructHistory(ctx, ds)
	if err != nil {
		return 0, fmt.Errorf("constructing the history of %s: %w", key, err)
	}
	hash := revisionHash(cur)
	if !c.expectations.Satisfied(key) {
		// Only the status; observedGeneration waits for the sync proper.
		return c.updateStatus(ctx, ds, nodes, pods, hash, false)
	}
	var errs []error
	requeue, err := c.manage(ctx, ds, nodes, pods, hash)
	errs = append(errs, err)
	if c.expectations.Satisfied(key) && ds.Spec.UpdateStrategy.Type == api.RollingUpdateDaemonSetStrategyType {
		errs = append(errs, c.rollingUpdate(ctx, ds, nodes, pods, hash))
	}
	errs = append(errs, c.cleanupHistory(ctx, ds, old, pods))
	after, err := c.updateStatus(ctx, ds, nodes, pods, hash, true)
	errs = append(errs, err)
	if requeue > 0 && (after == 0 || requeue < after) {
		after = requeue
	}
	return after, errors.Join(errs...)
}

// claimPods returns the daemon set's pods after adopting matching orphans
// and releasing owned pods that stopped matching.
func (c *Controller) claimPods(ctx context.Context, ds *api.DaemonSet) ([]*api.Pod, error) {
	sel, err := labels.FromLabelSelector(ds.Spec.Selector)
	if err != nil {
		return nil, fmt.Errorf("selector of %s/%s: %w", ds.Namespace, ds.Name, err)
	}
	var owned []*api.Pod
	var errs []error
	for _, o := range c.pods.Store().Select(ds.Namespace, nil) {
		p, ok := o.(*api.Pod)
		if !ok {
			continue
		}
		match := sel.Matches(p.Labels)
		ref := controller.ControllerOf(&p.ObjectMeta)
		switch {
		case ref != nil && ref.UID != ds.UID:
		case ref != nil && match:
			owned = append(owned, p)
		case ref != nil:
			patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
				"ownerReferences": []map[string]string{{"$patch": "delete", "uid": ds.UID}}, "uid": p.UID}})
			if err := c.podControl.PatchPod(ctx, p.Namespace, p.Name, patch); err != nil && !client.IsNotFound(err) {
				errs = append(errs, err)
			}
		case match && p.DeletionTimestamp == nil:
			patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
				"ownerReferences": []api.OwnerReference{c.controllerRef(ds)}, "uid": p.UID}})
			if err := c.podControl.PatchPod(ctx, p.Namespace, p.Name, patch); err != nil {
				if !client.IsNotFound(err) {
					errs = append(errs, err)
				}
				continue
			}
			owned = append(owned, p)
		}
	}
	return owned, errors.Join(errs...)
}

func (c *Controller) controllerRef(ds *api.DaemonSet) api.OwnerReference {
	return controller.NewControllerRef(&ds.ObjectMeta, "apps/v1", "DaemonSet")
}

// manage creates the missing daemon pods and deletes those that must go
// (Kubernetes' manage). It returns when a failed pod's backoff ends.
func (c *Controller) manage(ctx context.Context, ds *api.DaemonSet, nodes []*api.Node, pods []*api.Pod, hash string) (time.Duration, error) {
	byNode := nodeToDaemonPods(pods)
	now := c.now()
	var createNodes []string
	var toDelete []*api.Pod
	var requeue time.Duration
	for _, n := range nodes {
		plan := planNode(n, byNode[n.Name], ds, hash, now)
		if plan.create {
			createNodes = append(createNodes, n.Name)
		}
		toDelete = append(toDelete, plan.delete...)
		for _, p := range plan.failed {
			bk := cache.Key(ds) + "/" + n.Name
			if wait := c.backoff.wait(bk, now); wait > 0 {
				if requeue == 0 || wait < requeue {
					requeue = wait
				}
				continue
			}
			c.backoff.next(bk, now)
			c.recorder.Eventf(ds, record.EventTypeWarning, FailedDaemonPodReason,
				"Found failed daemon pod %s/%s on node %s, will try to kill it", p.Namespace, p.Name, n.Name)
			toDelete = append(toDelete, p)
		}
	}
	toDelete = append(toDelete, unscheduledPodsWithoutNode(nodes, byNode)...)
	names := make([]string, len(toDelete))
	for i, p := range toDelete {
		names[i] = p.Name
	}
	return requeue, c.syncNodes(ctx, ds, names, createNodes, hash)
}

// rollingUpdate deletes and creates what the rolling update step plans.
func (c *Controller) rollingUpdate(ctx context.Context, ds *api.DaemonSet, nodes []*api.Node, pods []*api.Pod, hash string) error {
	plan, err := planRollingUpdate(ds, nodes, nodeToDaemonPods(pods), hash, c.now())
	if err != nil {
		return fmt.Errorf("rolling update of %s/%s: %w", ds.Namespace, ds.Name, err)
	}
	return c.syncNodes(ctx, ds, plan.delete, plan.createNodes, hash)
}

// syncNodes deletes the named pods and creates a pod for each node, at
// most BurstReplicas of each, counting them in the expectations first.
func (c *Controller) syncNodes(ctx context.Context, ds *api.DaemonSet, deletePods, createNodes []string, hash string) error {
	key := cache.Key(ds)
	createNodes = createNodes[:min(len(createNodes), BurstReplicas)]
	deletePods = deletePods[:min(len(deletePods), BurstReplicas)]
	if len(createNodes) == 0 && len(deletePods) == 0 {
		return nil
	}
	podKeys := make([]string, len(deletePods))
	for i, n := range deletePods {
		podKeys[i] = ds.Namespace + "/" + n
	}
	c.expectations.Expect(key, len(createNodes), podKeys)
	var errs []error
	if len(createNodes) > 0 {
		tmpl := podTemplate(ds, hash)
		ref := c.controllerRef(ds)
		var mu sync.Mutex
		next := 0
		ok, err := controller.SlowStartBatch(len(createNodes), controller.SlowStartInitialBatchSize, func() error {
			mu.Lock()
			node := createNodes[next]
			next++
			mu.Unlock()
			t := tmpl
			t.Spec = controller.PodFromTemplate(&tmpl, ref).Spec // each pod its own copy
			t.Spec.Affinity = ReplaceNodeNameAffinity(t.Spec.Affinity, node)
			_, err := c.podControl.CreatePod(ctx, ds.Namespace, &t, ds, ref)
			if client.IsAlreadyExists(err) {
				return nil
			}
			return err
		})
		for i := ok; i < len(createNodes); i++ {
			c.expectations.CreationObserved(key) // never created: never observed
		}
		errs = append(errs, err)
	}
	var wg sync.WaitGroup
	errCh := make(chan error, len(deletePods))
	for _, name := range deletePods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.podControl.DeletePod(ctx, ds.Namespace, name, ds); err != nil {
				c.expectations.DeletionObserved(key, ds.Namespace+"/"+name)
				if !client.IsNotFound(err) {
					errCh <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errCh)
	for err := range errCh {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// updateStatus writes the status when it changed, and asks for another
// look when ready pods are waiting out minReadySeconds.
func (c *Controller) updateStatus(ctx context.Context, ds *api.DaemonSet, nodes []*api.Node, pods []*api.Pod, hash string, observed bool) (time.Duration, error) {
	st := calculateStatus(ds, nodes, nodeToDaemonPods(pods), hash, c.now())
	st.ObservedGeneration = ds.Status.ObservedGeneration
	if observed {
		st.ObservedGeneration = ds.Generation
	}
	st.CollisionCount, st.Conditions = ds.Status.CollisionCount, ds.Status.Conditions
	var after time.Duration
	if ds.Spec.MinReadySeconds > 0 && st.NumberAvailable != st.DesiredNumberScheduled {
		after = time.Duration(ds.Spec.MinReadySeconds) * time.Second
	}
	if statusEqual(&st, &ds.Status) {
		return after, nil
	}
	obj := ds
	for attempt := 0; ; attempt++ {
		cp := *obj
		cp.Status = st
		_, err := client.Typed[*api.DaemonSet](c.client, ds.Namespace).UpdateStatus(ctx, &cp)
		if err == nil || client.IsNotFound(err) {
			return after, nil
		}
		if attempt >= 1 || !client.IsConflict(err) {
			return 0, fmt.Errorf("updating status of %s/%s: %w", ds.Namespace, ds.Name, err)
		}
		fresh, gerr := client.Typed[*api.DaemonSet](c.client, ds.Namespace).Get(ctx, ds.Name)
		if gerr != nil {
			return 0, fmt.Errorf("updating status of %s/%s: %w", ds.Namespace, ds.Name, err)
		}
		obj = fresh
	}
}

func statusEqual(a, b *api.DaemonSetStatus) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
