package integration

// Jobs with the controller-manager, the scheduler and a fake-runtime
// kubelet whose containers exit at once: a Job with completions 3 and
// parallelism 2 completes, one whose pods exit 1 fails past its
// backoffLimit, and ttlSecondsAfterFinished deletes a finished Job.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/kubelet"
	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/scheduler"
)

// startExitingKubelet runs a fake-runtime kubelet on which containers
// named "ok" exit 0 and "fail" exit 1 as soon as they start.
func startExitingKubelet(t *testing.T, c *mkclient.Client, node string) {
	t.Helper()
	rt := fake.New()
	rt.SetNow(time.Now())
	rt.SetBehavior("ok", fake.Behavior{Exit: true, ExitCode: 0})
	rt.SetBehavior("fail", fake.Behavior{Exit: true, ExitCode: 1})
	opts := kubelet.DefaultOptions()
	opts.NodeName, opts.NodeIP, opts.Port = node, "127.0.0.1", 0
	opts.RootDir = t.TempDir()
	opts.HeartbeatInterval = 200 * time.Millisecond
	opts.RelistInterval = 100 * time.Millisecond
	opts.SyncInterval = time.Second
	k, err := kubelet.New(opts, c, rt)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	go func() {
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				rt.SetNow(time.Now())
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("kubelet %s: %v", node, err)
		}
	})
}

func testJob(name, container string, completions, parallelism, backoff int32) *api.Job {
	j := &api.Job{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}}
	j.Spec.Completions, j.Spec.Parallelism, j.Spec.BackoffLimit = &completions, &parallelism, &backoff
	j.Spec.Template.Spec.RestartPolicy = api.RestartNever
	j.Spec.Template.Spec.Containers = []api.Container{{Name: container, Image: "busybox:1"}}
	return j
}

func jobCondition(j *api.Job, typ string) *api.JobCondition {
	for i := range j.Status.Conditions {
		if c := &j.Status.Conditions[i]; c.Type == typ && c.Status == "True" {
			return c
		}
	}
	return nil
}

func TestJobs(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startExitingKubelet(t, c, "node1")
	startControllerManager(t, ts.URL)
	sopts := scheduler.DefaultOptions()
	sopts.APIServer, sopts.LeaderElect = ts.URL, false
	startScheduler(t, sopts)
	jobs := mkclient.Typed[*api.Job](c, "default")

	// completions 3, parallelism 2: never more than 2 pods at once, 3 succeed.
	j, err := jobs.Create(ctx, testJob("three", "ok", 3, 2, 6))
	if err != nil {
		t.Fatal(err)
	}
	if j.Spec.Selector == nil || j.Spec.Selector.MatchLabels[api.BatchJobControllerUIDLabel] != j.UID || j.Spec.Template.Labels[api.JobNameLabel] != "three" {
		t.Fatalf("generated selector %v labels %v", j.Spec.Selector, j.Spec.Template.Labels)
	}
	waitFor(t, "job three complete", func() (bool, string) {
		got, err := jobs.Get(ctx, "three")
		if err != nil {
			return false, err.Error()
		}
		st := got.Status
		return jobCondition(got, api.JobComplete) != nil && st.Succeeded == 3 && st.Active == 0 && st.Failed == 0 &&
			st.StartTime != nil && st.CompletionTime != nil, fmt.Sprintf("status %+v", st)
	})
	pods, _, err := c.Pods("default").List(ctx, mkclient.ListOptions{LabelSelector: "job-name=three"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pods) != 3 {
		t.Errorf("job three has %d pods, want 3", len(pods))
	}
	for _, p := range pods {
		if p.Status.Phase != api.PodSucceeded || p.OwnerReferences[0].Kind != "Job" {
			t.Errorf("pod %s phase %s owners %v", p.Name, p.Status.Phase, p.OwnerReferences)
		}
	}

	// Pods that exit 1, backoffLimit 1: the second failure fails the job.
	if _, err := jobs.Create(ctx, testJob("doomed", "fail", 1, 1, 1)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "job doomed failed", func() (bool, string) {
		got, err := jobs.Get(ctx, "doomed")
		if err != nil {
			return false, err.Error()
		}
		cond := jobCondition(got, api.JobFailed)
		return cond != nil && cond.Reason == api.JobReasonBackoffLimitExceeded && got.Status.Failed == 2 && got.Status.Active == 0 &&
			jobCondition(got, api.JobComplete) == nil, fmt.Sprintf("status %+v", got.Status)
	})

	// ttlSecondsAfterFinished 0: deleted with its pods once complete.
	short := testJob("short", "ok", 1, 1, 6)
	short.Spec.TTLSecondsAfterFinished = new(int32)
	if _, err := jobs.Create(ctx, short); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "job short deleted with its pods", func() (bool, string) {
		_, err := jobs.Get(ctx, "short")
		pods, _, lerr := c.Pods("default").List(ctx, mkclient.ListOptions{LabelSelector: "job-name=short"})
		if lerr != nil {
			return false, lerr.Error()
		}
		return mkclient.IsNotFound(err) && len(pods) == 0, fmt.Sprintf("get: %v, %d pods", err, len(pods))
	})
}
