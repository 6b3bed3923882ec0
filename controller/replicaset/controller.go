package replicaset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"maps"
	"strings"
	"sync"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/pkg/client/workqueue"
	"minik8s/pkg/controller"
)

// Config tunes the controller.
type Config struct {
	Workers int           // objects synced at once (--concurrent-replicaset-syncs)
	Resync  time.Duration // the handlers' resync period, a backstop (0: the factory's)
}

// Controller reconciles one kind (ReplicaSet or ReplicationController).
type Controller struct {
	kind         Kind
	client       *client.Client
	podControl   controller.PodControl
	recorder     record.EventRecorder
	expectations *controller.Expectations
	owners       *cache.SharedInformer
	pods         *cache.SharedInformer
	synced       []func() bool
	queue        *workqueue.Queue
	workers      int
	burst        int
	now          func() time.Time
	logf         func(format string, args ...any)
}

// New returns the controller of kind, following pods and the kind through
// the factory's shared informers; events are recorded through rec. Start
// the factory after New.
func New(kind Kind, c *client.Client, f *cache.SharedInformerFactory, rec record.EventRecorder, cfg Config) *Controller {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	ctl := &Controller{
		kind:         kind,
		client:       c,
		podControl:   controller.RealPodControl{Client: c, Recorder: rec},
		recorder:     rec,
		expectations: controller.NewExpectations(),
		owners:       f.ForResource(kind.Info),
		pods:         cache.InformerFor[*api.Pod](f),
		queue:        workqueue.New(5*time.Millisecond, 60*time.Second),
		workers:      cfg.Workers,
		burst:        BurstReplicas,
		now:          time.Now,
		logf:         log.Printf,
	}
	r1 := ctl.owners.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc:    ctl.enqueue,
		UpdateFunc: func(_, n api.Object) { ctl.enqueue(n) },
		DeleteFunc: func(o api.Object) {
			key := o.GetObjectMeta().Namespace + "/" + o.GetObjectMeta().Name
			ctl.expectations.Delete(key)
			ctl.queue.Add(key)
		},
	}, cfg.Resync)
	r2 := ctl.pods.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc:    ctl.addPod,
		UpdateFunc: ctl.updatePod,
		DeleteFunc: ctl.deletePod,
	}, cfg.Resync)
	ctl.synced = []func() bool{ctl.owners.HasSynced, ctl.pods.HasSynced, r1.HasSynced, r2.HasSynced}
	return ctl
}

// Expectations exposes the controller's expectations (tests).
func (c *Controller) Expectations() *controller.Expectations { return c.expectations }

func (c *Controller) enqueue(o api.Object) {
	m := o.GetObjectMeta()
	c.queue.Add(m.Namespace + "/" + m.Name)
}

// resolveControllerRef returns the owner a pod's controller reference
// points at, if it is of our kind and still the same object.
func (c *Controller) resolveControllerRef(ns string, ref *api.OwnerReference) *view {
	if ref.Kind != c.kind.Info.Kind || groupOf(ref.APIVersion) != c.kind.Info.Group {
		return nil
	}
	o, ok := c.owners.Store().GetByName(ns, ref.Name)
	if !ok {
		return nil
	}
	v, ok := c.kind.view(o)
	if !ok || v.meta.UID != ref.UID {
		return nil
	}
	return v
}

func groupOf(apiVersion string) string {
	if i := strings.Index(apiVersion, "/"); i >= 0 {
		return apiVersion[:i]
	}
	return ""
}

// ownersMatching lists the owners in the pod's namespace whose selector
// matches it (for orphans).
func (c *Controller) ownersMatching(p *api.Pod) []*view {
	var out []*view
	for _, o := range c.owners.Store().Select(p.Namespace, nil) {
		if v, ok := c.kind.view(o); ok && v.selector.Matches(p.Labels) {
			out = append(out, v)
		}
	}
	return out
}

func keyOf(v *view) string { return v.meta.Namespace + "/" + v.meta.Name }

func (c *Controller) addPod(o api.Object) {
	p, ok := o.(*api.Pod)
	if !ok {
		return
	}
	if p.DeletionTimestamp != nil {
		// A restarted controller can see a pod already being deleted.
		c.deletePod(p)
		return
	}
	if ref := controller.ControllerOf(&p.ObjectMeta); ref != nil {
		if v := c.resolveControllerRef(p.Namespace, ref); v != nil {
			c.expectations.CreationObserved(keyOf(v))
			c.queue.Add(keyOf(v))
		}
		return
	}
	for _, v := range c.ownersMatching(p) {
		c.queue.Add(keyOf(v))
	}
}

