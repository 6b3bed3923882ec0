package job

import (
	"context"
	"fmt"
	"log"
	"reflect"
	"sort"
	"strings"
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

// Config tunes the controller.
type Config struct {
	Workers int           // jobs synced at once (--concurrent-job-syncs)
	Resync  time.Duration // the handlers' resync period, a backstop (0: the factory's)
}

// Controller reconciles jobs.
type Controller struct {
	client       *client.Client
	podControl   controller.PodControl
	recorder     record.EventRecorder
	expectations *controller.Expectations
	jobs         *cache.SharedInformer
	pods         *cache.SharedInformer
	synced       []func() bool
	queue        *workqueue.Queue
	workers      int
	now          func() time.Time
	logf         func(format string, args ...any)
}

var jobInfo = func() *api.ResourceInfo {
	info, err := client.InfoFor[*api.Job]()
	if err != nil {
		panic(err)
	}
	return info
}()

func statusEqual(a, b *api.JobStatus) bool { return reflect.DeepEqual(a, b) }

// New returns the Job controller over the factory's shared informers.
// Start the factory after New.
func New(c *client.Client, f *cache.SharedInformerFactory, rec record.EventRecorder, cfg Config) *Controller {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	ctl := &Controller{
		client:       c,
		podControl:   controller.RealPodControl{Client: c, Recorder: rec},
		recorder:     rec,
		expectations: controller.NewExpectations(),
		jobs:         cache.InformerFor[*api.Job](f),
		pods:         cache.InformerFor[*api.Pod](f),
		queue:        workqueue.New(5*time.Millisecond, 60*time.Second),
		workers:      cfg.Workers,
		now:          time.Now,
		logf:         log.Printf,
	}
	r1 := ctl.jobs.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc:    ctl.enqueue,
		UpdateFunc: func(_, n api.Object) { ctl.enqueue(n) },
		DeleteFunc: func(o api.Object) {
			key := o.GetObjectMeta().Namespace + "/" + o.GetObjectMeta().Name
			ctl.expectations.Delete(key)
		},
	}, cfg.Resync)
	r2 := ctl.pods.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc: func(o api.Object) { ctl.podChanged(o, true, false) },
		UpdateFunc: func(_, n api.Object) {
			p, _ := n.(*api.Pod)
			ctl.podChanged(n, false, p != nil && p.DeletionTimestamp != nil)
		},
		DeleteFunc: func(o api.Object) { ctl.podChanged(o, false, true) },
	}, cfg.Resync)
	ctl.synced = []func() bool{ctl.jobs.HasSynced, ctl.pods.HasSynced, r1.HasSynced, r2.HasSynced}
	return ctl
}

func (c *Controller) enqueue(o api.Object) {
	m := o.GetObjectMeta()
	c.queue.Add(m.Namespace + "/" + m.Name)
}

// podChanged queues the job that controls the pod, observing its creation
// or deletion for the expectations.
func (c *Controller) podChanged(o api.Object, added, deleted bool) {
	p, ok := o.(*api.Pod)
	if !ok {
		return
	}
	ref := controller.ControllerOf(&p.ObjectMeta)
	if ref == nil || ref.Kind != "Job" || !strings.HasPrefix(ref.APIVersion, "batch/") {
		return
	}
	jo, ok := c.jobs.Store().GetByName(p.Namespace, ref.Name)
	if !ok || jo.GetObjectMeta().UID != ref.UID {
		return
	}
	key := p.Namespace + "/" + ref.Name
	if added {
		c.expectations.CreationObserved(key)
	}
	if deleted {
		c.expectations.DeletionObserved(key, controller.PodKey(p))
	}
	c.queue.Add(key)
}

// Run syncs until ctx ends (the factory runs the informers).
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, c.synced...) {
		return nil
	}
	c.logf("job: controller running with %d workers", c.workers)
	workqueue.RunWorkers(ctx, c.queue, c.workers, c.sync,
		func(key string, err error) { c.logf("job: syncing %s: %v (retrying)", key, err) })
	return nil
}

// podsOf lists the pods the job controls.
func (c *Controller) podsOf(j *api.Job) []*api.Pod {
	var out []*api.Pod
	for _, p := range cache.NewLister[*api.Pod](c.pods.Store()).List(j.Namespace, labels.Everything()) {
		if controller.IsControlledBy(&p.ObjectMeta, j.UID) {
			out = append(out, p)
		}
	}
	return out
}

