package metrics

import (
	"context"
	"fmt"
	"sync"

	"minik8s/pkg/api"
)

// FakeFetcher is a SummaryFetcher for tests: per-node summaries set by the
// test (a node without one fails). Counters given with SetContainer and
// SetNode are cumulative, as the kubelet's.
type FakeFetcher struct {
	mu    sync.Mutex
	nodes map[string]*api.Summary
	calls int
}

var _ SummaryFetcher = (*FakeFetcher)(nil)

// NewFakeFetcher returns a fetcher that knows no node.
func NewFakeFetcher() *FakeFetcher { return &FakeFetcher{nodes: map[string]*api.Summary{}} }

// Summary implements SummaryFetcher: a deep copy of the node's summary.
func (f *FakeFetcher) Summary(_ context.Context, node *api.Node) (*api.Summary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	s, ok := f.nodes[node.Name]
	if !ok {
		return nil, fmt.Errorf("fake: no summary for node %s", node.Name)
	}
	out := &api.Summary{Node: s.Node, Pods: make([]api.PodStats, len(s.Pods))}
	for i, p := range s.Pods {
		out.Pods[i] = p
		out.Pods[i].Containers = append([]api.ContainerStats(nil), p.Containers...)
	}
	return out, nil
}

// Calls is how many summaries were asked for.
func (f *FakeFetcher) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *FakeFetcher) summary(node string) *api.Summary {
	s, ok := f.nodes[node]
	if !ok {
		s = &api.Summary{Node: api.NodeStats{NodeName: node}}
		f.nodes[node] = s
	}
	return s
}

// SetNode sets a node's cumulative CPU (core-nanoseconds) and working set.
func (f *FakeFetcher) SetNode(node string, cpu, memory uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.summary(node)
	s.Node.CPU = &api.CPUStats{UsageCoreNanoSeconds: &cpu}
	s.Node.Memory = &api.MemoryStats{WorkingSetBytes: &memory}
}

// SetContainer sets a container's cumulative CPU and working set in the
// summary of node (adding the pod and the container when new).
func (f *FakeFetcher) SetContainer(node, namespace, pod, container string, cpu, memory uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.summary(node)
	c := api.ContainerStats{Name: container, CPU: &api.CPUStats{UsageCoreNanoSeconds: &cpu}, Memory: &api.MemoryStats{WorkingSetBytes: &memory}}
	for i := range s.Pods {
		p := &s.Pods[i]
		if p.PodRef.Namespace != namespace || p.PodRef.Name != pod {
			continue
		}
		for j := range p.Containers {
			if p.Containers[j].Name == container {
				p.Containers[j] = c
				return
			}
		}
		p.Containers = append(p.Containers, c)
		return
	}
	s.Pods = append(s.Pods, api.PodStats{PodRef: api.PodReference{Namespace: namespace, Name: pod}, Containers: []api.ContainerStats{c}})
}

// RemoveNode makes the node's summaries fail.
func (f *FakeFetcher) RemoveNode(node string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.nodes, node)
}
