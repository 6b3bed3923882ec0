package containerd

// App containers: create, start, stop, remove, list.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"minik8s/kubelet/runtime"
)

// CreateContainer implements runtime.Runtime.
func (r *Runtime) CreateContainer(ctx context.Context, sandboxID string, cfg *runtime.ContainerConfig) (string, error) {
	sbc, err := r.client.LoadContainer(ctx, sandboxID)
	if err != nil {
		return "", fmt.Errorf("sandbox %s: %w", sandboxID, err)
	}
	sbInfo, err := sbc.Info(ctx, containerd.WithoutRefreshedMetadata)
	if err != nil {
		return "", fmt.Errorf("sandbox %s: %w", sandboxID, err)
	}
	sbTask, err := sbc.Task(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("sandbox %s is not running: %w", sandboxID, err)
	}
	if st, err := sbTask.Status(ctx); err != nil || st.Status != containerd.Running {
		return "", fmt.Errorf("sandbox %s is not running (%v)", sandboxID, err)
	}
	img, err := r.image(ctx, cfg.Image)
	if err != nil {
		return "", err
	}
	imgSpec, err := img.Spec(ctx)
	if err != nil {
		return "", fmt.Errorf("image config of %s: %w", img.Name(), err)
	}
	pod := runtime.FormatPod(sbInfo.Labels[runtime.LabelPodName], sbInfo.Labels[runtime.LabelPodNamespace], sbInfo.Labels[runtime.LabelPodUID])
	if err := runtime.VerifyRunAsNonRoot(cfg.Security, imgSpec.Config.User, pod, cfg.Name); err != nil {
		return "", err
	}
	secOpts, err := securitySpecOpts(cfg.Security, imgSpec.Config.User)
	if err != nil {
		return "", fmt.Errorf("security context of %s: %w", cfg.Name, err)
	}
	if err := ensureMountSources(cfg.Mounts); err != nil {
		return "", err
	}
	id := newID()
	parent := sbInfo.Labels[LabelCgroupParent]
	pid := sbTask.Pid()
	dir := r.sandboxDir(sandboxID)
	specOpts := []oci.SpecOpts{
		oci.WithImageConfig(img),
		oci.WithProcessArgs(CommandLine(imgSpec.Config.Entrypoint, imgSpec.Config.Cmd, cfg.Command, cfg.Args)...),
		oci.WithEnv(cfg.Env),
		oci.WithMounts(bindMounts(cfg.Mounts, map[string]string{
			"/etc/hosts":       filepath.Join(dir, "hosts"),
			"/etc/hostname":    filepath.Join(dir, "hostname"),
			"/etc/resolv.conf": filepath.Join(dir, "resolv.conf"),
		})),
		withResources(LinuxResources(cfg.Resources)),
	}
	specOpts = append(specOpts, namespaceOpts(pid, cfg.Security)...)
	specOpts = append(specOpts, secOpts...)
	if parent != "" {
		specOpts = append(specOpts, oci.WithCgroup(parent+"/"+id))
	}
	if cfg.WorkingDir != "" {
		specOpts = append(specOpts, oci.WithProcessCwd(cfg.WorkingDir))
	}
	if cfg.TTY {
		specOpts = append(specOpts, oci.WithTTY)
	}
	labels := mergeLabels(cfg.Labels, map[string]string{
		runtime.LabelPodName:       sbInfo.Labels[runtime.LabelPodName],
		runtime.LabelPodNamespace:  sbInfo.Labels[runtime.LabelPodNamespace],
		runtime.LabelPodUID:        sbInfo.Labels[runtime.LabelPodUID],
		runtime.LabelContainerName: cfg.Name,
		runtime.LabelAttempt:       strconv.FormatUint(uint64(cfg.Attempt), 10),
		runtime.LabelKind:          kindContainer,
		LabelSandboxID:             sandboxID,
		LabelImage:                 cfg.Image,
		LabelImageRef:              img.Name() + "@" + img.Target().Digest.String(),
		LabelLogPath:               cfg.LogPath,
	})
	if cfg.Stdin && !cfg.TTY {
		labels[LabelStdin] = "true"
	}
	if _, err := r.client.NewContainer(ctx, id,
		containerd.WithImage(img),
		containerd.WithNewSnapshot(id, img),
		containerd.WithNewSpec(specOpts...),
		containerd.WithContainerLabels(labels),
	); err != nil {
		return "", fmt.Errorf("create container %s of sandbox %s: %w", cfg.Name, sandboxID, err)
	}
	return id, nil
}

