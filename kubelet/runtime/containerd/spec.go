package containerd

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"minik8s/kubelet/runtime"
)

// Labels the containerd runtime adds beside runtime.Label*.
const (
	LabelSandboxID    = "io.minik8s.sandbox.id"          // on app containers
	LabelSandboxIP    = "io.minik8s.sandbox.ip"          // on the pause
	LabelHostNetwork  = "io.minik8s.sandbox.hostnetwork" // "true" on a hostNetwork pause
	LabelCgroupParent = "io.minik8s.cgroup-parent"
	LabelImage        = "io.minik8s.image"     // the image as requested
	LabelImageRef     = "io.minik8s.image-ref" // name@digest
	LabelLogPath      = "io.minik8s.log-path"
	LabelStartedAt    = "io.minik8s.started-at"
	LabelFinishedAt   = "io.minik8s.finished-at"
	LabelExitCode     = "io.minik8s.exit-code"
	LabelReason       = "io.minik8s.reason"

	kindSandbox   = "sandbox"
	kindContainer = "container"
)

// Exit reasons, as Kubernetes reports them.
const (
	ReasonOOMKilled  = "OOMKilled"
	ReasonError      = "Error"
	ReasonCompleted  = "Completed"
	ReasonStartError = "StartError"
)

// CommandLine merges the image's ENTRYPOINT and CMD with the pod's command
// and args like Kubernetes: command replaces ENTRYPOINT (and drops CMD),
// args replace CMD.
func CommandLine(entrypoint, cmd, command, args []string) []string {
	var out []string
	switch {
	case len(command) > 0:
		out = append(out, command...)
		out = append(out, args...)
	case len(args) > 0:
		out = append(out, entrypoint...)
		out = append(out, args...)
	default:
		out = append(out, entrypoint...)
		out = append(out, cmd...)
	}
	return out
}

// LinuxResources turns the container's resources into OCI cgroup settings
// (nil when nothing is set).
func LinuxResources(r runtime.Resources) *specs.LinuxResources {
	var out specs.LinuxResources
	set := false
	if r.CPUShares > 0 || r.CPUQuota > 0 {
		out.CPU = &specs.LinuxCPU{}
		set = true
	}
	if r.CPUShares > 0 {
		s := r.CPUShares
		if s < 2 {
			s = 2
		}
		out.CPU.Shares = &s
	}
	if r.CPUQuota > 0 {
		q, p := r.CPUQuota, r.CPUPeriod
		if p == 0 {
			p = 100000
		}
		if q < 1000 {
			q = 1000 // the kernel's minimum quota is 1ms
		}
		out.CPU.Quota, out.CPU.Period = &q, &p
	}
	if r.MemoryLimit > 0 {
		l := r.MemoryLimit
		out.Memory = &specs.LinuxMemory{Limit: &l}
		set = true
	}
	if !set {
		return nil
	}
	return &out
}

// taskInfo is what containerd says about a container's task (nil: no task).
type taskInfo struct {
	Status   string // "running", "created", "stopped", "paused", ...
	Pid      uint32
	ExitCode uint32
	ExitedAt time.Time
}

// ExitReason is the Kubernetes reason of an exit.
func ExitReason(code int32, oomKilled bool) string {
	switch {
	case oomKilled:
		return ReasonOOMKilled
	case code == 0:
		return ReasonCompleted
	default:
		return ReasonError
	}
}

// containerFromRecord derives a container's status from its labels (what
// StartContainer and the reaper recorded) and its task.
func containerFromRecord(id string, labels map[string]string, createdAt time.Time, t *taskInfo) *runtime.Container {
	c := &runtime.Container{
		ID:        id,
		SandboxID: labels[LabelSandboxID],
		PodUID:    labels[runtime.LabelPodUID],
		Name:      labels[runtime.LabelContainerName],
		Image:     labels[LabelImage],
		ImageRef:  labels[LabelImageRef],
		CreatedAt: createdAt,
		LogPath:   labels[LabelLogPath],
		Labels:    labels,
		State:     runtime.ContainerCreated,
	}
	if a, err := strconv.ParseUint(labels[runtime.LabelAttempt], 10, 32); err == nil {
		c.Attempt = uint32(a)
	}
	c.StartedAt = parseTime(labels[LabelStartedAt])
	switch {
	case labels[LabelExitCode] != "":
		code, _ := strconv.ParseInt(labels[LabelExitCode], 10, 32)
		c.State, c.ExitCode = runtime.ContainerExited, int32(code)
		c.FinishedAt = parseTime(labels[LabelFinishedAt])
		c.Reason = labels[LabelReason]
		if c.Reason == "" {
			c.Reason = ExitReason(c.ExitCode, false)
		}
	case t != nil && t.Status == "stopped":
		c.State, c.ExitCode = runtime.ContainerExited, int32(t.ExitCode)
		c.FinishedAt, c.Reason = t.ExitedAt, ExitReason(int32(t.ExitCode), false)
		c.NeedsReap = true
	case t != nil && (t.Status == "running" || t.Status == "paused" || t.Status == "pausing"):
		c.State = runtime.ContainerRunning
	case t != nil && t.Status == "created":
		c.State = runtime.ContainerCreated
	case t != nil:
		c.State = runtime.ContainerUnknown
	case !c.StartedAt.IsZero():
		// Started, but the task is gone without a recorded exit (containerd
		// lost it): exited with an unknown code, as CRI reports it.
		c.State, c.ExitCode, c.Reason = runtime.ContainerExited, 255, ReasonError
	}
	return c
}

