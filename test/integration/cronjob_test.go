package integration

// A CronJob every minute, on a controller whose clock runs 60 times
// faster than real time (one scheduled minute a second): it creates a Job
// per minute, named <cronjob>-<minutes>, the Job controller and a
// fake-runtime kubelet complete them, and only successfulJobsHistoryLimit
// finished Jobs are kept.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/controller"
	"minik8s/controller/cronjob"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/scheduler"
)

// fastClock runs speed times faster than real time from its creation.
func fastClock(speed int) func() time.Time {
	start := time.Now()
	return func() time.Time { return start.Add(time.Since(start) * time.Duration(speed)) }
}

func startCronJobController(t *testing.T, c *mkclient.Client, now func() time.Time) {
	t.Helper()
	f := cache.NewSharedInformerFactory(c, 200*time.Millisecond)
	ctl := cronjob.New(c, f, &record.FakeRecorder{}, cronjob.Config{Workers: 2, Resync: 200 * time.Millisecond, Now: now})
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := ctl.Run(ctx); err != nil {
			t.Errorf("cronjob controller: %v", err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		f.Shutdown()
	})
}

func TestCronJobEveryMinuteKeepsHistory(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startExitingKubelet(t, c, "node1")
	startControllerManagerWith(t, ts.URL, func(o *controller.Options) { o.CronJobController = false })
	sopts := scheduler.DefaultOptions()
	sopts.APIServer, sopts.LeaderElect = ts.URL, false
	startScheduler(t, sopts)
	startCronJobController(t, c, fastClock(60))

	cj := &api.CronJob{ObjectMeta: api.ObjectMeta{Name: "hello", Namespace: "default"}}
	cj.Spec.Schedule = "*/1 * * * *"
	cj.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = api.RestartOnFailure
	cj.Spec.JobTemplate.Spec.Template.Spec.Containers = []api.Container{{Name: "ok", Image: "busybox:1"}}
	cjs := mkclient.Typed[*api.CronJob](c, "default")
	created, err := cjs.Create(ctx, cj)
	if err != nil {
		t.Fatal(err)
	}
	if *created.Spec.SuccessfulJobsHistoryLimit != 3 || created.Spec.ConcurrencyPolicy != "Allow" {
		t.Fatalf("defaults %+v", created.Spec)
	}
	jobs := mkclient.Typed[*api.Job](c, "default")
	seen := map[string]bool{}
	waitFor(t, "6 jobs made, 3 complete kept", func() (bool, string) {
		list, _, err := jobs.List(ctx, mkclient.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		complete := 0
		for _, j := range list {
			if !strings.HasPrefix(j.Name, "hello-") || controllerKind(j) != "CronJob" {
				t.Errorf("job %s owned by %v", j.Name, j.OwnerReferences)
			}
			seen[j.Name] = true
			for _, cond := range j.Status.Conditions {
				if cond.Type == api.JobComplete && cond.Status == "True" {
					complete++
				}
			}
		}
		// Between a job's completion and the next sync one more complete
		// job can exist (as in Kubernetes); the wait asks for 3 and for
		// older jobs to be gone.
		got, err := cjs.Get(ctx, "hello")
		if err != nil {
			return false, err.Error()
		}
		st := got.Status
		return len(seen) >= 6 && complete == 3 && len(list) < len(seen)-1 && st.LastScheduleTime != nil && st.LastSuccessfulTime != nil,
			fmt.Sprintf("seen %d jobs, %d complete now, status %+v", len(seen), complete, st)
	})
}

func controllerKind(j *api.Job) string {
	for _, r := range j.OwnerReferences {
		if r.Controller != nil && *r.Controller {
			return r.Kind
		}
	}
	return ""
}