// withResources sets the cgroup values (and leaves the spec's device rules).
func withResources(res *specs.LinuxResources) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		if res == nil {
			return nil
		}
		if s.Linux == nil {
			s.Linux = &specs.Linux{}
		}
		if s.Linux.Resources == nil {
			s.Linux.Resources = &specs.LinuxResources{}
		}
		s.Linux.Resources.CPU = res.CPU
		s.Linux.Resources.Memory = res.Memory
		return nil
	}
}

// StartContainer implements runtime.Runtime. A container that cannot start
// is recorded as exited with StartError (128), as Kubernetes reports it.
func (r *Runtime) StartContainer(ctx context.Context, id string) error {
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return fmt.Errorf("container %s: %w", id, err)
	}
	info, err := c.Info(ctx, containerd.WithoutRefreshedMetadata)
	if err != nil {
		return fmt.Errorf("container %s: %w", id, err)
	}
	ioc, plain := cio.NullIO, cio.NullIO
	if p := info.Labels[LabelLogPath]; p != "" {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("log dir of %s: %w", id, err)
		}
		ioc, plain = logIO(r.opts.LoggerBinary, p), cio.LogFile(p)
	}
	if info.Labels[LabelStdin] == "true" {
		if ioc, err = r.stdinCreator(ctx, id, info.Labels[LabelLogPath]); err != nil {
			return err
		}
	}
	task, err := c.NewTask(ctx, ioc)
	if err != nil && r.opts.LoggerBinary != "" {
		// The CRI logger could not start: plain-text logs beat none.
		task, err = c.NewTask(ctx, plain)
	}
	if err == nil {
		if err = task.Start(ctx); err != nil {
			_, _ = task.Delete(context.WithoutCancel(ctx), containerd.WithProcessKill)
		}
	}
	if err != nil {
		now := time.Now()
		_, _ = c.SetLabels(context.WithoutCancel(ctx), mergeLabels(exitLabels(128, now, ReasonStartError),
			map[string]string{LabelStartedAt: now.UTC().Format(time.RFC3339Nano)}))
		return fmt.Errorf("start container %s: %w", id, err)
	}
	if _, err := c.SetLabels(ctx, map[string]string{LabelStartedAt: time.Now().UTC().Format(time.RFC3339Nano)}); err != nil {
		return fmt.Errorf("record start of %s: %w", id, err)
	}
	return nil
}

// StopContainer implements runtime.Runtime and records the exit.
func (r *Runtime) StopContainer(ctx context.Context, id string, timeout time.Duration) error {
	c, err := r.client.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("container %s: %w", id, err)
	}
	task, err := c.Task(ctx, nil)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("task of %s: %w", id, err)
	}
	if st, err := task.Status(ctx); err == nil && st.Status == containerd.Created {
		_, err := task.Delete(ctx, containerd.WithProcessKill)
		if err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("delete created task of %s: %w", id, err)
		}
		return nil
	}
	exitC, err := task.Wait(ctx)
	if err != nil {
		return fmt.Errorf("wait for %s: %w", id, err)
	}
	st, err := task.Status(ctx)
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("status of %s: %w", id, err)
	}
	if err == nil && st.Status != containerd.Stopped {
		if err := terminate(ctx, task, exitC, timeout); err != nil {
			return fmt.Errorf("stop %s: %w", id, err)
		}
	}
	return r.reap(ctx, c, task)
}

// RemoveContainer implements runtime.Runtime (a running container is killed).
func (r *Runtime) RemoveContainer(ctx context.Context, id string) error {
	c, err := r.client.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("container %s: %w", id, err)
	}
	if task, err := c.Task(ctx, nil); err == nil {
		if err := killAndDelete(ctx, task, 0); err != nil {
			return fmt.Errorf("kill %s: %w", id, err)
		}
	} else if !errdefs.IsNotFound(err) {
		return fmt.Errorf("task of %s: %w", id, err)
	}
	if err := c.Delete(ctx, containerd.WithSnapshotCleanup); err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("remove container %s: %w", id, err)
	}
	r.removeStdin(id)
	return nil
}

// ListContainers implements runtime.Runtime. It has no side effects: a
// container whose task stopped is reported NeedsReap (ReapContainer
// records its exit).
func (r *Runtime) ListContainers(ctx context.Context) ([]*runtime.Container, error) {
	cs, tasks, err := r.list(ctx, kindContainer)
	if err != nil {
		return nil, err
	}
	out := make([]*runtime.Container, 0, len(cs))
	for _, info := range cs {
		out = append(out, containerFromRecord(info.ID, info.Labels, info.CreatedAt, tasks[info.ID]))
	}
	return out, nil
}