// sync reconciles one job from the informers' state; the duration asks to
// be synced again then (deadline, ttl).
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, _ := strings.Cut(key, "/")
	o, ok := c.jobs.Store().GetByName(ns, name)
	if !ok {
		c.expectations.Delete(key)
		return 0, nil
	}
	j, ok := o.(*api.Job)
	if !ok || j.DeletionTimestamp != nil {
		return 0, nil
	}
	now := c.now()
	if at, ok := ttlExpiry(j); ok {
		if wait := at.Sub(now); wait > 0 {
			return wait, nil
		}
		return 0, c.deleteExpired(ctx, j)
	}
	if !c.expectations.Satisfied(key) {
		return 0, nil // the informer has not seen our last creations/deletions
	}
	pods := c.podsOf(j)
	p := decide(j, pods, now)
	var errs []error
	if p.deleteAll || p.deleteN > 0 {
		if err := c.deletePods(ctx, key, j, victims(pods, p)); err != nil {
			errs = append(errs, err)
		}
	}
	if p.create > 0 {
		if err := c.createPods(ctx, key, j, p.create); err != nil {
			errs = append(errs, err)
		}
	}
	if !statusEqual(&p.status, &j.Status) {
		nj := *j
		nj.Status = p.status
		if _, err := c.client.UpdateStatus(ctx, jobInfo, ns, &nj); err != nil && !client.IsNotFound(err) {
			return 0, fmt.Errorf("updating status of job %s: %w", key, err)
		}
		switch p.finishedAs {
		case api.JobComplete:
			c.recorder.Eventf(j, "Normal", "Completed", "Job completed")
		case api.JobFailed:
			c.recorder.Eventf(j, "Warning", p.reason, "%s", p.message)
		}
	}
	if len(errs) > 0 {
		return 0, errs[0]
	}
	return p.requeueIn, nil
}

// victims are the active pods to delete: all of them, or the deleteN
// least advanced (pending before running, not ready before ready).
func victims(pods []*api.Pod, p plan) []*api.Pod {
	active := controller.FilterActivePods(pods)
	if p.deleteAll {
		return active
	}
	sort.SliceStable(active, func(a, b int) bool {
		ra, rb := rank(active[a]), rank(active[b])
		return ra < rb
	})
	return active[:min(p.deleteN, len(active))]
}

func rank(p *api.Pod) int {
	switch {
	case p.Spec.NodeName == "":
		return 0
	case p.Status.Phase == api.PodPending:
		return 1
	case !controller.IsPodReady(p):
		return 2
	}
	return 3
}

func (c *Controller) createPods(ctx context.Context, key string, j *api.Job, n int) error {
	c.expectations.ExpectCreations(key, n)
	ref := controller.NewControllerRef(&j.ObjectMeta, jobInfo.APIVersion(), "Job")
	tmpl := j.Spec.Template
	tmpl.GenerateName = j.Name + "-"
	ok, err := controller.SlowStartBatch(n, controller.SlowStartInitialBatchSize, func() error {
		_, err := c.podControl.CreatePod(ctx, j.Namespace, &tmpl, j, ref)
		return err
	})
	for i := ok; i < n; i++ {
		c.expectations.CreationObserved(key)
	}
	return err
}

func (c *Controller) deletePods(ctx context.Context, key string, j *api.Job, pods []*api.Pod) error {
	keys := make([]string, len(pods))
	for i, p := range pods {
		keys[i] = controller.PodKey(p)
	}
	c.expectations.ExpectDeletions(key, keys)
	errCh := make(chan error, len(pods))
	var wg sync.WaitGroup
	for _, p := range pods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.podControl.DeletePod(ctx, p.Namespace, p.Name, j); err != nil {
				c.expectations.DeletionObserved(key, controller.PodKey(p))
				if !client.IsNotFound(err) {
					errCh <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errCh)
	return <-errCh
}

// deleteExpired deletes a finished job whose TTL ran out, with its pods
// (foreground propagation, as the ttl-after-finished controller does).
func (c *Controller) deleteExpired(ctx context.Context, j *api.Job) error {
	fg := "Foreground"
	err := c.client.Delete(ctx, jobInfo, j.Namespace, j.Name, &api.DeleteOptions{PropagationPolicy: &fg,
		Preconditions: &api.Preconditions{UID: &j.UID}})
	if err != nil && !client.IsNotFound(err) && !client.IsConflict(err) {
		return fmt.Errorf("deleting expired job %s/%s: %w", j.Namespace, j.Name, err)
	}
	return nil
}
