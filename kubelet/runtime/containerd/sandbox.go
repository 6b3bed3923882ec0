package containerd

// Sandboxes: the pause container owning a pod's namespaces, its network (CNI) and files.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/containerd/containerd"
	"github.com/containerd/containerd/cio"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"minik8s/kubelet/runtime"
	"minik8s/kubelet/runtime/cni"
)

func newID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b)
}

func (r *Runtime) sandboxDir(id string) string { return filepath.Join(r.opts.RootDir, "sandboxes", id) }

// RunPodSandbox implements runtime.Runtime: pause container first (runc
// gives it new network, IPC and UTS namespaces), then CNI ADD on its network
// namespace, then the pod's files.
func (r *Runtime) RunPodSandbox(ctx context.Context, cfg *runtime.SandboxConfig) (_ *runtime.Sandbox, retErr error) {
	img, err := r.image(ctx, r.opts.PauseImage)
	if err != nil {
		return nil, err
	}
	id := newID()
	parent := cfg.CgroupParent
	if parent == "" {
		parent = r.opts.CgroupRoot + "/pod" + cfg.PodUID
	}
	labels := mergeLabels(cfg.Labels, map[string]string{
		runtime.LabelPodName:       cfg.Name,
		runtime.LabelPodNamespace:  cfg.Namespace,
		runtime.LabelPodUID:        cfg.PodUID,
		runtime.LabelContainerName: "POD",
		runtime.LabelKind:          kindSandbox,
		LabelCgroupParent:          parent,
	})
	specOpts := []oci.SpecOpts{
		oci.WithImageConfig(img),
		oci.WithCgroup(parent + "/" + id),
		oci.WithCPUShares(2),
	}
	specOpts = append(specOpts, sandboxSecurityOpts(cfg)...)
	if cfg.Hostname != "" {
		specOpts = append(specOpts, oci.WithHostname(cfg.Hostname))
	}
	if cfg.HostNetwork {
		labels[LabelHostNetwork] = "true"
		nsPath, err := hostNetNS()
		if err != nil {
			return nil, err
		}
		if nsPath == "" {
			specOpts = append(specOpts, oci.WithHostNamespace(specs.NetworkNamespace))
		} else {
			specOpts = append(specOpts, oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: nsPath}))
		}
	}
	c, err := r.client.NewContainer(ctx, id,
		containerd.WithImage(img),
		containerd.WithNewSnapshot(id, img),
		containerd.WithNewSpec(specOpts...),
		containerd.WithContainerLabels(labels),
	)
	if err != nil {
		return nil, fmt.Errorf("create pause container for %s/%s: %w", cfg.Namespace, cfg.Name, err)
	}
	defer func() {
		if retErr != nil {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := r.RemovePodSandbox(cctx, id); err != nil {
				retErr = fmt.Errorf("%w (and cleaning up: %v)", retErr, err)
			}
		}
	}()
	task, err := c.NewTask(ctx, cio.NullIO)
	if err != nil {
		return nil, fmt.Errorf("create pause task for %s/%s: %w", cfg.Namespace, cfg.Name, err)
	}
	if err := task.Start(ctx); err != nil {
		return nil, fmt.Errorf("start pause for %s/%s: %w", cfg.Namespace, cfg.Name, err)
	}
	ip, netnsPath := r.opts.NodeIP, ""
	if !cfg.HostNetwork {
		netnsPath = fmt.Sprintf("/proc/%d/ns/net", task.Pid())
		if ip, err = r.net.Setup(ctx, id, netnsPath); err != nil {
			return nil, fmt.Errorf("pod network for %s/%s: %w", cfg.Namespace, cfg.Name, err)
		}
	}
	if err := r.writeSandboxFiles(id, ip, cfg); err != nil {
		return nil, err
	}
	labels, err = c.SetLabels(ctx, map[string]string{LabelSandboxIP: ip})
	if err != nil {
		return nil, fmt.Errorf("record sandbox IP: %w", err)
	}
	info, err := c.Info(ctx, containerd.WithoutRefreshedMetadata)
	if err != nil {
		return nil, fmt.Errorf("sandbox %s: %w", id, err)
	}
	return &runtime.Sandbox{
		ID: id, PodUID: cfg.PodUID, Name: cfg.Name, Namespace: cfg.Namespace,
		IP: ip, NetNSPath: netnsPath, State: runtime.SandboxReady, CreatedAt: info.CreatedAt, Labels: labels,
	}, nil
}

