package containerd

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	cgroupsv1 "github.com/containerd/cgroups/v3/cgroup1/stats"
	cgroupsv2 "github.com/containerd/cgroups/v3/cgroup2/stats"
	"github.com/containerd/containerd"
	tasksapi "github.com/containerd/containerd/api/services/tasks/v1"
	taskapi "github.com/containerd/containerd/api/types/task"
	"github.com/containerd/containerd/cio"
	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/errdefs"
	"github.com/containerd/containerd/oci"
	"github.com/containerd/containerd/remotes/docker"
	"github.com/containerd/typeurl/v2"
	"github.com/distribution/reference"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"minik8s/kubelet/runtime"
	"minik8s/kubelet/runtime/cni"
)

var _ runtime.Runtime = (*Runtime)(nil)

// Options configure the containerd runtime of one node.
type Options struct {
	Address      string   // containerd socket; /run/containerd/containerd.sock
	Namespace    string   // containerd namespace of this node; k8s.io
	RootDir      string   // per-sandbox files (RootDir/sandboxes/<id>); /var/lib/minik8s/runtime
	CNIConfDir   string   // /etc/cni/net.d
	CNIBinDirs   []string // /usr/lib/cni, /opt/cni/bin
	CNICacheDir  string   // libcni's cache; RootDir/cni-cache
	CgroupRoot   string   // parent of pod cgroups when a sandbox has no CgroupParent: <root>/pod<uid>; /minik8s
	PauseImage   string   // docker.io/minik8s/pause:3.9
	NodeIP       string   // the IP of hostNetwork pods
	HostResolv   string   // resolv.conf used when a sandbox has no DNS config; /etc/resolv.conf
	Registry     string   // mirror for docker.io pulls, e.g. http://192.168.77.1:5000 (empty: Docker Hub)
	StopTimeout  time.Duration
	DialTimeout  time.Duration
	CgroupFSRoot string // /sys/fs/cgroup
}

func (o *Options) defaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.Address, "/run/containerd/containerd.sock")
	def(&o.Namespace, "k8s.io")
	def(&o.RootDir, "/var/lib/minik8s/runtime")
	def(&o.CNIConfDir, "/etc/cni/net.d")
	def(&o.CNICacheDir, filepath.Join(o.RootDir, "cni-cache"))
	def(&o.CgroupRoot, "/minik8s")
	def(&o.PauseImage, "docker.io/minik8s/pause:3.9")
	def(&o.HostResolv, "/etc/resolv.conf")
	def(&o.CgroupFSRoot, "/sys/fs/cgroup")
	if len(o.CNIBinDirs) == 0 {
		o.CNIBinDirs = []string{"/usr/lib/cni", "/opt/cni/bin"}
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = 10 * time.Second
	}
}

// Runtime is runtime.Runtime on containerd.
type Runtime struct {
	opts   Options
	client *containerd.Client
	net    *cni.Network
}

// New connects to containerd.
func New(ctx context.Context, opts Options) (*Runtime, error) {
	opts.defaults()
	client, err := containerd.New(opts.Address, containerd.WithDefaultNamespace(opts.Namespace), containerd.WithTimeout(opts.DialTimeout))
	if err != nil {
		return nil, fmt.Errorf("connect to containerd at %s: %w", opts.Address, err)
	}
	if err := os.MkdirAll(filepath.Join(opts.RootDir, "sandboxes"), 0o755); err != nil {
		client.Close()
		return nil, fmt.Errorf("runtime root: %w", err)
	}
	if err := ensureCgroupFS(opts.CgroupFSRoot); err != nil {
		client.Close()
		return nil, err
	}
	return &Runtime{
		opts:   opts,
		client: client,
		net:    &cni.Network{ConfDir: opts.CNIConfDir, BinDirs: opts.CNIBinDirs, CacheDir: opts.CNICacheDir},
	}, nil
}

