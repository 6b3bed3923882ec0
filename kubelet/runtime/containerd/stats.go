package containerd

// Stats: a container's CPU and memory usage from its cgroup metrics.

import (
	"context"
	"fmt"

	cgroupsv1 "github.com/containerd/cgroups/v3/cgroup1/stats"
	cgroupsv2 "github.com/containerd/cgroups/v3/cgroup2/stats"
	"github.com/containerd/typeurl/v2"

	"minik8s/kubelet/runtime"
)

// ContainerStats implements runtime.Runtime from the task's cgroup metrics.
func (r *Runtime) ContainerStats(ctx context.Context, id string) (*runtime.Stats, error) {
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", id, err)
	}
	task, err := c.Task(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("container %s is not running: %w", id, err)
	}
	m, err := task.Metrics(ctx)
	if err != nil {
		return nil, fmt.Errorf("metrics of %s: %w", id, err)
	}
	data, err := typeurl.UnmarshalAny(m.Data)
	if err != nil {
		return nil, fmt.Errorf("metrics of %s: %w", id, err)
	}
	s := &runtime.Stats{Timestamp: m.Timestamp.AsTime()}
	switch v := data.(type) {
	case *cgroupsv1.Metrics:
		if v.CPU != nil && v.CPU.Usage != nil {
			s.CPUUsageNanoCores = v.CPU.Usage.Total
		}
		if v.Memory != nil && v.Memory.Usage != nil {
			s.MemoryUsage = v.Memory.Usage.Usage
			s.MemoryWorkingSet = workingSet(v.Memory.Usage.Usage, v.Memory.TotalInactiveFile)
		}
	case *cgroupsv2.Metrics:
		if v.CPU != nil {
			s.CPUUsageNanoCores = v.CPU.UsageUsec * 1000
		}
		if v.Memory != nil {
			s.MemoryUsage = v.Memory.Usage
			s.MemoryWorkingSet = workingSet(v.Memory.Usage, v.Memory.InactiveFile)
		}
	default:
		return nil, fmt.Errorf("metrics of %s: unknown type %T", id, data)
	}
	return s, nil
}

// workingSet is usage minus inactive file cache, as cAdvisor computes it.
func workingSet(usage, inactiveFile uint64) uint64 {
	if inactiveFile > usage {
		return 0
	}
	return usage - inactiveFile
}
