// Package fake is an in-memory, deterministic runtime.Runtime for the
// kubelet's unit tests: sandboxes and containers live in maps, IDs and pod
// IPs are sequential, time comes from a settable clock, and hooks make
// containers exit, get OOM-killed, fail to start or fail to pull.
package fake

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"minik8s/kubelet/runtime"
)

var _ runtime.Runtime = (*Runtime)(nil)

// ErrNotFound is returned (wrapped) for unknown sandbox or container IDs.
var ErrNotFound = fmt.Errorf("not found")

// Behavior says what a container does once started, keyed by container name
// (see SetBehavior).
type Behavior struct {
	// StartErr makes StartContainer fail (the container stays Created).
	StartErr error
	// Exit makes the container exit right after it starts, with ExitCode.
	Exit     bool
	ExitCode int32
	// OOM makes the container get OOM-killed right after it starts (exit 137).
	OOM bool
	// IgnoreSIGTERM makes StopContainer wait out its timeout (in real
	// time, or until its ctx ends) before the kill, like a process that
	// ignores SIGTERM.
	IgnoreSIGTERM bool
	// Process, when set, is the container's process: it runs in its own
	// goroutine once the container starts, with the container's stdin
	// (empty unless created with Stdin) and its log file as output, and
	// the container exits with the code it returns.
	Process func(stdin io.Reader, out io.Writer) int32
}

type container struct {
	c   runtime.Container
	cfg runtime.ContainerConfig
	// stdin of a container created with Stdin: the process reads stdinR,
	// ContainerStdin hands out stdinW until it is closed.
	stdinR      *io.PipeReader
	stdinW      *io.PipeWriter
	stdinClosed bool
}

// Runtime is the fake. The zero value is not usable: call New.
type Runtime struct {
	mu sync.Mutex

	now        time.Time
	nextID     int
	nextIP     int
	sandboxes  map[string]*runtime.Sandbox
	sbConfigs  map[string]runtime.SandboxConfig
	containers map[string]*container
	images     map[string]bool
	pullErr    map[string]error
	imageUsers map[string]string // image -> its config's USER ("" = root)
	behaviors  map[string]Behavior
	failNext   map[string]error
	stats      map[string]runtime.Stats
	usage      map[string]setUsage // namespace/pod/container -> SetUsage
	calls      []string
	stopTimes  map[string][]time.Duration

	// ExecFunc, when set, runs Exec; otherwise Exec echoes the command to
	// Stdout and returns 0.
	ExecFunc func(id string, opts runtime.ExecOptions) (int, error)
	noNetNS  bool // SetNoNetNS
	// PodCIDRPrefix is the prefix of fake pod IPs ("10.244.0." by default).
	PodCIDRPrefix string
	// NodeIP is the IP of hostNetwork sandboxes ("192.168.77.11" by default).
	NodeIP string
}

// New returns an empty fake with the clock at a fixed instant and the lab
// images present.
func New() *Runtime {
	r := &Runtime{
		now:           time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		sandboxes:     map[string]*runtime.Sandbox{},
		sbConfigs:     map[string]runtime.SandboxConfig{},
		containers:    map[string]*container{},
		images:        map[string]bool{},
		pullErr:       map[string]error{},
		imageUsers:    map[string]string{},
		behaviors:     map[string]Behavior{},
		failNext:      map[string]error{},
		stats:         map[string]runtime.Stats{},
		usage:         map[string]setUsage{},
		stopTimes:     map[string][]time.Duration{},
		PodCIDRPrefix: "10.244.0.",
		NodeIP:        "192.168.77.11",
	}
	for _, img := range []string{"docker.io/minik8s/pause:3.9", "docker.io/minik8s/tools:latest", "docker.io/minik8s/testserver:latest"} {
		r.images[img] = true
	}
	return r
}

// --- hooks -----------------------------------------------------------------

// SetExecFunc sets ExecFunc (safe while a kubelet uses the runtime).
func (r *Runtime) SetExecFunc(fn func(id string, opts runtime.ExecOptions) (int, error)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ExecFunc = fn
}

// SetNoNetNS makes new sandboxes have no network namespace path, so that
// the kubelet reaches their ports on the host (port-forward tests).
func (r *Runtime) SetNoNetNS() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.noNetNS = true
}

