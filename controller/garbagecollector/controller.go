package garbagecollector

import (
	"context"
	"errors"
	"fmt"
	"log"
	"slices"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/workqueue"
)

// Config tunes the collector.
type Config struct {
	Workers int           // objects handled at once (--concurrent-gc-syncs)
	Resync  time.Duration // the handlers' resync (a backstop; 0: the factory's)
}

// Controller is the garbage collector.
type Controller struct {
	client    *client.Client
	graph     *graph
	queue     *workqueue.Queue
	synced    []func() bool
	resources []*api.ResourceInfo // followed
	workers   int
	logf      func(format string, args ...any)
}

// ignored are the resources the collector does not follow: events own
// nothing and are many.
var ignored = map[string]bool{"events": true}

// New returns a collector that follows every resource of pkg/api through
// the factory's shared informers. Start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, cfg Config) *Controller {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	gc := &Controller{
		client:  c,
		graph:   newGraph(),
		queue:   workqueue.New(20*time.Millisecond, 30*time.Second),
		workers: cfg.Workers,
		logf:    log.Printf,
	}
	for _, info := range api.Resources {
		if ignored[info.GroupResource()] {
			continue
		}
		gc.resources = append(gc.resources, info)
		inf := f.ForResource(info)
		h := cache.HandlerFuncs{
			AddFunc:    func(obj api.Object) { gc.observe(info, obj) },
			UpdateFunc: func(_, obj api.Object) { gc.observe(info, obj) },
			DeleteFunc: gc.forget,
		}
		var reg *cache.Registration
		if cfg.Resync > 0 {
			reg = inf.AddEventHandlerWithResyncPeriod(h, cfg.Resync)
		} else {
			reg = inf.AddEventHandler(h)
		}
		gc.synced = append(gc.synced, inf.HasSynced, reg.HasSynced)
	}
	return gc
}

// observe records an added or changed object and queues what it may
// concern: itself, its owners waiting for their dependents, and, when it
// is being deleted, its dependents.
func (gc *Controller) observe(info *api.ResourceInfo, obj api.Object) {
	n := nodeOf(info, obj)
	if n.uid == "" {
		return
	}
	old := gc.graph.upsert(n)
	gc.queue.Add(n.uid)
	for _, r := range n.owners {
		old = append(old, r.UID)
	}
	gc.enqueueWaiting(old)
	if n.deleting {
		for _, d := range gc.graph.dependentsOf(n.uid) {
			gc.queue.Add(d.uid)
		}
	}
}

// forget drops a deleted object and queues its dependents (their owner is
// gone) and its waiting owners (a dependent is gone).
func (gc *Controller) forget(obj api.Object) {
	m := obj.GetObjectMeta()
	n := gc.graph.get(m.UID)
	gc.graph.remove(m.UID)
	for _, d := range gc.graph.dependentsOf(m.UID) {
		gc.queue.Add(d.uid)
	}
	var owners []string
	for _, r := range m.OwnerReferences {
		owners = append(owners, r.UID)
	}
	if n != nil {
		for _, r := range n.owners {
			owners = append(owners, r.UID)
		}
	}
	gc.enqueueWaiting(owners)
}

// enqueueWaiting queues the owners that are being deleted (orphan or
// foreground): they wait for their dependents.
func (gc *Controller) enqueueWaiting(owners []string) {
	for _, uid := range owners {
		if o := gc.graph.get(uid); o != nil && o.deleting {
			gc.queue.Add(uid)
		}
	}
}

// Run collects garbage until ctx ends (the factory runs the informers).
func (gc *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, gc.synced...) {
		return nil
	}
	gc.logf("garbagecollector: running with %d workers", gc.workers)
	workqueue.RunWorkers(ctx, gc.queue, gc.workers, func(ctx context.Context, uid string) (time.Duration, error) {
		return 0, gc.sync(ctx, uid)
	}, func(uid string, err error) { gc.logf("garbagecollector: %s: %v (retrying)", uid, err) })
	return nil
}

