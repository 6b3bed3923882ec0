// Package runtime is the kubelet's seam to the container runtime: a small,
// CRI-shaped interface (pod sandboxes and containers) with a containerd
// implementation (pause container + CNI network namespace + app containers
// joined to it, cgroup limits, log files, exec) and a fake for tests.
package runtime

import (
	"context"
	"io"
	"time"
)

// Labels every sandbox and container carries, so `ctr -n <ns> containers ls`
// shows what a pod created and a restarted kubelet can find its pods.
const (
	LabelPodName       = "io.kubernetes.pod.name"
	LabelPodNamespace  = "io.kubernetes.pod.namespace"
	LabelPodUID        = "io.kubernetes.pod.uid"
	LabelContainerName = "io.kubernetes.container.name" // "POD" for the sandbox
	LabelContainerHash = "io.kubernetes.container.hash" // hash of the container's spec (kubelet's HashContainer)
	LabelAttempt       = "io.minik8s.container.attempt" // restart attempt, 0-based
	LabelKind          = "io.minik8s.kind"              // "sandbox" or "container"
)

// PortMapping publishes a container port on the node (hostPort).
type PortMapping struct {
	Protocol      string // TCP, UDP, SCTP
	ContainerPort int32
	HostPort      int32
	HostIP        string
}

// DNSConfig is the pod's resolv.conf.
type DNSConfig struct {
	Nameservers []string
	Searches    []string
	Options     []string
}

// HostAlias is an extra line of the pod's /etc/hosts (spec.hostAliases).
type HostAlias struct {
	IP        string
	Hostnames []string
}

// SandboxConfig describes a pod's sandbox: the pause container that owns
// the pod's network, IPC and UTS namespaces.
type SandboxConfig struct {
	PodUID       string
	Name         string
	Namespace    string
	Hostname     string
	HostDomain   string // <subdomain>.<ns>.svc.<cluster domain> when spec.subdomain is set
	HostAliases  []HostAlias
	HostNetwork  bool
	DNS          *DNSConfig // nil: the node's resolv.conf as it is
	PortMappings []PortMapping
	Labels       map[string]string // extra labels; the Label* ones are added by the runtime
	CgroupParent string            // e.g. /minik8s/node1/pod<uid>
	HostPID      bool              // spec.hostPID: the pod's containers share the host's PID namespace
	HostIPC      bool              // spec.hostIPC: the sandbox (and so the containers) use the host's IPC namespace
	Sysctls      map[string]string // securityContext.sysctls, set in the sandbox's namespaces
	// Privileged: some container of the pod is privileged; the sandbox is
	// too (as CRI: a writable /sys for the pod's network namespace).
	Privileged bool
}

// SandboxState of a sandbox.
type SandboxState string

// Sandbox states.
const (
	SandboxReady    SandboxState = "Ready"
	SandboxNotReady SandboxState = "NotReady"
)

// Sandbox is a pod's running (or stopped) sandbox.
type Sandbox struct {
	ID        string
	PodUID    string
	Name      string
	Namespace string
	IP        string // pod IP; the node IP for hostNetwork pods
	NetNSPath string // empty for hostNetwork
	State     SandboxState
	CreatedAt time.Time
	Labels    map[string]string
}

// Mount binds a host path into a container.
type Mount struct {
	HostPath      string
	ContainerPath string
	ReadOnly      bool
}

// Resources are the cgroup settings of a container.
type Resources struct {
	CPUShares   uint64 // from requests.cpu (2 minimum, 1024 per core)
	CPUQuota    int64  // from limits.cpu (period * cores); 0 = unlimited
	CPUPeriod   uint64 // 100000
	MemoryLimit int64  // bytes, from limits.memory; 0 = unlimited
}

