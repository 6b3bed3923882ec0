package stats

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"minik8s/kubelet/runtime"
)

func TestRate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name       string
		prev, cur  cpuSample
		want       uint64
		wantRateOK bool
	}{
		{"one core over 10 s", cpuSample{t0, 1e9}, cpuSample{t0.Add(10 * time.Second), 11e9}, 1e9, true},
		{"a quarter core over 2 s", cpuSample{t0, 0}, cpuSample{t0.Add(2 * time.Second), 5e8}, 25e7, true},
		{"idle", cpuSample{t0, 7}, cpuSample{t0.Add(time.Second), 7}, 0, true},
		{"two cores over 10 s: no overflow", cpuSample{t0, 1 << 40}, cpuSample{t0.Add(10 * time.Second), 1<<40 + 2e10}, 2e9, true},
		{"no earlier sample", cpuSample{}, cpuSample{t0, 5}, 0, false},
		{"no time passed", cpuSample{t0, 1}, cpuSample{t0, 5}, 0, false},
		{"counter went back (a new cgroup)", cpuSample{t0, 10}, cpuSample{t0.Add(time.Second), 5}, 0, false},
	} {
		got, ok := rate(tc.prev, tc.cur)
		if got != tc.want || ok != tc.wantRateOK {
			t.Errorf("%s: got %d, %v; want %d, %v", tc.name, got, ok, tc.want, tc.wantRateOK)
		}
	}
}

// scripted is a Provider returning its snapshots in turn (the last one
// again when they run out), or err.
type scripted struct {
	snaps []*Snapshot
	err   error
	pods  [][]Pod // the pods of each Read
}

func (s *scripted) Read(_ context.Context, pods []Pod) (*Snapshot, error) {
	s.pods = append(s.pods, pods)
	if s.err != nil {
		return nil, s.err
	}
	snap := s.snaps[0]
	if len(s.snaps) > 1 {
		s.snaps = s.snaps[1:]
	}
	return snap, nil
}

func snapAt(t time.Time, node, pod, ctr uint64) *Snapshot {
	return &Snapshot{
		Node:       &Usage{Time: t, CPUNanos: node, MemoryUsage: 1000, WorkingSet: 800},
		Pods:       map[string]Usage{"u1": {Time: t, CPUNanos: pod, MemoryUsage: 100, WorkingSet: 80}},
		Containers: map[string]Usage{"c1": {Time: t, CPUNanos: ctr, MemoryUsage: 90, WorkingSet: 70}},
	}
}

var onePod = []Pod{{Name: "web", Namespace: "default", UID: "u1", Containers: []Container{{Name: "app", ID: "c1"}}}}

// TestCollector: rates come from the sampler's last two samples, the
// cumulative counters from the request's own read.
func TestCollector(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &scripted{snaps: []*Snapshot{
		snapAt(t0, 100e9, 10e9, 5e9),
		snapAt(t0.Add(10*time.Second), 120e9, 15e9, 10e9), // node 2 cores, pod 0.5, container 0.5
		snapAt(t0.Add(12*time.Second), 123e9, 16e9, 11e9), // the request's fresh read
	}}
	c := &Collector{Provider: p, Pods: func() []Pod { return onePod }, NodeName: "node1", MemoryCapacity: 5000, Interval: time.Hour}
	ctx := context.Background()

	if err := c.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	if len(c.rates) != 0 {
		t.Fatalf("one sample: want no rates, got %v", c.rates)
	}
	if err := c.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := c.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := *s.Node.CPU.UsageNanoCores; got != 2e9 {
		t.Errorf("node usageNanoCores %d, want 2e9", got)
	}
	if got := *s.Node.CPU.UsageCoreNanoSeconds; got != 123e9 {
		t.Errorf("node usageCoreNanoSeconds %d, want the fresh 123e9", got)
	}
	if !s.Node.CPU.Time.Equal(t0.Add(12 * time.Second)) {
		t.Errorf("node cpu time %v, want the fresh read's", s.Node.CPU.Time)
	}
	if got := *s.Node.Memory.AvailableBytes; got != 4200 {
		t.Errorf("node availableBytes %d, want 5000-800", got)
	}
	if len(s.Pods) != 1 || *s.Pods[0].CPU.UsageNanoCores != 5e8 || *s.Pods[0].Containers[0].CPU.UsageNanoCores != 5e8 {
		t.Errorf("pod rates: %s", mustJSON(t, s.Pods))
	}
	if *s.Pods[0].CPU.UsageCoreNanoSeconds != 16e9 || *s.Pods[0].Containers[0].CPU.UsageCoreNanoSeconds != 11e9 {
		t.Errorf("pod counters: %s", mustJSON(t, s.Pods))
	}
	for i, pods := range p.pods {
		if !reflect.DeepEqual(pods, onePod) {
			t.Errorf("read %d got pods %+v", i, pods)
		}
	}
}