// Close closes the containerd connection.
func (r *Runtime) Close() error { return r.client.Close() }

// Client is the containerd client (for tests and tools).
func (r *Runtime) Client() *containerd.Client { return r.client }

// Version implements runtime.Runtime.
func (r *Runtime) Version(ctx context.Context) (string, error) {
	v, err := r.client.Version(ctx)
	if err != nil {
		return "", fmt.Errorf("containerd version: %w", err)
	}
	return "containerd://" + strings.TrimPrefix(v.Version, "v"), nil
}

// --- images ----------------------------------------------------------------

// NormalizeImage returns the full reference containerd stores an image under
// ("busybox" -> "docker.io/library/busybox:latest").
func NormalizeImage(image string) (string, error) {
	named, err := reference.ParseDockerRef(image)
	if err != nil {
		return "", fmt.Errorf("invalid image reference %q: %w", image, err)
	}
	return named.String(), nil
}

// ErrImageNeverPull is returned by EnsureImage for a missing image under PullNever.
var ErrImageNeverPull = errors.New("image not present and pull policy is Never")

// EnsureImage implements runtime.Runtime.
func (r *Runtime) EnsureImage(ctx context.Context, image string, policy runtime.PullPolicy) (string, error) {
	name, err := NormalizeImage(image)
	if err != nil {
		return "", err
	}
	img, err := r.client.GetImage(ctx, name)
	switch {
	case err == nil && policy != runtime.PullAlways:
		if err := r.ensureUnpacked(ctx, img); err != nil {
			return "", err
		}
		return name + "@" + img.Target().Digest.String(), nil
	case err != nil && !errdefs.IsNotFound(err):
		return "", fmt.Errorf("look up image %s: %w", name, err)
	case err != nil && policy == runtime.PullNever:
		return "", fmt.Errorf("%s: %w", name, ErrImageNeverPull)
	}
	img, err = r.client.Pull(ctx, name, containerd.WithPullUnpack, containerd.WithResolver(docker.NewResolver(r.resolver())))
	if err != nil {
		return "", fmt.Errorf("pull image %s: %w", name, err)
	}
	return name + "@" + img.Target().Digest.String(), nil
}

func (r *Runtime) ensureUnpacked(ctx context.Context, img containerd.Image) error {
	ok, err := img.IsUnpacked(ctx, containerd.DefaultSnapshotter)
	if err != nil {
		return fmt.Errorf("image %s: %w", img.Name(), err)
	}
	if !ok {
		if err := img.Unpack(ctx, containerd.DefaultSnapshotter); err != nil {
			return fmt.Errorf("unpack image %s: %w", img.Name(), err)
		}
	}
	return nil
}

// resolver pulls from the registry mirror (for docker.io) when one is set.
func (r *Runtime) resolver() docker.ResolverOptions {
	defaults := docker.ConfigureDefaultRegistries(docker.WithPlainHTTP(docker.MatchLocalhost))
	hosts := defaults
	if r.opts.Registry != "" {
		if u, err := url.Parse(r.opts.Registry); err == nil && u.Host != "" {
			hosts = func(host string) ([]docker.RegistryHost, error) {
				def, err := defaults(host)
				if err != nil || host != "docker.io" {
					return def, err
				}
				mirror := docker.RegistryHost{
					Client: http.DefaultClient, Host: u.Host, Scheme: u.Scheme, Path: "/v2",
					Capabilities: docker.HostCapabilityPull | docker.HostCapabilityResolve,
				}
				return append([]docker.RegistryHost{mirror}, def...), nil
			}
		}
	}
	return docker.ResolverOptions{Hosts: hosts}
}

// --- sandboxes -------------------------------------------------------------

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
	var hostResolv []byte
	if cfg.DNS == nil {
		b, err := os.ReadFile(r.opts.HostResolv)
		if err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("host resolv.conf: %w", err)
		}
		hostResolv = b
	}
	for name, data := range map[string][]byte{
		"hostname":    []byte(hostname + "\n"),
		"hosts":       HostsFile(ip, hostname),
		"resolv.conf": ResolvConf(cfg.DNS, hostResolv),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("sandbox file: %w", err)
		}
	}
	return nil
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