func (c *Controller) updatePod(oldObj, newObj api.Object) {
	old, ok1 := oldObj.(*api.Pod)
	cur, ok2 := newObj.(*api.Pod)
	if !ok1 || !ok2 || old.ResourceVersion == cur.ResourceVersion {
		return // a resync: the owners' own resync covers it
	}
	labelsChanged := !maps.Equal(old.Labels, cur.Labels)
	if cur.DeletionTimestamp != nil {
		// Deletion starts with a graceful update; count it now so the
		// replacement is not delayed by the grace period.
		c.deletePod(cur)
		if labelsChanged {
			c.deletePod(old)
		}
		return
	}
	curRef, oldRef := controller.ControllerOf(&cur.ObjectMeta), controller.ControllerOf(&old.ObjectMeta)
	if oldRef != nil && (curRef == nil || curRef.UID != oldRef.UID) {
		if v := c.resolveControllerRef(old.Namespace, oldRef); v != nil {
			c.queue.Add(keyOf(v))
		}
	}
	if curRef != nil {
		if v := c.resolveControllerRef(cur.Namespace, curRef); v != nil {
			c.queue.Add(keyOf(v))
			// A pod that became ready becomes available minReadySeconds later.
			if !controller.IsPodReady(old) && controller.IsPodReady(cur) && v.minReady > 0 {
				c.queue.AddAfter(keyOf(v), time.Duration(v.minReady)*time.Second+time.Second)
			}
		}
		return
	}
	if labelsChanged || oldRef != nil {
		for _, v := range c.ownersMatching(cur) {
			c.queue.Add(keyOf(v))
		}
	}
}

func (c *Controller) deletePod(o api.Object) {
	p, ok := o.(*api.Pod)
	if !ok {
		return
	}
	ref := controller.ControllerOf(&p.ObjectMeta)
	if ref == nil {
		return
	}
	if v := c.resolveControllerRef(p.Namespace, ref); v != nil {
		c.expectations.DeletionObserved(keyOf(v), controller.PodKey(p))
		c.queue.Add(keyOf(v))
	}
}

// Run syncs until ctx ends (the factory runs the informers).
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, c.synced...) {
		return nil
	}
	c.logf("%s: controller running with %d workers", c.kind.Name, c.workers)
	workqueue.RunWorkers(ctx, c.queue, c.workers, func(ctx context.Context, key string) (time.Duration, error) {
		return 0, c.sync(ctx, key)
	}, func(key string, err error) { c.logf("%s: syncing %s: %v (retrying)", c.kind.Name, key, err) })
	return nil
}

// sync reconciles one object from the informers' current state.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, _ := strings.Cut(key, "/")
	o, ok := c.owners.Store().GetByName(ns, name)
	if !ok {
		c.expectations.Delete(key)
		return nil
	}
	v, ok := c.kind.view(o)
	if !ok {
		return nil
	}
	needsSync := c.expectations.Satisfied(key)
	var all []*api.Pod
	for _, po := range c.pods.Store().Select(ns, nil) {
		if p, ok := po.(*api.Pod); ok {
			all = append(all, p)
		}
	}
	pods, err := c.claimPods(ctx, v, controller.FilterActivePods(all))
	if err != nil {
		return err
	}
	var manageErr error
	missing := int(v.replicas) - len(pods)
	if needsSync && v.meta.DeletionTimestamp == nil {
		manageErr = c.manageReplicas(ctx, v, pods, all)
	}
	now := c.now()
	st := calculateStatus(v, pods, manageErr, missing, now)
	st.ObservedGeneration = v.meta.Generation
	if !statusEqual(st, v.status) {
		if err := c.updateStatus(ctx, v, st); err != nil {
			return err
		}
	}
	if manageErr != nil {
		return manageErr
	}
	// Look again when the ready pods become available.
	if v.minReady > 0 && st.ReadyReplicas == v.replicas && st.AvailableReplicas != v.replicas {
		c.queue.AddAfter(key, time.Duration(v.minReady)*time.Second)
	}
	return nil
}

// updateStatus writes st, retrying once on a conflict with a fresh copy.
func (c *Controller) updateStatus(ctx context.Context, v *view, st Status) error {
	obj := v.obj
	for attempt := 0; ; attempt++ {
		_, err := c.kind.update(ctx, c.client, obj, st)
		if err == nil || client.IsNotFound(err) {
			return nil
		}
		if attempt >= 1 || !client.IsConflict(err) {
			return fmt.Errorf("updating status of %s: %w", keyOf(v), err)
		}
		fresh, gerr := c.client.Get(ctx, c.kind.Info, v.meta.Namespace, v.meta.Name)
		if gerr != nil {
			return fmt.Errorf("updating status of %s: %w", keyOf(v), err)
		}
		obj = fresh
	}
}