// sync handles one object: an owner being deleted with the orphan or
// foregroundDeletion finalizer, or a dependent whose owners may be gone.
func (gc *Controller) sync(ctx context.Context, uid string) error {
	n := gc.graph.get(uid)
	if n == nil || (!n.deleting && len(n.owners) == 0) {
		return nil
	}
	if !n.deleting {
		if p, err := gc.planFor(ctx, n); err != nil || p.Action == actNone {
			return err
		}
	}
	// Act on the object as it is now, as Kubernetes' attemptToDeleteItem
	// does: the graph may still hold an older version (owner references
	// since removed by an orphaning owner whose own removal was seen
	// first), and acting on it would delete an orphaned dependent.
	n, err := gc.latest(ctx, n)
	if n == nil || err != nil {
		return err
	}
	if n.deleting {
		switch {
		case n.has(finalizerOrphan):
			return gc.orphanDependents(ctx, n)
		case n.has(finalizerForeground):
			return gc.deleteDependentsFirst(ctx, n)
		}
		return nil // going anyway
	}
	if len(n.owners) == 0 {
		return nil // orphaned meanwhile
	}
	p, err := gc.planFor(ctx, n)
	if err != nil {
		return err
	}
	switch p.Action {
	case actRemoveRefs:
		return gc.removeRefs(ctx, n, p.RemoveRefs)
	case actDelete:
		policy := string(p.Policy)
		uid := n.uid
		err := gc.client.Delete(ctx, n.info, n.namespace, n.name, &api.DeleteOptions{
			Preconditions: &api.Preconditions{UID: &uid}, PropagationPolicy: &policy})
		if err != nil && !client.IsNotFound(err) && !client.IsConflict(err) {
			return fmt.Errorf("deleting %s %s/%s: %w", n.info.Resource, n.namespace, n.name, err)
		}
	}
	return nil
}

// planFor decides for the dependent n from the states of its owners.
func (gc *Controller) planFor(ctx context.Context, n *node) (plan, error) {
	refs := make([]ownerRefState, 0, len(n.owners))
	for _, r := range n.owners {
		st, err := gc.ownerState(ctx, n, r)
		if err != nil {
			return plan{}, err
		}
		refs = append(refs, ownerRefState{UID: r.UID, State: st})
	}
	return planDependent(refs, n.finalizers), nil
}

// latest reads n from the apiserver: nil if it is gone or was replaced
// by another object of the same name.
func (gc *Controller) latest(ctx context.Context, n *node) (*node, error) {
	obj, err := gc.client.Get(ctx, n.info, n.namespace, n.name)
	switch {
	case client.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("getting %s %s/%s: %w", n.info.Resource, n.namespace, n.name, err)
	}
	if obj.GetObjectMeta().UID != n.uid {
		return nil, nil
	}
	return nodeOf(n.info, obj), nil
}

// ownerState finds what became of n's owner r: the graph answers for an
// owner it holds; one it does not hold is looked up (it may be gone, or
// not yet seen).
func (gc *Controller) ownerState(ctx context.Context, n *node, r api.OwnerReference) (ownerState, error) {
	if o := gc.graph.get(r.UID); o != nil {
		if o.waitingForDependents() {
			return ownerWaiting, nil
		}
		return ownerSolid, nil
	}
	info, err := api.ForKind(r.APIVersion, r.Kind)
	if err != nil {
		return ownerSolid, nil // a kind we do not serve: cannot tell, keep the dependent
	}
	ns := ""
	if info.Namespaced {
		if n.namespace == "" {
			// A cluster-scoped dependent of a namespaced kind: unresolvable,
			// never collected (as in Kubernetes).
			return ownerSolid, nil
		}
		ns = n.namespace
	}
	obj, err := gc.client.Get(ctx, info, ns, r.Name)
	switch {
	case client.IsNotFound(err):
		return ownerDangling, nil
	case err != nil:
		return 0, fmt.Errorf("looking up owner %s %s: %w", r.Kind, r.Name, err)
	}
	m := obj.GetObjectMeta()
	switch {
	case m.UID != r.UID:
		return ownerDangling, nil
	case m.DeletionTimestamp != nil && slices.Contains(m.Finalizers, finalizerForeground):
		return ownerWaiting, nil
	}
	return ownerSolid, nil
}