// --- containers ------------------------------------------------------------

func (r *Runtime) image(ctx context.Context, image string) (containerd.Image, error) {
	name, err := NormalizeImage(image)
	if err != nil {
		return nil, err
	}
	img, err := r.client.GetImage(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	return img, nil
}

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
		oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: fmt.Sprintf("/proc/%d/ns/net", pid)}),
		oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.IPCNamespace, Path: fmt.Sprintf("/proc/%d/ns/ipc", pid)}),
		oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.UTSNamespace, Path: fmt.Sprintf("/proc/%d/ns/uts", pid)}),
		withResources(LinuxResources(cfg.Resources)),
	}
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
	ioc := cio.NullIO
	if p := info.Labels[LabelLogPath]; p != "" {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("log dir of %s: %w", id, err)
		}
		ioc = cio.LogFile(p)
	}
	task, err := c.NewTask(ctx, ioc)
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

// Exec implements runtime.Runtime.
func (r *Runtime) Exec(ctx context.Context, id string, opts runtime.ExecOptions) (int, error) {
	if len(opts.Cmd) == 0 {
		return 0, fmt.Errorf("exec in %s: empty command", id)
	}
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("container %s: %w", id, err)
	}
	task, err := c.Task(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("container %s is not running: %w", id, err)
	}
	spec, err := c.Spec(ctx)
	if err != nil {
		return 0, fmt.Errorf("spec of %s: %w", id, err)
	}
	pspec := *spec.Process
	pspec.Args = opts.Cmd
	pspec.Terminal = opts.TTY
	var stdin io.Reader
	stdinDone := make(chan struct{})
	if opts.Stdin != nil {
		stdin = &eofReader{r: opts.Stdin, done: stdinDone}
	}
	ioOpts := []cio.Opt{cio.WithStreams(stdin, orDiscard(opts.Stdout), orDiscard(opts.Stderr))}
	if opts.TTY {
		ioOpts = append(ioOpts, cio.WithTerminal)
	}
	execID := "exec-" + newID()[:16]
	p, err := task.Exec(ctx, execID, &pspec, cio.NewCreator(ioOpts...))
	if err != nil {
		return 0, fmt.Errorf("exec in %s: %w", id, err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_, _ = p.Delete(dctx, containerd.WithProcessKill)
	}()
	statusC, err := p.Wait(ctx)
	if err != nil {
		return 0, fmt.Errorf("exec in %s: %w", id, err)
	}
	if err := p.Start(ctx); err != nil {
		return 0, fmt.Errorf("exec in %s: %w", id, err)
	}
	if stdin != nil {
		// The shim does not see the end of stdin by itself: close it.
		go func() {
			select {
			case <-stdinDone:
				_ = p.CloseIO(ctx, containerd.WithStdinCloser)
			case <-ctx.Done():
			}
		}()
	}
	var st containerd.ExitStatus
	select {
	case st = <-statusC:
	case <-ctx.Done():
		_ = p.Kill(context.WithoutCancel(ctx), syscall.SIGKILL)
		return 0, ctx.Err()
	}
	p.IO().Wait() // all output copied
	code, _, err := st.Result()
	if err != nil {
		return 0, fmt.Errorf("exec in %s: %w", id, err)
	}
	return int(code), nil
}

// eofReader closes done once its reader is exhausted.
type eofReader struct {
	r    io.Reader
	done chan struct{}
	once sync.Once
}

func (e *eofReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil {
		e.once.Do(func() { close(e.done) })
	}
	return n, err
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func orDiscard(w interface{ Write([]byte) (int, error) }) interface{ Write([]byte) (int, error) } {
	if w == nil {
		return discard{}
	}
	return w
}
