package cronjob

import (
	"context"
	"errors"
	"fmt"
	"log"
	"reflect"
	"strings"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/pkg/client/workqueue"
	"minik8s/pkg/controller"
	"minik8s/pkg/cron"
	"minik8s/pkg/labels"
)

// Config tunes the controller.
type Config struct {
	Workers int              // cron jobs synced at once (--concurrent-cron-job-syncs)
	Resync  time.Duration    // the handlers' resync period (0: the factory's)
	Now     func() time.Time // the clock (tests); nil: time.Now
}

// Controller reconciles cron jobs.
type Controller struct {
	client   *client.Client
	recorder record.EventRecorder
	cronJobs *cache.SharedInformer
	jobs     *cache.SharedInformer
	synced   []func() bool
	queue    *workqueue.Queue
	workers  int
	now      func() time.Time
	logf     func(format string, args ...any)
}

var cronJobInfo, jobInfo = mustInfo[*api.CronJob](), mustInfo[*api.Job]()

func mustInfo[T api.Object]() *api.ResourceInfo {
	info, err := client.InfoFor[T]()
	if err != nil {
		panic(err)
	}
	return info
}

// New returns the CronJob controller over the factory's shared informers.
func New(c *client.Client, f *cache.SharedInformerFactory, rec record.EventRecorder, cfg Config) *Controller {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	ctl := &Controller{
		client: c, recorder: rec,
		cronJobs: cache.InformerFor[*api.CronJob](f),
		jobs:     cache.InformerFor[*api.Job](f),
		queue:    workqueue.New(5*time.Millisecond, 60*time.Second),
		workers:  cfg.Workers, now: cfg.Now, logf: log.Printf,
	}
	r1 := ctl.cronJobs.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc:    ctl.enqueue,
		UpdateFunc: func(_, n api.Object) { ctl.enqueue(n) },
	}, cfg.Resync)
	jobChanged := func(o api.Object) {
		m := o.GetObjectMeta()
		if ref := controller.ControllerOf(m); ref != nil && ref.Kind == "CronJob" {
			ctl.queue.Add(m.Namespace + "/" + ref.Name)
		}
	}
	r2 := ctl.jobs.AddEventHandlerWithResyncPeriod(cache.HandlerFuncs{
		AddFunc:    jobChanged,
		UpdateFunc: func(_, n api.Object) { jobChanged(n) },
		DeleteFunc: jobChanged,
	}, cfg.Resync)
	ctl.synced = []func() bool{ctl.cronJobs.HasSynced, ctl.jobs.HasSynced, r1.HasSynced, r2.HasSynced}
	return ctl
}

func (c *Controller) enqueue(o api.Object) {
	m := o.GetObjectMeta()
	c.queue.Add(m.Namespace + "/" + m.Name)
}

// Run syncs until ctx ends (the factory runs the informers).
func (c *Controller) Run(ctx context.Context) error {
	if !cache.WaitForCacheSync(ctx, c.synced...) {
		return nil
	}
	c.logf("cronjob: controller running with %d workers", c.workers)
	workqueue.RunWorkers(ctx, c.queue, c.workers, c.sync,
		func(key string, err error) { c.logf("cronjob: syncing %s: %v (retrying)", key, err) })
	return nil
}

// jobsOf lists the jobs the cron job controls.
func (c *Controller) jobsOf(cj *api.CronJob) []*api.Job {
	var out []*api.Job
	for _, j := range cache.NewLister[*api.Job](c.jobs.Store()).List(cj.Namespace, labels.Everything()) {
		if controller.IsControlledBy(&j.ObjectMeta, cj.UID) {
			out = append(out, j)
		}
	}
	return out
}

// sync reconciles one cron job; the duration is when its next schedule is due.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, _ := strings.Cut(key, "/")
	o, ok := c.cronJobs.Store().GetByName(ns, name)
	if !ok {
		return 0, nil
	}
	cj, ok := o.(*api.CronJob)
	if !ok || cj.DeletionTimestamp != nil {
		return 0, nil
	}
	sched, err := cron.Parse(cj.Spec.Schedule)
	if err != nil {
		c.recorder.Eventf(cj, "Warning", "UnparseableSchedule", "unparseable schedule: %q : %v", cj.Spec.Schedule, err)
		return 0, nil
	}
	now := c.now()
	jobs := c.jobsOf(cj)
	st := trackJobs(cj.Status, jobs)
	var errs []error

	requeue := nextScheduleTime(now, sched).Sub(now) + 100*time.Millisecond
	if cj.Spec.Suspend == nil || !*cj.Spec.Suspend {
		if err := c.startDue(ctx, cj, &st, sched, now); err != nil {
			errs = append(errs, err)
		}
	}
	for _, j := range toPrune(jobs, cj.Spec.SuccessfulJobsHistoryLimit, cj.Spec.FailedJobsHistoryLimit) {
		if err := c.deleteJob(ctx, j); err != nil {
			errs = append(errs, err)
		} else {
			c.recorder.Eventf(cj, "Normal", "SuccessfulDelete", "Deleted job %s", j.Name)
		}
	}
	if !reflect.DeepEqual(st, cj.Status) {
		n := *cj
		n.Status = st
		if _, err := c.client.UpdateStatus(ctx, cronJobInfo, ns, &n); err != nil && !client.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("updating status of cronjob %s: %w", key, err))
		}
	}
	return requeue, errors.Join(errs...)
}