// claimPods adopts matching orphans and releases pods that stopped
// matching; it returns the pods the controller owns afterwards.
func (c *Controller) claimPods(ctx context.Context, v *view, pods []*api.Pod) ([]*api.Pod, error) {
	deleting := v.meta.DeletionTimestamp != nil
	var owned []*api.Pod
	var errs []error
	canAdopt := -1 // unknown until the first adoption needs it
	for _, p := range pods {
		switch claimDecision(p, v.meta.UID, deleting, v.selector) {
		case claimKeep:
			owned = append(owned, p)
		case claimRelease:
			if err := c.releasePod(ctx, v, p); err != nil && !client.IsNotFound(err) {
				errs = append(errs, err)
			}
		case claimAdopt:
			if canAdopt < 0 {
				canAdopt = 0
				if err := c.recheckOwner(ctx, v); err != nil {
					errs = append(errs, err)
				} else {
					canAdopt = 1
				}
			}
			if canAdopt == 0 {
				continue
			}
			if err := c.adoptPod(ctx, v, p); err != nil {
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

// recheckOwner reads the owner from the apiserver before adopting, so a
// deleted-and-recreated object of the same name never adopts (Kubernetes'
// RecheckDeletionTimestamp).
func (c *Controller) recheckOwner(ctx context.Context, v *view) error {
	fresh, err := c.client.Get(ctx, c.kind.Info, v.meta.Namespace, v.meta.Name)
	if err != nil {
		return fmt.Errorf("can't recheck %s before adopting: %w", keyOf(v), err)
	}
	m := fresh.GetObjectMeta()
	if m.UID != v.meta.UID {
		return fmt.Errorf("original %s %s is gone: got uid %s, wanted %s", c.kind.Info.Kind, keyOf(v), m.UID, v.meta.UID)
	}
	if m.DeletionTimestamp != nil {
		return fmt.Errorf("%s %s has just been deleted at %v", c.kind.Info.Kind, keyOf(v), m.DeletionTimestamp.Time)
	}
	return nil
}

func (c *Controller) controllerRef(v *view) api.OwnerReference {
	return controller.NewControllerRef(v.meta, c.kind.Info.APIVersion(), c.kind.Info.Kind)
}

func (c *Controller) adoptPod(ctx context.Context, v *view, p *api.Pod) error {
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []api.OwnerReference{c.controllerRef(v)}, "uid": p.UID}})
	return c.podControl.PatchPod(ctx, p.Namespace, p.Name, patch)
}

func (c *Controller) releasePod(ctx context.Context, v *view, p *api.Pod) error {
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []map[string]string{{"$patch": "delete", "uid": v.meta.UID}}, "uid": p.UID}})
	return c.podControl.PatchPod(ctx, p.Namespace, p.Name, patch)
}

// manageReplicas creates or deletes pods so that v has replicas of them.
func (c *Controller) manageReplicas(ctx context.Context, v *view, pods, all []*api.Pod) error {
	key := keyOf(v)
	create, del := scaleDecision(len(pods), v.replicas, c.burst)
	switch {
	case create > 0:
		c.expectations.ExpectCreations(key, create)
		ref := c.controllerRef(v)
		ok, err := controller.SlowStartBatch(create, controller.SlowStartInitialBatchSize, func() error {
			_, err := c.podControl.CreatePod(ctx, v.meta.Namespace, v.template, v.obj, ref)
			return err
		})
		for i := ok; i < create; i++ {
			// Never created: nothing will be observed.
			c.expectations.CreationObserved(key)
		}
		return err
	case del > 0:
		victims := podsToDelete(append([]*api.Pod(nil), pods...), c.relatedPods(v, all), del, c.now())
		keys := make([]string, len(victims))
		for i, p := range victims {
			keys[i] = controller.PodKey(p)
		}
		c.expectations.ExpectDeletions(key, keys)
		errCh := make(chan error, len(victims))
		var wg sync.WaitGroup
		for _, p := range victims {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := c.podControl.DeletePod(ctx, p.Namespace, p.Name, v.obj); err != nil {
					c.expectations.DeletionObserved(key, controller.PodKey(p))
					if !client.IsNotFound(err) {
						errCh <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errCh)
		return <-errCh // the first error, if any
	}
	return nil
}

// relatedPods are the active pods of every object of our kind controlled
// by the same owner as v (a Deployment's replica sets); none when v has
// no controller.
func (c *Controller) relatedPods(v *view, all []*api.Pod) []*api.Pod {
	ref := controller.ControllerOf(v.meta)
	if ref == nil {
		return nil
	}
	siblings := map[string]bool{}
	for _, o := range c.owners.Store().Select(v.meta.Namespace, nil) {
		if r := controller.ControllerOf(o.GetObjectMeta()); r != nil && r.UID == ref.UID {
			siblings[o.GetObjectMeta().UID] = true
		}
	}
	var out []*api.Pod
	for _, p := range all {
		if r := controller.ControllerOf(&p.ObjectMeta); r != nil && siblings[r.UID] && controller.IsPodActive(p) {
			out = append(out, p)
		}
	}
	return out
}