// hostNetNS is the network namespace of this process as a path runc can
// join, or "" when it is the host's (that of PID 1).
func hostNetNS() (string, error) {
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		return "", fmt.Errorf("own network namespace: %w", err)
	}
	if init, err := os.Readlink("/proc/1/ns/net"); err == nil && init == self {
		return "", nil
	}
	return fmt.Sprintf("/proc/%d/ns/net", os.Getpid()), nil
}

func (r *Runtime) writeSandboxFiles(id, ip string, cfg *runtime.SandboxConfig) error {
	dir := r.sandboxDir(id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("sandbox dir: %w", err)
	}
	hostname := cfg.Hostname
	if hostname == "" {
		hostname = cfg.Name
	}
	hostResolv, err := readIfExists(r.opts.HostResolv)
	if err != nil {
		return fmt.Errorf("host resolv.conf: %w", err)
	}
	hosts := HostsFile(ip, hostname, cfg.HostDomain, cfg.HostAliases)
	if cfg.HostNetwork {
		node, err := readIfExists(r.opts.HostHosts)
		if err != nil {
			return fmt.Errorf("node hosts file: %w", err)
		}
		hosts = NodeHostsFile(node, cfg.HostAliases)
	}
	for name, data := range map[string][]byte{
		"hostname":    []byte(hostname + "\n"),
		"hosts":       hosts,
		"resolv.conf": ResolvConf(cfg.DNS, hostResolv),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("sandbox file: %w", err)
		}
	}
	return nil
}

// readIfExists reads path; a missing file is empty.
func readIfExists(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	return b, nil
}

// StopPodSandbox implements runtime.Runtime: kills the sandbox's containers,
// runs CNI DEL (while the pause still holds the network namespace), stops
// the pause.
func (r *Runtime) StopPodSandbox(ctx context.Context, id string) error {
	c, err := r.client.LoadContainer(ctx, id)
	if errdefs.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sandbox %s: %w", id, err)
	}
	info, err := c.Info(ctx, containerd.WithoutRefreshedMetadata)
	if err != nil {
		return fmt.Errorf("sandbox %s: %w", id, err)
	}
	cs, err := r.client.ContainerService().List(ctx, fmt.Sprintf(`labels."%s"==%s`, LabelSandboxID, id))
	if err != nil {
		return fmt.Errorf("containers of sandbox %s: %w", id, err)
	}
	for _, ac := range cs {
		if err := r.StopContainer(ctx, ac.ID, 0); err != nil {
			return err
		}
	}
	task, err := c.Task(ctx, nil)
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("pause task of %s: %w", id, err)
	}
	if info.Labels[LabelHostNetwork] != "true" {
		netnsPath := ""
		if task != nil {
			if st, err := task.Status(ctx); err == nil && st.Status == containerd.Running {
				netnsPath = fmt.Sprintf("/proc/%d/ns/net", task.Pid())
			}
		}
		if err := r.net.Teardown(ctx, id, netnsPath); err != nil && !errors.Is(err, cni.ErrNoConfig) {
			return fmt.Errorf("sandbox %s: %w", id, err)
		}
	}
	if task != nil {
		if err := killAndDelete(ctx, task, 0); err != nil {
			return fmt.Errorf("stop pause of %s: %w", id, err)
		}
	}
	return nil
}

