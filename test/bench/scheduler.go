package main

// Scheduler throughput: pods bound per second by one scheduler (default
// policy, events on) with 100 and 1 000 fake nodes registered through the
// apiserver and 3 000 pending pods created before it starts.

import (
	"context"
	"flag"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/scheduler"
)

var schedPods = flag.Int("sched-pods", 3000, "pending pods per scheduler throughput run")

// schedulerThroughput prints scheduler_pods_bound_per_sec for each node count.
func schedulerThroughput(ctx context.Context, base string, nodeCounts []int, pods, concurrency int) error {
	c, err := mkclient.New(&mkclient.Config{Server: base, Timeout: 30 * time.Second})
	if err != nil {
		return err
	}
	for _, nodes := range nodeCounts {
		if err := c.Nodes().DeleteCollection(ctx, mkclient.ListOptions{LabelSelector: "bench=scheduler"}); err != nil {
			return fmt.Errorf("delete nodes: %w", err)
		}
		if _, err := rate(nodes, concurrency, func(i int) error { return createBenchNode(ctx, c, fmt.Sprintf("bench-n%d-%d", nodes, i)) }); err != nil {
			return fmt.Errorf("create nodes: %w", err)
		}
		ns := fmt.Sprintf("bench-sched-%d", nodes)
		if _, err := c.Namespaces().Create(ctx, &api.Namespace{ObjectMeta: api.ObjectMeta{Name: ns}}); err != nil {
			return err
		}
		yes := true
		if _, err := rate(pods, concurrency, func(i int) error {
			p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: ns,
				OwnerReferences: []api.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: fmt.Sprintf("rs-%d", i%10), Controller: &yes}}},
				Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "busybox",
					Resources: api.ResourceRequirements{Requests: api.ResourceList{"cpu": resource.MustParse("100m"), "memory": resource.MustParse("64Mi")}}}}}}
			_, err := c.Pods(ns).Create(ctx, p)
			return err
		}); err != nil {
			return fmt.Errorf("create pods: %w", err)
		}
		perSec, err := runSchedulerUntil(ctx, base, int64(pods))
		if err != nil {
			return err
		}
		fmt.Printf("scheduler_pods_bound_per_sec{nodes=%d,pods=%d} %.0f (target >= 300 at 1000 nodes)\n", nodes, pods, perSec)
	}
	return nil
}

// runSchedulerUntil runs a scheduler until it has bound want pods and
// returns the rate, from its start (informers' list included).
func runSchedulerUntil(ctx context.Context, base string, want int64) (float64, error) {
	opts := scheduler.DefaultOptions()
	opts.APIServer = base
	opts.LeaderElect = false
	var mu sync.Mutex
	var s *scheduler.Scheduler
	opts.OnStarted = func(x *scheduler.Scheduler) { mu.Lock(); s = x; mu.Unlock() }
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- scheduler.Run(ctx, opts) }()
	deadline := time.After(5 * time.Minute)
	for {
		select {
		case err := <-done:
			return 0, fmt.Errorf("scheduler stopped: %v", err)
		case <-deadline:
			return 0, fmt.Errorf("scheduler did not bind %d pods in 5 minutes", want)
		case <-time.After(5 * time.Millisecond):
		}
		mu.Lock()
		x := s
		mu.Unlock()
		if x != nil && x.Bound() >= want {
			el := time.Since(start)
			cancel()
			<-done
			return float64(want) / el.Seconds(), nil
		}
	}
}

func createBenchNode(ctx context.Context, c *mkclient.Client, name string) error {
	rl := api.ResourceList{"cpu": resource.MustParse("32"), "memory": resource.MustParse("128Gi"), "pods": resource.MustParse("110")}
	n, err := c.Nodes().Create(ctx, &api.Node{ObjectMeta: api.ObjectMeta{Name: name, Labels: map[string]string{"bench": "scheduler"}}})
	if err != nil {
		return err
	}
	n.Status = api.NodeStatus{Capacity: rl, Allocatable: rl,
		Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionTrue}}}
	_, err = c.Nodes().UpdateStatus(ctx, n)
	return err
}