// ContainerConfig describes an app container of a pod.
type ContainerConfig struct {
	Name       string
	Attempt    uint32
	Image      string
	Command    []string // entrypoint override (pod command)
	Args       []string // cmd override (pod args)
	Env        []string // KEY=VALUE
	WorkingDir string
	Mounts     []Mount
	Resources  Resources
	Labels     map[string]string
	TTY        bool
	Stdin      bool
	LogPath    string // file the container's stdout and stderr are written to
	// Security is the container's effective securityContext (nil: the
	// runtime's defaults, as a pod without any securityContext).
	Security *SecurityConfig
}

// ContainerState of a container.
type ContainerState string

// Container states.
const (
	ContainerCreated ContainerState = "Created"
	ContainerRunning ContainerState = "Running"
	ContainerExited  ContainerState = "Exited"
	ContainerUnknown ContainerState = "Unknown"
)

// Container is an app container as the runtime sees it.
type Container struct {
	ID         string
	SandboxID  string
	PodUID     string
	Name       string
	Attempt    uint32
	Image      string // as requested
	ImageRef   string // resolved digest reference
	State      ContainerState
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	ExitCode   int32
	Reason     string // for exited containers: "OOMKilled", "Error", "Completed"
	// NeedsReap: the container exited but its exit is not recorded yet;
	// Reason is a guess from the exit code (an OOM kill is only known
	// once ReapContainer has looked at the cgroup).
	NeedsReap bool
	LogPath   string
	Labels    map[string]string
}

// Stats are a container's resource usage, for the HPA's metrics.
type Stats struct {
	Timestamp         time.Time
	CPUUsageNanoCores uint64 // cumulative CPU time in nanoseconds
	MemoryWorkingSet  uint64 // bytes
	MemoryUsage       uint64 // bytes
}

// PullPolicy says when to pull an image.
type PullPolicy string

// Pull policies, as imagePullPolicy.
const (
	PullAlways       PullPolicy = "Always"
	PullIfNotPresent PullPolicy = "IfNotPresent"
	PullNever        PullPolicy = "Never"
)

// ExecOptions are the streams and terminal of an exec.
type ExecOptions struct {
	Cmd    []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	TTY    bool
}

// Runtime manages sandboxes and containers on one node.
type Runtime interface {
	// Version is e.g. "containerd://1.6.20".
	Version(ctx context.Context) (string, error)
	// EnsureImage makes the image present as the policy says and returns its reference.
	EnsureImage(ctx context.Context, image string, policy PullPolicy) (string, error)

	RunPodSandbox(ctx context.Context, cfg *SandboxConfig) (*Sandbox, error)
	// StopPodSandbox stops the pause container and tears down the pod network (idempotent).
	StopPodSandbox(ctx context.Context, id string) error
	// RemovePodSandbox removes a stopped sandbox and what it owned (idempotent).
	RemovePodSandbox(ctx context.Context, id string) error
	ListPodSandboxes(ctx context.Context) ([]*Sandbox, error)

	CreateContainer(ctx context.Context, sandboxID string, cfg *ContainerConfig) (string, error)
	StartContainer(ctx context.Context, id string) error
	// StopContainer sends SIGTERM, waits up to timeout, then SIGKILL (idempotent).
	StopContainer(ctx context.Context, id string, timeout time.Duration) error
	RemoveContainer(ctx context.Context, id string) error
	// ListContainers lists the containers; it has no side effects.
	ListContainers(ctx context.Context) ([]*Container, error)
	// ReapContainer records the exit of a container that NeedsReap (exit
	// code, time, OOM kill) and returns it as it is now. The kubelet's
	// relist calls it once per exited container; it is idempotent.
	ReapContainer(ctx context.Context, id string) (*Container, error)
	ContainerStats(ctx context.Context, id string) (*Stats, error)
	// Exec runs a command in a running container and returns its exit code.
	Exec(ctx context.Context, id string, opts ExecOptions) (int, error)
	// ContainerStdin is the write end of the stdin of a container created
	// with Stdin (nil, nil if it has none, or it was closed). Closing it
	// closes the container's stdin for good (stdinOnce).
	ContainerStdin(ctx context.Context, id string) (io.WriteCloser, error)
}