// SetPodCIDRPrefix sets PodCIDRPrefix (safe while a kubelet uses the runtime).
func (r *Runtime) SetPodCIDRPrefix(p string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.PodCIDRPrefix = p
}

// Now returns the fake clock.
func (r *Runtime) Now() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

// SetNow sets the fake clock.
func (r *Runtime) SetNow(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = t
}

// Advance moves the fake clock forward.
func (r *Runtime) Advance(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.now = r.now.Add(d)
}

// AddImage makes an image present (EnsureImage with IfNotPresent/Never succeeds).
func (r *Runtime) AddImage(image string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.images[normalize(image)] = true
}

// SetPullError makes pulling image fail with err (nil clears it). An image
// that is neither present nor has a pull error is "pulled" successfully.
func (r *Runtime) SetPullError(image string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err == nil {
		delete(r.pullErr, normalize(image))
		return
	}
	r.pullErr[normalize(image)] = err
}

// SetImageUser sets the USER of image's config (the images have none, so
// run as root, unless set); CreateContainer verifies runAsNonRoot with it.
func (r *Runtime) SetImageUser(image, user string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.imageUsers[normalize(image)] = user
}

// SetBehavior sets what containers named name do when started (for all later
// starts, until changed; the zero Behavior means "keep running").
func (r *Runtime) SetBehavior(name string, b Behavior) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.behaviors[name] = b
}

// FailNext makes the next call of method (e.g. "RunPodSandbox") return err.
func (r *Runtime) FailNext(method string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failNext[method] = err
}

// Exit makes a running container exit with code now (Reason Completed or Error).
func (r *Runtime) Exit(id string, code int32) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[id]
	if !ok {
		return fmt.Errorf("container %q: %w", id, ErrNotFound)
	}
	r.exitLocked(c, code, false)
	return nil
}

// OOMKill makes a running container be killed by the memory cgroup now.
func (r *Runtime) OOMKill(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[id]
	if !ok {
		return fmt.Errorf("container %q: %w", id, ErrNotFound)
	}
	r.exitLocked(c, 137, true)
	return nil
}

// SandboxDied makes a sandbox NotReady without stopping its containers, as
// when the pause container dies on its own.
func (r *Runtime) SandboxDied(id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	sb, ok := r.sandboxes[id]
	if !ok {
		return fmt.Errorf("sandbox %q: %w", id, ErrNotFound)
	}
	sb.State = runtime.SandboxNotReady
	return nil
}

// SetStats sets what ContainerStats returns for id.
func (r *Runtime) SetStats(id string, s runtime.Stats) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats[id] = s
}

// Usage is a container's resource usage as the fake reports it (SetUsage).
type Usage struct {
	// CPUNanos is the cumulative CPU time (ns) at the moment of SetUsage.
	CPUNanos uint64
	// NanoCores makes the counter grow from then on, by NanoCores per
	// second of the fake clock (1e9: one core busy); 0 keeps it at
	// CPUNanos.
	NanoCores uint64
	// MemoryWorkingSet is the working set in bytes; MemoryUsage the usage
	// (the working set when 0).
	MemoryWorkingSet, MemoryUsage uint64
}

type setUsage struct {
	u  Usage
	at time.Time
}

// SetUsage sets what ContainerStats reports for the container named
// container of pod namespace/pod, whatever its ID (so it holds across
// restarts and for containers not created yet), so tests can drive the
// kubelet's /stats/summary (and what scales on it) without containers.
// The cumulative CPU counter is u.CPUNanos now and grows by u.NanoCores
// per second of the fake clock. SetStats of a container ID takes
// precedence.
func (r *Runtime) SetUsage(namespace, pod, container string, u Usage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.usage[namespace+"/"+pod+"/"+container] = setUsage{u: u, at: r.now}
}

// Calls returns the recorded mutating calls, e.g. "RunPodSandbox default/web",
// "CreateContainer default/web/app", "StartContainer c-3", in order.
func (r *Runtime) Calls() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// ResetCalls forgets the recorded calls.
func (r *Runtime) ResetCalls() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = nil
}

// ContainerConfig returns the config a container was created with.
func (r *Runtime) ContainerConfig(id string) (runtime.ContainerConfig, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[id]
	if !ok {
		return runtime.ContainerConfig{}, false
	}
	return c.cfg, true
}

