package containerd

// Reaping: recording a stopped task's exit (code, time, OOM kill) in its container's labels.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	cgroupsv1 "github.com/containerd/cgroups/v3/cgroup1/stats"
	cgroupsv2 "github.com/containerd/cgroups/v3/cgroup2/stats"
	"github.com/containerd/containerd"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/typeurl/v2"

	"minik8s/kubelet/runtime"
)

// reap records a stopped task's exit (code, time, OOM) in the container's
// labels and deletes the task, so the status survives without a shim.
func (r *Runtime) reap(ctx context.Context, c containerd.Container, task containerd.Task) error {
	_, err := r.reapLabels(ctx, c, task)
	return err
}

// reapLabels is reap returning the container's labels after the update
// (nil when there was nothing to reap).
func (r *Runtime) reapLabels(ctx context.Context, c containerd.Container, task containerd.Task) (map[string]string, error) {
	st, err := task.Status(ctx)
	if errdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("status of %s: %w", c.ID(), err)
	}
	if st.Status != containerd.Stopped {
		return nil, nil
	}
	oom := oomFromMetrics(ctx, task)
	if !oom {
		if spec, err := c.Spec(ctx); err == nil && spec.Linux != nil {
			oom = r.oomKilled(spec.Linux.CgroupsPath)
		}
	}
	code := int32(st.ExitStatus)
	labels, err := c.SetLabels(ctx, exitLabels(code, st.ExitTime, ExitReason(code, oom)))
	if err != nil {
		return nil, fmt.Errorf("record exit of %s: %w", c.ID(), err)
	}
	if _, err := task.Delete(ctx); err != nil && !errdefs.IsNotFound(err) {
		return nil, fmt.Errorf("delete task of %s: %w", c.ID(), err)
	}
	return labels, nil
}

// oomFromMetrics asks the shim for the (stopped) task's cgroup OOM kill
// counter; the shim reads the cgroup in the host's mount namespace, which the
// kubelet under `ip netns exec` cannot.
func oomFromMetrics(ctx context.Context, task containerd.Task) bool {
	m, err := task.Metrics(ctx)
	if err != nil || m.Data == nil {
		return false
	}
	data, err := typeurl.UnmarshalAny(m.Data)
	if err != nil {
		return false
	}
	switch v := data.(type) {
	case *cgroupsv1.Metrics:
		return v.MemoryOomControl != nil && v.MemoryOomControl.OomKill > 0
	case *cgroupsv2.Metrics:
		return v.MemoryEvents != nil && v.MemoryEvents.OomKill > 0
	}
	return false
}

// oomKilled reads the memory cgroup's OOM kill counter (v1 memory.oom_control
// or v2 memory.events), still there until the task is deleted.
func (r *Runtime) oomKilled(cgroupsPath string) bool {
	if cgroupsPath == "" || strings.Contains(cgroupsPath, ":") {
		return false
	}
	for _, f := range []string{
		filepath.Join(r.opts.CgroupFSRoot, "memory", cgroupsPath, "memory.oom_control"),
		filepath.Join(r.opts.CgroupFSRoot, cgroupsPath, "memory.events"),
	} {
		if b, err := os.ReadFile(f); err == nil {
			return OOMKillCount(b) > 0
		}
	}
	return false
}

// OOMKillCount parses the oom_kill counter of memory.oom_control (v1) or
// memory.events (v2).
func OOMKillCount(b []byte) uint64 {
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 && f[0] == "oom_kill" {
			n, _ := strconv.ParseUint(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// ReapContainer implements runtime.Runtime: it records a stopped task's
// exit (code, time, OOM kill) in the container's labels, deletes the task
// and returns the container. If someone else (StopContainer) reaped it
// first, it returns what they recorded.
func (r *Runtime) ReapContainer(ctx context.Context, id string) (*runtime.Container, error) {
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", id, err)
	}
	var t *taskInfo
	if task, err := c.Task(ctx, nil); err == nil {
		if _, err := r.reapLabels(ctx, c, task); err != nil {
			return nil, err
		}
		if st, err := task.Status(ctx); err == nil && st.Status != containerd.Stopped {
			t = &taskInfo{Pid: task.Pid(), Status: string(st.Status)}
		}
	} else if !errdefs.IsNotFound(err) {
		return nil, fmt.Errorf("task of %s: %w", id, err)
	}
	info, err := c.Info(ctx) // refreshed: the labels the reap just recorded
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", id, err)
	}
	return containerFromRecord(id, info.Labels, info.CreatedAt, t), nil
}