// killAndDelete sends SIGTERM (SIGKILL right away with a zero timeout),
// then SIGKILL after timeout, and deletes the task.
func killAndDelete(ctx context.Context, task containerd.Task, timeout time.Duration) error {
	st, err := task.Status(ctx)
	if err != nil {
		if errdefs.IsNotFound(err) {
			return nil
		}
		return err
	}
	if st.Status != containerd.Stopped {
		exitC, err := task.Wait(ctx)
		if err != nil {
			return err
		}
		if err := terminate(ctx, task, exitC, timeout); err != nil {
			return err
		}
	}
	if _, err := task.Delete(ctx); err != nil && !errdefs.IsNotFound(err) {
		return err
	}
	return nil
}

// terminate stops a running task: SIGTERM and up to timeout for it to exit
// (skipped with a zero timeout), then SIGKILL to all its processes. It
// returns once exitC reports the exit.
func terminate(ctx context.Context, task containerd.Task, exitC <-chan containerd.ExitStatus, timeout time.Duration) error {
	if timeout > 0 {
		if err := task.Kill(ctx, syscall.SIGTERM); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("SIGTERM: %w", err)
		}
		select {
		case <-exitC:
		case <-time.After(timeout):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if st, err := task.Status(ctx); err == nil && st.Status != containerd.Stopped {
		if err := task.Kill(ctx, syscall.SIGKILL, containerd.WithKillAll); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("SIGKILL: %w", err)
		}
		select {
		case <-exitC:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// RemovePodSandbox implements runtime.Runtime: stops it if needed, removes
// its containers, the pause, the sandbox files and the pod cgroup.
func (r *Runtime) RemovePodSandbox(ctx context.Context, id string) error {
	if err := r.StopPodSandbox(ctx, id); err != nil {
		return err
	}
	cs, err := r.client.ContainerService().List(ctx, fmt.Sprintf(`labels."%s"==%s`, LabelSandboxID, id))
	if err != nil {
		return fmt.Errorf("containers of sandbox %s: %w", id, err)
	}
	for _, ac := range cs {
		if err := r.RemoveContainer(ctx, ac.ID); err != nil {
			return err
		}
	}
	parent := ""
	c, err := r.client.LoadContainer(ctx, id)
	switch {
	case err == nil:
		if info, err := c.Info(ctx, containerd.WithoutRefreshedMetadata); err == nil {
			parent = info.Labels[LabelCgroupParent]
		}
		if err := c.Delete(ctx, containerd.WithSnapshotCleanup); err != nil && !errdefs.IsNotFound(err) {
			return fmt.Errorf("remove pause of %s: %w", id, err)
		}
	case !errdefs.IsNotFound(err):
		return fmt.Errorf("sandbox %s: %w", id, err)
	}
	if err := os.RemoveAll(r.sandboxDir(id)); err != nil {
		return fmt.Errorf("sandbox files of %s: %w", id, err)
	}
	if parent != "" {
		r.removeCgroup(parent)
	}
	return nil
}

// removeCgroup removes an (empty) pod cgroup in every hierarchy, best effort:
// runc removes the containers' cgroups, not the parent it created.
func (r *Runtime) removeCgroup(parent string) {
	root := r.opts.CgroupFSRoot
	dirs := []string{filepath.Join(root, parent)} // cgroup v2
	if entries, err := os.ReadDir(root); err == nil {
		for _, e := range entries {
			if e.IsDir() {
				dirs = append(dirs, filepath.Join(root, e.Name(), parent))
			}
		}
	}
	for _, d := range dirs {
		_ = syscall.Rmdir(d)
	}
}

// ListPodSandboxes implements runtime.Runtime.
func (r *Runtime) ListPodSandboxes(ctx context.Context) ([]*runtime.Sandbox, error) {
	cs, tasks, err := r.list(ctx, kindSandbox)
	if err != nil {
		return nil, err
	}
	out := make([]*runtime.Sandbox, 0, len(cs))
	for _, c := range cs {
		out = append(out, sandboxFromRecord(c.ID, c.Labels, c.CreatedAt, tasks[c.ID]))
	}
	return out, nil
}