// SandboxConfig returns the config a sandbox was created with.
func (r *Runtime) SandboxConfig(id string) (runtime.SandboxConfig, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg, ok := r.sbConfigs[id]
	return cfg, ok
}

// --- runtime.Runtime -------------------------------------------------------

// Version implements runtime.Runtime.
func (r *Runtime) Version(ctx context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure("Version"); err != nil {
		return "", err
	}
	return "fake://0.1.0", nil
}

// EnsureImage implements runtime.Runtime.
func (r *Runtime) EnsureImage(ctx context.Context, image string, policy runtime.PullPolicy) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure("EnsureImage"); err != nil {
		return "", err
	}
	name := normalize(image)
	present := r.images[name]
	switch policy {
	case runtime.PullNever:
		if !present {
			return "", fmt.Errorf("image %q not present and pull policy is Never", image)
		}
		return ref(name), nil
	case runtime.PullIfNotPresent, "":
		if present {
			return ref(name), nil
		}
	}
	r.calls = append(r.calls, "PullImage "+name)
	if err := r.pullErr[name]; err != nil {
		return "", fmt.Errorf("pull %q: %w", image, err)
	}
	r.images[name] = true
	return ref(name), nil
}

// RunPodSandbox implements runtime.Runtime.
func (r *Runtime) RunPodSandbox(ctx context.Context, cfg *runtime.SandboxConfig) (*runtime.Sandbox, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure("RunPodSandbox"); err != nil {
		return nil, err
	}
	r.calls = append(r.calls, "RunPodSandbox "+cfg.Namespace+"/"+cfg.Name)
	r.nextID++
	id := "sb-" + strconv.Itoa(r.nextID)
	labels := copyLabels(cfg.Labels)
	labels[runtime.LabelPodName] = cfg.Name
	labels[runtime.LabelPodNamespace] = cfg.Namespace
	labels[runtime.LabelPodUID] = cfg.PodUID
	labels[runtime.LabelContainerName] = "POD"
	labels[runtime.LabelKind] = "sandbox"
	sb := &runtime.Sandbox{
		ID: id, PodUID: cfg.PodUID, Name: cfg.Name, Namespace: cfg.Namespace,
		State: runtime.SandboxReady, CreatedAt: r.now, Labels: labels,
	}
	if cfg.HostNetwork {
		sb.IP = r.NodeIP
	} else {
		r.nextIP++
		sb.IP = r.PodCIDRPrefix + strconv.Itoa(1+r.nextIP) // .2, .3, ... (.1 is the bridge)
		if !r.noNetNS {
			sb.NetNSPath = "/run/netns/cni-" + id
		}
	}
	r.sandboxes[id] = sb
	r.sbConfigs[id] = *cfg
	out := *sb
	out.Labels = copyLabels(sb.Labels)
	return &out, nil
}

// StopPodSandbox implements runtime.Runtime: it also kills the sandbox's
// running containers (exit 137), as stopping the pause does in containerd.
func (r *Runtime) StopPodSandbox(ctx context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure("StopPodSandbox"); err != nil {
		return err
	}
	r.calls = append(r.calls, "StopPodSandbox "+id)
	sb, ok := r.sandboxes[id]
	if !ok {
		return nil
	}
	sb.State = runtime.SandboxNotReady
	for _, c := range r.containers {
		if c.c.SandboxID == id && c.c.State == runtime.ContainerRunning {
			r.exitLocked(c, 137, false)
		}
	}
	return nil
}

// RemovePodSandbox implements runtime.Runtime: it removes the sandbox and
// all its containers, running or not (like CRI).
func (r *Runtime) RemovePodSandbox(ctx context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure("RemovePodSandbox"); err != nil {
		return err
	}
	r.calls = append(r.calls, "RemovePodSandbox "+id)
	delete(r.sandboxes, id)
	delete(r.sbConfigs, id)
	for cid, c := range r.containers {
		if c.c.SandboxID == id {
			delete(r.containers, cid)
		}
	}
	return nil
}

