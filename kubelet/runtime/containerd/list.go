package containerd

// Listing containerd containers of a kind together with their tasks.

import (
	"context"
	"fmt"

	tasksapi "github.com/containerd/containerd/api/services/tasks/v1"
	taskapi "github.com/containerd/containerd/api/types/task"
	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/errdefs"

	"minik8s/kubelet/runtime"
)

// list returns the containers of a kind and all tasks, in two calls.
func (r *Runtime) list(ctx context.Context, kind string) ([]containers.Container, map[string]*taskInfo, error) {
	cs, err := r.client.ContainerService().List(ctx, fmt.Sprintf(`labels."%s"==%s`, runtime.LabelKind, kind))
	if err != nil {
		return nil, nil, fmt.Errorf("list containers: %w", err)
	}
	resp, err := r.client.TaskService().List(ctx, &tasksapi.ListTasksRequest{})
	if err != nil {
		return nil, nil, fmt.Errorf("list tasks: %w", errdefs.FromGRPC(err))
	}
	tasks := make(map[string]*taskInfo, len(resp.Tasks))
	for _, p := range resp.Tasks {
		ti := &taskInfo{Pid: p.Pid, ExitCode: p.ExitStatus, Status: taskStatus(p.Status)}
		if p.ExitedAt != nil {
			ti.ExitedAt = p.ExitedAt.AsTime()
		}
		tasks[p.ID] = ti
	}
	return cs, tasks, nil
}

func taskStatus(s taskapi.Status) string {
	switch s {
	case taskapi.Status_CREATED:
		return "created"
	case taskapi.Status_RUNNING:
		return "running"
	case taskapi.Status_STOPPED:
		return "stopped"
	case taskapi.Status_PAUSED:
		return "paused"
	case taskapi.Status_PAUSING:
		return "pausing"
	}
	return "unknown"
}
