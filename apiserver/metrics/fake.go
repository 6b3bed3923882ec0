package metrics

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"

	"minik8s/pkg/api"
)

// FakeFetcher is a SummaryFetcher for tests. Each node's and container's
// cumulative CPU counter is either set directly (SetNode, SetContainer)
// or grows at a set rate on the real clock (SetNodeUsage,
// SetContainerUsage), so that scrapes at any moment see that rate. A node
// without values fails.
type FakeFetcher struct {
	mu    sync.Mutex
	nodes map[string]*fakeNode
	calls int
}

var _ SummaryFetcher = (*FakeFetcher)(nil)

type fakeNode struct {
	self fakeCounter
	pods map[PodKey]map[string]*fakeCounter
}

// fakeCounter is base + nanoCores × (now − since).
type fakeCounter struct {
	set       bool
	base      uint64
	nanoCores uint64
	since     time.Time
	memory    uint64
}

func (c *fakeCounter) value(now time.Time) uint64 {
	if c.nanoCores == 0 {
		return c.base
	}
	return c.base + uint64(float64(c.nanoCores)*now.Sub(c.since).Seconds())
}

func (c *fakeCounter) setValue(cpu, memory uint64) {
	*c = fakeCounter{set: true, base: cpu, memory: memory}
}

func (c *fakeCounter) setRate(now time.Time, nanoCores, memory uint64) {
	*c = fakeCounter{set: true, base: c.value(now), nanoCores: nanoCores, since: now, memory: memory}
}

// NewFakeFetcher returns a fetcher that knows no node.
func NewFakeFetcher() *FakeFetcher { return &FakeFetcher{nodes: map[string]*fakeNode{}} }

// Summary implements SummaryFetcher.
func (f *FakeFetcher) Summary(_ context.Context, node *api.Node) (*api.Summary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	n, ok := f.nodes[node.Name]
	if !ok {
		return nil, fmt.Errorf("fake: no summary for node %s", node.Name)
	}
	now := time.Now()
	out := &api.Summary{Node: api.NodeStats{NodeName: node.Name}}
	if n.self.set {
		out.Node.CPU, out.Node.Memory = n.self.stats(now)
	}
	keys := make([]PodKey, 0, len(n.pods))
	for k := range n.pods {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].Namespace < keys[j].Namespace || keys[i].Namespace == keys[j].Namespace && keys[i].Name < keys[j].Name
	})
	for _, k := range keys {
		ps := api.PodStats{PodRef: api.PodReference{Namespace: k.Namespace, Name: k.Name}}
		names := make([]string, 0, len(n.pods[k]))
		for name := range n.pods[k] {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			cs := api.ContainerStats{Name: name}
			cs.CPU, cs.Memory = n.pods[k][name].stats(now)
			ps.Containers = append(ps.Containers, cs)
		}
		out.Pods = append(out.Pods, ps)
	}
	return out, nil
}

func (c *fakeCounter) stats(now time.Time) (*api.CPUStats, *api.MemoryStats) {
	cpu, mem := c.value(now), c.memory
	t := api.NewTime(now)
	return &api.CPUStats{Time: t, UsageCoreNanoSeconds: &cpu}, &api.MemoryStats{Time: t, WorkingSetBytes: &mem}
}

// Calls is how many summaries were asked for.
func (f *FakeFetcher) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *FakeFetcher) node(name string) *fakeNode {
	n, ok := f.nodes[name]
	if !ok {
		n = &fakeNode{pods: map[PodKey]map[string]*fakeCounter{}}
		f.nodes[name] = n
	}
	return n
}

func (f *FakeFetcher) container(node, namespace, pod, container string) *fakeCounter {
	n := f.node(node)
	key := PodKey{Namespace: namespace, Name: pod}
	if n.pods[key] == nil {
		n.pods[key] = map[string]*fakeCounter{}
	}
	c, ok := n.pods[key][container]
	if !ok {
		c = &fakeCounter{}
		n.pods[key][container] = c
	}
	return c
}

// SetNode sets a node's cumulative CPU (core-nanoseconds) and working set.
func (f *FakeFetcher) SetNode(node string, cpu, memory uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.node(node).self.setValue(cpu, memory)
}

// SetNodeUsage makes a node's CPU counter grow at nanoCores from now on.
func (f *FakeFetcher) SetNodeUsage(node string, nanoCores, memory uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.node(node).self.setRate(time.Now(), nanoCores, memory)
}

// SetContainer sets a container's cumulative CPU and working set in the
// summary of node (adding the pod and the container when new).
func (f *FakeFetcher) SetContainer(node, namespace, pod, container string, cpu, memory uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.container(node, namespace, pod, container).setValue(cpu, memory)
}

// SetContainerUsage makes a container's CPU counter grow at nanoCores from
// now on (adding the pod and the container when new).
func (f *FakeFetcher) SetContainerUsage(node, namespace, pod, container string, nanoCores, memory uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.container(node, namespace, pod, container).setRate(time.Now(), nanoCores, memory)
}

// RemovePod drops a pod from a node's summaries.
func (f *FakeFetcher) RemovePod(node, namespace, pod string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.node(node).pods, PodKey{Namespace: namespace, Name: pod})
}

// RemoveNode makes the node's summaries fail.
func (f *FakeFetcher) RemoveNode(node string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.nodes, node)
}