// ListPodSandboxes implements runtime.Runtime (sorted by ID number).
func (r *Runtime) ListPodSandboxes(ctx context.Context) ([]*runtime.Sandbox, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure("ListPodSandboxes"); err != nil {
		return nil, err
	}
	out := make([]*runtime.Sandbox, 0, len(r.sandboxes))
	for _, sb := range r.sandboxes {
		cp := *sb
		cp.Labels = copyLabels(sb.Labels)
		out = append(out, &cp)
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out, nil
}

// CreateContainer implements runtime.Runtime.
func (r *Runtime) CreateContainer(ctx context.Context, sandboxID string, cfg *runtime.ContainerConfig) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure("CreateContainer"); err != nil {
		return "", err
	}
	sb, ok := r.sandboxes[sandboxID]
	if !ok {
		return "", fmt.Errorf("sandbox %q: %w", sandboxID, ErrNotFound)
	}
	if sb.State != runtime.SandboxReady {
		return "", fmt.Errorf("sandbox %q is not ready", sandboxID)
	}
	if err := runtime.VerifyRunAsNonRoot(cfg.Security, r.imageUsers[normalize(cfg.Image)], runtime.FormatPod(sb.Name, sb.Namespace, sb.PodUID), cfg.Name); err != nil {
		return "", err
	}
	r.calls = append(r.calls, "CreateContainer "+sb.Namespace+"/"+sb.Name+"/"+cfg.Name)
	r.nextID++
	id := "c-" + strconv.Itoa(r.nextID)
	labels := copyLabels(cfg.Labels)
	labels[runtime.LabelPodName] = sb.Name
	labels[runtime.LabelPodNamespace] = sb.Namespace
	labels[runtime.LabelPodUID] = sb.PodUID
	labels[runtime.LabelContainerName] = cfg.Name
	labels[runtime.LabelAttempt] = strconv.FormatUint(uint64(cfg.Attempt), 10)
	labels[runtime.LabelKind] = "container"
	c := &container{
		c: runtime.Container{
			ID: id, SandboxID: sandboxID, PodUID: sb.PodUID, Name: cfg.Name,
			Attempt: cfg.Attempt, Image: cfg.Image, ImageRef: ref(normalize(cfg.Image)),
			State: runtime.ContainerCreated, CreatedAt: r.now, LogPath: cfg.LogPath,
			Labels: labels,
		},
		cfg: *cfg,
	}
	if cfg.Stdin {
		c.stdinR, c.stdinW = io.Pipe()
	}
	r.containers[id] = c
	return id, nil
}

// StartContainer implements runtime.Runtime, applying the container name's
// Behavior.
func (r *Runtime) StartContainer(ctx context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure("StartContainer"); err != nil {
		return err
	}
	c, ok := r.containers[id]
	if !ok {
		return fmt.Errorf("container %q: %w", id, ErrNotFound)
	}
	r.calls = append(r.calls, "StartContainer "+id)
	if c.c.State != runtime.ContainerCreated {
		return fmt.Errorf("container %q is %s, not Created", id, c.c.State)
	}
	b := r.behaviors[c.c.Name]
	if b.StartErr != nil {
		return fmt.Errorf("start container %q: %w", id, b.StartErr)
	}
	c.c.State = runtime.ContainerRunning
	c.c.StartedAt = r.now
	switch {
	case b.OOM:
		r.exitLocked(c, 137, true)
	case b.Exit:
		r.exitLocked(c, b.ExitCode, false)
	case b.Process != nil:
		go r.runProcess(id, c, b.Process)
	}
	return nil
}

// runProcess runs a Behavior's Process and exits the container with its code.
func (r *Runtime) runProcess(id string, c *container, proc func(io.Reader, io.Writer) int32) {
	var in io.Reader = strings.NewReader("")
	if c.stdinR != nil {
		in = c.stdinR
	}
	out := io.Discard
	if c.cfg.LogPath != "" {
		if err := os.MkdirAll(filepath.Dir(c.cfg.LogPath), 0o755); err == nil {
			if f, err := os.OpenFile(c.cfg.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
				defer f.Close()
				out = f
			}
		}
	}
	code := proc(in, out)
	_ = r.Exit(id, code)
}

