package integration

// Two schedulers with leader election against one apiserver: only the
// holder of the kube-system/kube-scheduler Lease binds; when it stops (and
// releases the lease) the other takes over.

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/scheduler"
)

func TestSchedulerLeaderElection(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	createFakeNode(t, c, "node-a", "8", "8Gi")
	createFakeNode(t, c, "node-b", "8", "8Gi")

	var mu sync.Mutex
	started := map[string]*scheduler.Scheduler{}
	stops := map[string]func(){}
	for _, id := range []string{"sched-a", "sched-b"} {
		opts := scheduler.DefaultOptions()
		opts.APIServer = ts.URL
		opts.Identity = id
		opts.LeaseDuration, opts.RenewDeadline, opts.RetryPeriod = 3*time.Second, 2*time.Second, 200*time.Millisecond
		opts.OnStarted = func(s *scheduler.Scheduler) {
			mu.Lock()
			defer mu.Unlock()
			started[id] = s
		}
		stops[id] = startScheduler(t, opts)
	}
	lease := func() (*api.Lease, error) {
		return mkclient.Typed[*api.Lease](c, "kube-system").Get(ctx, "kube-scheduler")
	}
	var leader string
	waitFor(t, "a leader", func() (bool, string) {
		l, err := lease()
		if err != nil || l.Spec.HolderIdentity == nil {
			return false, fmt.Sprint(err)
		}
		leader = *l.Spec.HolderIdentity
		mu.Lock()
		defer mu.Unlock()
		return started[leader] != nil, leader
	})
	other := map[string]string{"sched-a": "sched-b", "sched-b": "sched-a"}[leader]

	createAndWait := func(prefix string, n int) {
		t.Helper()
		for i := range n {
			if _, err := c.Pods("default").Create(ctx, schedPod(fmt.Sprintf("%s-%d", prefix, i), "100m", "")); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, prefix+" pods bound", func() (bool, string) {
			bound := 0
			for i := range n {
				p, err := c.Pods("default").Get(ctx, fmt.Sprintf("%s-%d", prefix, i))
				if err == nil && p.Spec.NodeName != "" {
					bound++
				}
			}
			return bound == n, fmt.Sprintf("%d/%d", bound, n)
		})
	}
	// boundBy waits until s counts n bindings: the API shows a pod bound
	// a moment before the scheduler that bound it has counted it.
	boundBy := func(id string, n int) {
		t.Helper()
		waitFor(t, fmt.Sprintf("%s counting %d bindings", id, n), func() (bool, string) {
			mu.Lock()
			defer mu.Unlock()
			got := started[id].Bound()
			return got == int64(n), fmt.Sprint(got)
		})
	}
	createAndWait("first", 6)
	boundBy(leader, 6)
	mu.Lock()
	if started[other] != nil {
		t.Errorf("%s started scheduling while %s leads", other, leader)
	}
	mu.Unlock()

	// The leader stops and releases the lease: the other takes over.
	stops[leader]()
	waitFor(t, other+" leading", func() (bool, string) {
		l, err := lease()
		if err != nil || l.Spec.HolderIdentity == nil {
			return false, fmt.Sprint(err)
		}
		mu.Lock()
		defer mu.Unlock()
		return *l.Spec.HolderIdentity == other && started[other] != nil, *l.Spec.HolderIdentity
	})
	createAndWait("second", 3)
	boundBy(other, 3)
	l, err := lease()
	if err != nil {
		t.Fatal(err)
	}
	if l.Spec.LeaseDurationSeconds == nil || *l.Spec.LeaseDurationSeconds != 3 || l.Spec.RenewTime == nil {
		t.Errorf("lease spec %+v", l.Spec)
	}
	if l.Spec.LeaseTransitions == nil || *l.Spec.LeaseTransitions < 1 {
		t.Errorf("lease transitions %v, want >= 1", l.Spec.LeaseTransitions)
	}

	// Someone else grabs the lease and never renews it: the scheduler
	// stops, campaigns again and takes it back once it has expired.
	// The leader renews every retry period: on a conflict, read it again.
	intruder := "intruder"
	for attempt := 0; ; attempt++ {
		l.Spec.HolderIdentity = &intruder
		l.Spec.RenewTime = &api.MicroTime{Time: time.Now()}
		_, err := mkclient.Typed[*api.Lease](c, "kube-system").Update(ctx, l)
		if err == nil {
			break
		}
		if !mkclient.IsConflict(err) || attempt == 10 {
			t.Fatal(err)
		}
		if l, err = lease(); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, other+" leading again", func() (bool, string) {
		l, err := lease()
		if err != nil || l.Spec.HolderIdentity == nil {
			return false, fmt.Sprint(err)
		}
		return *l.Spec.HolderIdentity == other, *l.Spec.HolderIdentity
	})
	createAndWait("third", 2)
}