// exitLabels are the labels the reaper records for an exit.
func exitLabels(code int32, finished time.Time, reason string) map[string]string {
	return map[string]string{
		LabelExitCode:   strconv.FormatInt(int64(code), 10),
		LabelFinishedAt: finished.UTC().Format(time.RFC3339Nano),
		LabelReason:     reason,
	}
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// sandboxFromRecord derives a sandbox from the pause's labels and task.
func sandboxFromRecord(id string, labels map[string]string, createdAt time.Time, t *taskInfo) *runtime.Sandbox {
	sb := &runtime.Sandbox{
		ID:        id,
		PodUID:    labels[runtime.LabelPodUID],
		Name:      labels[runtime.LabelPodName],
		Namespace: labels[runtime.LabelPodNamespace],
		IP:        labels[LabelSandboxIP],
		State:     runtime.SandboxNotReady,
		CreatedAt: createdAt,
		Labels:    labels,
	}
	if t != nil && t.Status == "running" && sb.IP != "" {
		sb.State = runtime.SandboxReady
		if labels[LabelHostNetwork] != "true" {
			sb.NetNSPath = fmt.Sprintf("/proc/%d/ns/net", t.Pid)
		}
	}
	return sb
}

// mergeLabels returns extra overlaid with ours (ours win).
func mergeLabels(extra, ours map[string]string) map[string]string {
	out := make(map[string]string, len(extra)+len(ours))
	for k, v := range extra {
		out[k] = v
	}
	for k, v := range ours {
		out[k] = v
	}
	return out
}

// Headers of the hosts file, as Kubernetes' kubelet writes them.
const (
	managedHostsHeader                = "# Kubernetes-managed hosts file.\n"
	managedHostsHeaderWithHostNetwork = "# Kubernetes-managed hosts file (host network).\n"
)

// HostsFile is a pod's /etc/hosts as Kubernetes' kubelet writes it
// (managedHostsFileContent): localhost lines, the pod IP with
// "hostname.domain hostname" (or just hostname without a domain), then the
// hostAliases.
func HostsFile(ip, hostname, domain string, aliases []runtime.HostAlias) []byte {
	var b strings.Builder
	b.WriteString(managedHostsHeader)
	b.WriteString("127.0.0.1\tlocalhost\n")
	b.WriteString("::1\tlocalhost ip6-localhost ip6-loopback\n")
	b.WriteString("fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n")
	if ip != "" && hostname != "" {
		if domain != "" {
			fmt.Fprintf(&b, "%s\t%s.%s\t%s\n", ip, hostname, domain, hostname)
		} else {
			fmt.Fprintf(&b, "%s\t%s\n", ip, hostname)
		}
	}
	b.WriteString(hostAliasLines(aliases))
	return []byte(b.String())
}

// NodeHostsFile is a hostNetwork pod's /etc/hosts: the node's own, with
// the pod's hostAliases after it (nodeHostsFileContent).
func NodeHostsFile(node []byte, aliases []runtime.HostAlias) []byte {
	return []byte(managedHostsHeaderWithHostNetwork + string(node) + hostAliasLines(aliases))
}

func hostAliasLines(aliases []runtime.HostAlias) string {
	if len(aliases) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n# Entries added by HostAliases.\n")
	for _, a := range aliases {
		for _, h := range a.Hostnames {
			fmt.Fprintf(&b, "%s\t%s\n", a.IP, h)
		}
	}
	return b.String()
}

// ResolvConf renders the pod's resolv.conf; with no settings at all (nil,
// or Kubernetes' empty config) the node's hostResolv is used as it is.
// The lines are in the order of the seeds' clusters (nameserver, search,
// options, as dockershim wrote them); resolvers do not mind the order.
func ResolvConf(dns *runtime.DNSConfig, hostResolv []byte) []byte {
	if dns == nil || len(dns.Nameservers)+len(dns.Searches)+len(dns.Options) == 0 {
		return hostResolv
	}
	var b strings.Builder
	for _, ns := range dns.Nameservers {
		b.WriteString("nameserver " + ns + "\n")
	}
	if len(dns.Searches) > 0 {
		b.WriteString("search " + strings.Join(dns.Searches, " ") + "\n")
	}
	if len(dns.Options) > 0 {
		b.WriteString("options " + strings.Join(dns.Options, " ") + "\n")
	}
	return []byte(b.String())
}

// ensureMountSources makes each missing bind source a directory, as
// containerd's CRI plugin does (a hostPath volume without a type, such as
// the seeds' /hw, relies on it; runc would fail on a missing source).
func ensureMountSources(ms []runtime.Mount) error {
	for _, m := range ms {
		if _, err := os.Stat(m.HostPath); os.IsNotExist(err) {
			if err := os.MkdirAll(m.HostPath, 0o755); err != nil {
				return fmt.Errorf("creating mount source %s: %w", m.HostPath, err)
			}
		}
	}
	return nil
}

// bindMounts turns the container's mounts plus the pod's files into OCI
// mounts; a container mount of the same destination wins over a pod file.
func bindMounts(ms []runtime.Mount, podFiles map[string]string) []specs.Mount {
	var out []specs.Mount
	taken := map[string]bool{}
	for _, m := range ms {
		opt := "rw"
		if m.ReadOnly {
			opt = "ro"
		}
		out = append(out, specs.Mount{Destination: m.ContainerPath, Source: m.HostPath, Type: "bind", Options: []string{"rbind", "rprivate", opt}})
		taken[m.ContainerPath] = true
	}
	var dsts []string
	for dst := range podFiles {
		dsts = append(dsts, dst)
	}
	sort.Strings(dsts)
	for _, dst := range dsts {
		if taken[dst] {
			continue
		}
		out = append(out, specs.Mount{Destination: dst, Source: podFiles[dst], Type: "bind", Options: []string{"rbind", "rprivate", "rw"}})
	}
	return out
}