// ContainerStdin implements runtime.Runtime.
func (r *Runtime) ContainerStdin(_ context.Context, id string) (io.WriteCloser, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.containers[id]
	if !ok {
		return nil, fmt.Errorf("container %q: %w", id, ErrNotFound)
	}
	if c.stdinW == nil || c.stdinClosed {
		return nil, nil
	}
	return &stdinWriter{PipeWriter: c.stdinW, close: func() {
		r.mu.Lock()
		c.stdinClosed = true
		r.mu.Unlock()
	}}, nil
}

// stdinWriter closes the container's stdin for good.
type stdinWriter struct {
	*io.PipeWriter
	close func()
}

func (w *stdinWriter) Close() error { w.close(); return w.PipeWriter.Close() }

// StopContainer implements runtime.Runtime: a running container exits 137
// (as if it ignored SIGTERM; call Exit first to model a graceful exit). With
// Behavior.IgnoreSIGTERM it first waits out the timeout (or ctx).
func (r *Runtime) StopContainer(ctx context.Context, id string, timeout time.Duration) error {
	r.mu.Lock()
	if err := r.takeFailure("StopContainer"); err != nil {
		r.mu.Unlock()
		return err
	}
	r.calls = append(r.calls, "StopContainer "+id)
	r.stopTimes[id] = append(r.stopTimes[id], timeout)
	c, ok := r.containers[id]
	if ok && c.c.State == runtime.ContainerRunning && r.behaviors[c.c.Name].IgnoreSIGTERM && timeout > 0 {
		r.mu.Unlock()
		t := time.NewTimer(timeout)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("stop container %q: %w", id, ctx.Err())
		}
		r.mu.Lock()
		c, ok = r.containers[id]
	}
	defer r.mu.Unlock()
	if !ok {
		return nil
	}
	if c.c.State == runtime.ContainerRunning {
		r.exitLocked(c, 137, false)
	}
	if c.c.State == runtime.ContainerCreated {
		c.c.State = runtime.ContainerExited
		c.c.FinishedAt = r.now
		c.c.ExitCode = 0
		c.c.Reason = "Completed"
	}
	return nil
}

// StopTimeouts returns the timeouts StopContainer was called with for id, in order.
func (r *Runtime) StopTimeouts(id string) []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.stopTimes[id]...)
}

// RemoveContainer implements runtime.Runtime (idempotent).
func (r *Runtime) RemoveContainer(ctx context.Context, id string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure("RemoveContainer"); err != nil {
		return err
	}
	r.calls = append(r.calls, "RemoveContainer "+id)
	c, ok := r.containers[id]
	if !ok {
		return nil
	}
	if c.c.State == runtime.ContainerRunning {
		return fmt.Errorf("container %q is running", id)
	}
	delete(r.containers, id)
	return nil
}

// ListContainers implements runtime.Runtime (sorted by ID number).
func (r *Runtime) ListContainers(ctx context.Context) ([]*runtime.Container, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure("ListContainers"); err != nil {
		return nil, err
	}
	out := make([]*runtime.Container, 0, len(r.containers))
	for _, c := range r.containers {
		out = append(out, c.view())
	}
	sort.Slice(out, func(i, j int) bool { return idLess(out[i].ID, out[j].ID) })
	return out, nil
}

// view is what listing shows of c: like containerd, an exit that is not
// reaped yet shows the reason the exit code suggests (no OOM kill).
func (c *container) view() *runtime.Container {
	cp := c.c
	cp.Labels = copyLabels(c.c.Labels)
	if cp.NeedsReap {
		cp.Reason = "Error"
		if cp.ExitCode == 0 {
			cp.Reason = "Completed"
		}
	}
	return &cp
}

// ReapContainer implements runtime.Runtime: it records the exit of a
// container that NeedsReap ("ReapContainer <id>" in Calls).
func (r *Runtime) ReapContainer(ctx context.Context, id string) (*runtime.Container, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure("ReapContainer"); err != nil {
		return nil, err
	}
	c, ok := r.containers[id]
	if !ok {
		return nil, fmt.Errorf("container %q: %w", id, ErrNotFound)
	}
	if c.c.NeedsReap {
		r.calls = append(r.calls, "ReapContainer "+id)
		c.c.NeedsReap = false
	}
	return c.view(), nil
}