// orphanDependents removes n from the owner references of its dependents,
// then removes n's orphan finalizer.
func (gc *Controller) orphanDependents(ctx context.Context, n *node) error {
	deps, err := gc.dependents(ctx, n)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range deps {
		if err := gc.removeRefs(ctx, d, []string{n.uid}); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return gc.removeFinalizer(ctx, n, finalizerOrphan)
}

// deleteDependentsFirst handles an owner deleted in the foreground.
func (gc *Controller) deleteDependentsFirst(ctx context.Context, n *node) error {
	deps, err := gc.dependents(ctx, n)
	if err != nil {
		return err
	}
	states := make([]dependentState, 0, len(deps))
	for _, d := range deps {
		r, _ := d.ownerRef(n.uid)
		states = append(states, dependentState{UID: d.uid, Deleting: d.deleting,
			Blocking: r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion})
	}
	look, done := planForeground(states)
	for _, uid := range look {
		gc.queue.Add(uid)
	}
	if !done {
		return nil // the dependents' deletions queue n again
	}
	return gc.removeFinalizer(ctx, n, finalizerForeground)
}

// removeRefs drops the owner references uids from n.
func (gc *Controller) removeRefs(ctx context.Context, n *node, uids []string) error {
	return gc.change(ctx, n, func(m *api.ObjectMeta) bool {
		refs := removeOwnerRefs(m.OwnerReferences, uids)
		if len(refs) == len(m.OwnerReferences) {
			return false
		}
		m.OwnerReferences = refs
		return true
	})
}

// removeFinalizer drops finalizer f from n.
func (gc *Controller) removeFinalizer(ctx context.Context, n *node, f string) error {
	return gc.change(ctx, n, func(m *api.ObjectMeta) bool {
		if !slices.Contains(m.Finalizers, f) {
			return false
		}
		m.Finalizers = slices.DeleteFunc(slices.Clone(m.Finalizers), func(s string) bool { return s == f })
		return true
	})
}

// change reads n, applies edit to its metadata and writes it back if
// edit changed it; a conflict is returned (the queue retries).
func (gc *Controller) change(ctx context.Context, n *node, edit func(*api.ObjectMeta) bool) error {
	obj, err := gc.client.Get(ctx, n.info, n.namespace, n.name)
	if client.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	m := obj.GetObjectMeta()
	if m.UID != n.uid || !edit(m) {
		return nil
	}
	if _, err := gc.client.Update(ctx, n.info, n.namespace, obj); err != nil && !client.IsNotFound(err) {
		return fmt.Errorf("updating %s %s/%s: %w", n.info.Resource, n.namespace, n.name, err)
	}
	return nil
}

// dependents lists n's dependents from the apiserver, not the graph: an
// owner deleted right after its dependents were created may be seen
// before them, and orphaning or finishing a foreground deletion on a
// partial graph would lose them. Dependents of a namespaced owner are in
// its namespace.
func (gc *Controller) dependents(ctx context.Context, n *node) ([]*node, error) {
	var out []*node
	for _, info := range gc.resources {
		if n.namespace != "" && !info.Namespaced {
			continue
		}
		objs, _, err := gc.client.List(ctx, info, n.namespace, client.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", info.Resource, err)
		}
		for _, obj := range objs {
			for _, r := range obj.GetObjectMeta().OwnerReferences {
				if r.UID == n.uid {
					out = append(out, nodeOf(info, obj))
					break
				}
			}
		}
	}
	return out, nil
}
