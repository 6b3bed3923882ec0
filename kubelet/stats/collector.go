package stats

import (
	"context"
	"fmt"
	"log"
	"sync"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/wait"
)

// Collector samples usage every Interval (the kubelet's
// --housekeeping-interval) to derive CPU rates, and builds the summary of
// a request from a fresh read: cumulative counters are exact at the
// request, usageNanoCores is the rate between the sampler's last two
// samples (absent until there are two).
type Collector struct {
	Provider       Provider
	Pods           func() []Pod // the running pods, from the kubelet's runtime cache
	NodeName       string
	NodeStartTime  time.Time
	MemoryCapacity uint64
	Interval       time.Duration

	mu    sync.Mutex
	last  map[entity]cpuSample // the newest sample of each entity
	prev  map[entity]cpuSample // reused for the next sample's map
	rates map[entity]uint64
}

// cpuSample is a cumulative CPU counter at a time.
type cpuSample struct {
	t    time.Time
	nano uint64
}

// Run samples every Interval until ctx ends.
func (c *Collector) Run(ctx context.Context) error {
	wait.Every(ctx, c.Interval, c.Sample, func(err error) { log.Printf("kubelet: stats: %v", err) })
	return nil
}

// Sample reads usage once and updates the CPU rates.
func (c *Collector) Sample(ctx context.Context) error {
	snap, err := c.Provider.Read(ctx, c.Pods())
	if err != nil {
		return fmt.Errorf("reading usage: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	next := c.prev
	if next == nil {
		next = make(map[entity]cpuSample, len(snap.Pods)+len(snap.Containers)+1)
	}
	clear(next)
	rates := make(map[entity]uint64, len(c.rates))
	observe := func(k entity, u Usage) {
		cur := cpuSample{t: u.Time, nano: u.CPUNanos}
		next[k] = cur
		if r, ok := rate(c.last[k], cur); ok {
			rates[k] = r
		}
	}
	if snap.Node != nil {
		observe(nodeKey(), *snap.Node)
	}
	for uid, u := range snap.Pods {
		observe(podKey(uid), u)
	}
	for id, u := range snap.Containers {
		observe(containerKey(id), u)
	}
	c.prev, c.last, c.rates = c.last, next, rates
	return nil
}

// rate is the CPU rate in nanocores between two samples; none when there
// is no earlier sample, no time passed, or the counter went back (a new
// cgroup under the same name).
func rate(prev, cur cpuSample) (uint64, bool) {
	if prev.t.IsZero() || !cur.t.After(prev.t) || cur.nano < prev.nano {
		return 0, false
	}
	dt := cur.t.Sub(prev.t)
	return uint64(float64(cur.nano-prev.nano) * float64(time.Second) / float64(dt)), true
}

// Summary reads usage now and returns the Summary API.
func (c *Collector) Summary(ctx context.Context) (*api.Summary, error) {
	pods := c.Pods()
	snap, err := c.Provider.Read(ctx, pods)
	if err != nil {
		return nil, fmt.Errorf("reading usage: %w", err)
	}
	c.mu.Lock()
	rates := c.rates
	c.mu.Unlock()
	return buildSummary(summaryInput{
		NodeName:       c.NodeName,
		NodeStartTime:  c.NodeStartTime,
		MemoryCapacity: c.MemoryCapacity,
		Pods:           pods,
		Snapshot:       snap,
		Rates:          rates,
	}), nil
}