// ContainerStats implements runtime.Runtime, for running containers: what
// SetStats set for the ID, else what SetUsage set for the container's
// name (its CPU counter grown with the clock), else zeros; stamped with
// the clock.
func (r *Runtime) ContainerStats(ctx context.Context, id string) (*runtime.Stats, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.takeFailure("ContainerStats"); err != nil {
		return nil, err
	}
	c, ok := r.containers[id]
	if !ok {
		return nil, fmt.Errorf("container %q: %w", id, ErrNotFound)
	}
	if c.c.State != runtime.ContainerRunning {
		return nil, fmt.Errorf("container %q is not running", id)
	}
	if s, ok := r.stats[id]; ok {
		return &s, nil
	}
	s := runtime.Stats{Timestamp: r.now}
	key := c.c.Labels[runtime.LabelPodNamespace] + "/" + c.c.Labels[runtime.LabelPodName] + "/" + c.c.Name
	if su, ok := r.usage[key]; ok {
		elapsed := max(r.now.Sub(su.at), 0)
		s.CPUUsageNanoCores = su.u.CPUNanos + uint64(float64(su.u.NanoCores)*elapsed.Seconds())
		s.MemoryWorkingSet, s.MemoryUsage = su.u.MemoryWorkingSet, su.u.MemoryUsage
		if s.MemoryUsage == 0 {
			s.MemoryUsage = s.MemoryWorkingSet
		}
	}
	return &s, nil
}

// Exec implements runtime.Runtime.
func (r *Runtime) Exec(ctx context.Context, id string, opts runtime.ExecOptions) (int, error) {
	r.mu.Lock()
	if err := r.takeFailure("Exec"); err != nil {
		r.mu.Unlock()
		return 0, err
	}
	c, ok := r.containers[id]
	if !ok {
		r.mu.Unlock()
		return 0, fmt.Errorf("container %q: %w", id, ErrNotFound)
	}
	if c.c.State != runtime.ContainerRunning {
		r.mu.Unlock()
		return 0, fmt.Errorf("container %q is not running", id)
	}
	r.calls = append(r.calls, "Exec "+id+" "+strings.Join(opts.Cmd, " "))
	fn := r.ExecFunc
	r.mu.Unlock()
	if fn != nil {
		return fn(id, opts)
	}
	if opts.Stdout != nil {
		if _, err := io.WriteString(opts.Stdout, strings.Join(opts.Cmd, " ")+"\n"); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// --- helpers ---------------------------------------------------------------

func (r *Runtime) exitLocked(c *container, code int32, oom bool) {
	if c.c.State != runtime.ContainerRunning {
		return
	}
	c.c.State = runtime.ContainerExited
	if c.stdinR != nil { // the process is gone: nobody reads stdin
		c.stdinR.Close()
	}
	c.c.FinishedAt = r.now
	c.c.ExitCode = code
	c.c.NeedsReap = true
	switch {
	case oom:
		c.c.Reason = "OOMKilled"
	case code == 0:
		c.c.Reason = "Completed"
	default:
		c.c.Reason = "Error"
	}
}

func (r *Runtime) takeFailure(method string) error {
	err, ok := r.failNext[method]
	if !ok {
		return nil
	}
	delete(r.failNext, method)
	return err
}

func copyLabels(in map[string]string) map[string]string {
	out := make(map[string]string, len(in)+6)
	for k, v := range in {
		out[k] = v
	}
	return out
}

// normalize turns short image names into docker.io references like
// containerd does ("busybox" -> "docker.io/library/busybox:latest").
func normalize(image string) string {
	name := image
	if i := strings.IndexByte(name, '/'); i < 0 || !strings.ContainsAny(name[:i], ".:") && name[:i] != "localhost" {
		if i < 0 {
			name = "library/" + name
		}
		name = "docker.io/" + name
	}
	if !strings.Contains(name, "@") {
		last := name[strings.LastIndexByte(name, '/')+1:]
		if !strings.Contains(last, ":") {
			name += ":latest"
		}
	}
	return name
}

func ref(name string) string {
	return name + "@sha256:" + fmt.Sprintf("%x", sha256.Sum256([]byte(name)))
}

func idLess(a, b string) bool {
	na, _ := strconv.Atoi(a[strings.IndexByte(a, '-')+1:])
	nb, _ := strconv.Atoi(b[strings.IndexByte(b, '-')+1:])
	return na < nb
}