// TestCollectorForgets: an entity missing from a sample loses its rate and
// its old sample (a restarted container has a new ID; a pod that came
// back starts afresh).
func TestCollectorForgets(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	gone := snapAt(t0.Add(10*time.Second), 110e9, 0, 0)
	gone.Pods, gone.Containers = map[string]Usage{}, map[string]Usage{}
	p := &scripted{snaps: []*Snapshot{
		snapAt(t0, 100e9, 10e9, 5e9),
		gone,
		snapAt(t0.Add(20*time.Second), 120e9, 20e9, 15e9),
	}}
	c := &Collector{Provider: p, Pods: func() []Pod { return onePod }, Interval: time.Hour}
	for i := 0; i < 3; i++ {
		if err := c.Sample(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	want := map[entity]uint64{nodeKey(): 1e9}
	if !reflect.DeepEqual(c.rates, want) {
		t.Errorf("rates %v, want %v", c.rates, want)
	}
}

func TestCollectorErrors(t *testing.T) {
	c := &Collector{Provider: &scripted{err: errors.New("boom")}, Pods: func() []Pod { return nil }}
	if err := c.Sample(context.Background()); err == nil {
		t.Error("Sample: want the provider's error")
	}
	if _, err := c.Summary(context.Background()); err == nil {
		t.Error("Summary: want the provider's error")
	}
}

// TestCollectorRun: Run samples at once and then every Interval.
func TestCollectorRun(t *testing.T) {
	fake := &counting{}
	c := &Collector{Provider: fake, Pods: func() []Pod { return nil }, Interval: 10 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- c.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for fake.n() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if fake.n() < 3 {
		t.Fatalf("%d samples, want >= 3", fake.n())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.rates[nodeKey()]; !ok {
		t.Errorf("no node rate after %d samples", fake.n())
	}
}

// counting is a Provider whose node uses one core.
type counting struct {
	mu    sync.Mutex
	reads int
	start time.Time
}

func (c *counting) n() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

func (c *counting) Read(context.Context, []Pod) (*Snapshot, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.reads++
	now := time.Now()
	if c.start.IsZero() {
		c.start = now
	}
	return &Snapshot{Node: &Usage{Time: now, CPUNanos: uint64(now.Sub(c.start))}}, nil
}

// fakeStats is a ContainerStatser with fixed stats per ID.
type fakeStats map[string]runtime.Stats

func (f fakeStats) ContainerStats(_ context.Context, id string) (*runtime.Stats, error) {
	s, ok := f[id]
	if !ok {
		return nil, errors.New("not running")
	}
	return &s, nil
}

// TestRuntimeProvider: containers from ContainerStats, a pod is the sum of
// its containers, the node the sum of its pods; a container without stats
// is left out, a pod without any too.
func TestRuntimeProvider(t *testing.T) {
	rt := fakeStats{
		"c1": {CPUUsageNanoCores: 10, MemoryUsage: 100, MemoryWorkingSet: 80},
		"c2": {CPUUsageNanoCores: 5, MemoryUsage: 50, MemoryWorkingSet: 40},
		"c4": {CPUUsageNanoCores: 1, MemoryUsage: 2, MemoryWorkingSet: 3},
	}
	p := &RuntimeProvider{Runtime: rt, Now: func() time.Time { return fixedNow }}
	pods := []Pod{
		{UID: "u1", Containers: []Container{{ID: "c1"}, {ID: "c2"}, {ID: "c9"}}},
		{UID: "u2", Containers: []Container{{ID: "c3"}}},
		{UID: "u3", Containers: []Container{{ID: "c4"}}},
	}
	snap, err := p.Read(context.Background(), pods)
	if err != nil {
		t.Fatal(err)
	}
	want := &Snapshot{
		Node: &Usage{Time: fixedNow, CPUNanos: 16, MemoryUsage: 152, WorkingSet: 123},
		Pods: map[string]Usage{
			"u1": {Time: fixedNow, CPUNanos: 15, MemoryUsage: 150, WorkingSet: 120},
			"u3": {Time: fixedNow, CPUNanos: 1, MemoryUsage: 2, WorkingSet: 3},
		},
		Containers: map[string]Usage{
			"c1": {Time: fixedNow, CPUNanos: 10, MemoryUsage: 100, WorkingSet: 80},
			"c2": {Time: fixedNow, CPUNanos: 5, MemoryUsage: 50, WorkingSet: 40},
			"c4": {Time: fixedNow, CPUNanos: 1, MemoryUsage: 2, WorkingSet: 3},
		},
	}
	if !reflect.DeepEqual(snap, want) {
		t.Errorf("got %+v\nwant %+v", snap, want)
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