// trackJobs recomputes the active list and lastSuccessfulTime from the
// cron job's jobs.
func trackJobs(st api.CronJobStatus, jobs []*api.Job) api.CronJobStatus {
	out := st
	out.Active = nil
	for _, j := range jobs {
		switch finishedType(j) {
		case "":
			if j.DeletionTimestamp == nil {
				out.Active = append(out.Active, api.ObjectReference{Kind: "Job", Namespace: j.Namespace, Name: j.Name,
					UID: j.UID, APIVersion: "batch/v1", ResourceVersion: j.ResourceVersion})
			}
		case api.JobComplete:
			if ct := j.Status.CompletionTime; ct != nil && (out.LastSuccessfulTime == nil || ct.After(out.LastSuccessfulTime.Time)) {
				t := *ct
				out.LastSuccessfulTime = &t
			}
		}
	}
	return out
}

// startDue creates the job of the most recent missed schedule time, if any
// is due and the concurrency policy allows.
func (c *Controller) startDue(ctx context.Context, cj *api.CronJob, st *api.CronJobStatus, sched *cron.Schedule, now time.Time) error {
	scheduled, missed, ok := mostRecentScheduleTime(cj, now, sched)
	if !ok {
		return nil
	}
	if missed > maxMissed {
		c.recorder.Eventf(cj, "Warning", "TooManyMissedTimes", "too many missed start times: %d. Set or decrease .spec.startingDeadlineSeconds or check clock skew", missed)
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil && scheduled.Add(api.Seconds(*d)).Before(now) {
		c.recorder.Eventf(cj, "Warning", "MissSchedule", "Missed scheduled time to start a job: %s", scheduled.UTC().Format(time.RFC1123Z))
		return nil
	}
	switch {
	case cj.Spec.ConcurrencyPolicy == api.ForbidConcurrent && len(st.Active) > 0:
		return nil // Kubernetes retries at the next schedule, not this one
	case cj.Spec.ConcurrencyPolicy == api.ReplaceConcurrent:
		for _, ref := range st.Active {
			j := &api.Job{ObjectMeta: api.ObjectMeta{Namespace: ref.Namespace, Name: ref.Name, UID: ref.UID}}
			if err := c.deleteJob(ctx, j); err != nil {
				return err
			}
			c.recorder.Eventf(cj, "Normal", "SuccessfulDelete", "Deleted job %s", ref.Name)
		}
		st.Active = nil
	}
	ref := controller.NewControllerRef(&cj.ObjectMeta, cronJobInfo.APIVersion(), "CronJob")
	created, err := c.client.Create(ctx, jobInfo, cj.Namespace, jobFromTemplate(cj, scheduled, ref))
	switch {
	case client.IsAlreadyExists(err):
		// Made by an earlier sync whose status update was lost.
	case err != nil:
		c.recorder.Eventf(cj, "Warning", "FailedCreate", "Error creating job: %v", err)
		return fmt.Errorf("creating job for cronjob %s/%s: %w", cj.Namespace, cj.Name, err)
	default:
		m := created.GetObjectMeta()
		c.recorder.Eventf(cj, "Normal", "SuccessfulCreate", "Created job %s", m.Name)
		st.Active = append(st.Active, api.ObjectReference{Kind: "Job", Namespace: m.Namespace, Name: m.Name,
			UID: m.UID, APIVersion: "batch/v1", ResourceVersion: m.ResourceVersion})
	}
	t := api.Time{Time: scheduled.UTC()}
	st.LastScheduleTime = &t
	return nil
}

// deleteJob deletes a job and its pods (background propagation).
func (c *Controller) deleteJob(ctx context.Context, j *api.Job) error {
	bg := "Background"
	err := c.client.Delete(ctx, jobInfo, j.Namespace, j.Name, &api.DeleteOptions{PropagationPolicy: &bg})
	if err != nil && !client.IsNotFound(err) {
		return fmt.Errorf("deleting job %s/%s: %w", j.Namespace, j.Name, err)
	}
	return nil
}
