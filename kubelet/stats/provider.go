package stats

import (
	"context"
	"time"

	"minik8s/kubelet/runtime"
)

// Pod is a running pod whose usage is read: the pod cgroup by UID, each
// container by ID. Name, namespace and start times are for the summary.
type Pod struct {
	Name, Namespace, UID string
	StartTime            time.Time
	Containers           []Container
}

// Container is a running container of a Pod.
type Container struct {
	Name, ID  string
	StartTime time.Time
}

// Snapshot is one read of the node's, pods' and containers' cumulative
// usage. What could not be read (a cgroup gone between the runtime's list
// and the read) is absent.
type Snapshot struct {
	Node       *Usage
	Pods       map[string]Usage // by pod UID
	Containers map[string]Usage // by container ID
}

// Provider reads cumulative usage (the kubelet's StatsProvider). Read may
// be called concurrently.
type Provider interface {
	Read(ctx context.Context, pods []Pod) (*Snapshot, error)
}

var (
	_ Provider = (*CgroupProvider)(nil)
	_ Provider = (*RuntimeProvider)(nil)
)

// ContainerStatser is the part of runtime.Runtime RuntimeProvider uses.
type ContainerStatser interface {
	ContainerStats(ctx context.Context, id string) (*runtime.Stats, error)
}

// RuntimeProvider reads usage through the runtime's ContainerStats, one
// call per container: a pod is the sum of its containers, the node the sum
// of its pods. The kubelet uses it when no cgroup provider is configured
// (tests on the fake runtime, whose usage is set with SetUsage).
type RuntimeProvider struct {
	Runtime ContainerStatser
	Now     func() time.Time // stamps each read; time.Now when nil
}

// Read implements Provider.
func (p *RuntimeProvider) Read(ctx context.Context, pods []Pod) (*Snapshot, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	t := now()
	snap := &Snapshot{Node: &Usage{Time: t}, Pods: make(map[string]Usage, len(pods)), Containers: map[string]Usage{}}
	for _, pod := range pods {
		sum := Usage{Time: t}
		n := 0
		for _, c := range pod.Containers {
			s, err := p.Runtime.ContainerStats(ctx, c.ID)
			if err != nil {
				continue // gone or not running: no stats, as for a vanished cgroup
			}
			u := Usage{Time: t, CPUNanos: s.CPUUsageNanoCores, MemoryUsage: s.MemoryUsage, WorkingSet: s.MemoryWorkingSet}
			snap.Containers[c.ID] = u
			add(&sum, u)
			n++
		}
		if n > 0 {
			snap.Pods[pod.UID] = sum
			add(snap.Node, sum)
		}
	}
	return snap, nil
}

// add adds b's counters to a.
func add(a *Usage, b Usage) {
	a.CPUNanos += b.CPUNanos
	a.MemoryUsage += b.MemoryUsage
	a.WorkingSet += b.WorkingSet
	a.RSS += b.RSS
	a.PageFaults += b.PageFaults
	a.MajorPageFaults += b.MajorPageFaults
}
