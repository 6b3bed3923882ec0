package containerd

// A container's SecurityConfig as OCI spec options, as containerd's CRI
// plugin (pkg/cri/sbserver container_create*.go) turns a CRI
// LinuxContainerSecurityContext into a spec.

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/contrib/apparmor"
	"github.com/containerd/containerd/contrib/seccomp"
	"github.com/containerd/containerd/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"minik8s/kubelet/runtime"
)

// appArmorDefaultProfile is the profile containerd's CRI loads for RuntimeDefault.
const appArmorDefaultProfile = "cri-containerd.apparmor.d"

// userString is the OCI user of a container whose securityContext sets
// runAsUser or runAsGroup: "uid" or "uid:gid", the uid being runAsUser or
// else the image's USER (root without one), as the kubelet and CRI
// combine them. "" leaves the image's USER (WithImageConfig) as it is.
func userString(sc *runtime.SecurityConfig, imageUser string) string {
	if sc == nil || (sc.RunAsUser == nil && sc.RunAsGroup == nil) {
		return ""
	}
	u, _, _ := strings.Cut(imageUser, ":")
	if sc.RunAsUser != nil {
		u = strconv.FormatInt(*sc.RunAsUser, 10)
	}
	if u == "" {
		u = "0"
	}
	if sc.RunAsGroup != nil {
		u += ":" + strconv.FormatInt(*sc.RunAsGroup, 10)
	}
	return u
}

// securitySpecOpts are the spec options of sc, applied after the image
// config (which set the image's USER); imageUser is the image's USER.
// Like CRI, no_new_privs is off (containerd's default spec sets it) unless
// sc asks for it.
func securitySpecOpts(sc *runtime.SecurityConfig, imageUser string) ([]oci.SpecOpts, error) {
	opts := []oci.SpecOpts{oci.WithNewPrivileges}
	if sc == nil {
		return opts, nil
	}
	if us := userString(sc, imageUser); us != "" {
		opts = append(opts, oci.WithUser(us))
		if !sc.StrictGroups {
			user, _, _ := strings.Cut(us, ":")
			opts = append(opts, oci.WithAdditionalGIDs(user))
		}
	}
	if sc.StrictGroups {
		opts = append(opts, withoutImageGroups)
	}
	if len(sc.SupplementalGroups) > 0 {
		opts = append(opts, withSupplementalGroups(sc.SupplementalGroups))
	}
	opts = append(opts, capabilityOpts(sc.CapAdd, sc.CapDrop)...)
	if sc.Privileged {
		// All capabilities, no seccomp or masked paths, rw /sys, the host's devices.
		opts = append(opts, oci.WithPrivileged, oci.WithHostDevices, oci.WithAllDevicesAllowed)
	}
	if sc.NoNewPrivs {
		opts = append(opts, oci.WithNoNewPrivileges)
	}
	if sc.ReadOnlyRootFS {
		opts = append(opts, oci.WithRootFSReadonly())
	}
	switch sc.AppArmor {
	case runtime.SeccompRuntimeDefault:
		if !sc.Privileged {
			opts = append(opts, apparmor.WithDefaultProfile(appArmorDefaultProfile))
		}
	case runtime.SeccompLocalhost:
		opts = append(opts, apparmor.WithProfile(sc.AppArmorProfile))
	}
	if !sc.Privileged { // a privileged container runs unconfined
		switch sc.Seccomp {
		case runtime.SeccompRuntimeDefault:
			// Last: containerd's default profile depends on the capabilities.
			opts = append(opts, seccomp.WithDefaultProfile())
		case runtime.SeccompLocalhost:
			if sc.SeccompProfilePath == "" {
				return nil, &runtime.ConfigError{Msg: "seccomp profile type Localhost needs a localhostProfile"}
			}
			opts = append(opts, seccomp.WithProfile(sc.SeccompProfilePath))
		case runtime.SeccompUnconfined, "":
		default:
			return nil, fmt.Errorf("unknown seccomp profile type %q", sc.Seccomp)
		}
	}
	return opts, nil
}

// capabilityOpts applies add and drop to the default capability set as
// CRI's WithCapabilities: "ALL" in add is every capability, "ALL" in drop
// is none, then the single names are added and dropped.
func capabilityOpts(add, drop []string) []oci.SpecOpts {
	var opts []oci.SpecOpts
	var adds, drops []string
	for _, c := range add {
		if c == "ALL" {
			opts = append(opts, oci.WithAllKnownCapabilities)
			continue
		}
		adds = append(adds, c)
	}
	for _, c := range drop {
		if c == "ALL" {
			opts = append(opts, oci.WithCapabilities(nil))
			continue
		}
		drops = append(drops, c)
	}
	if len(adds) > 0 {
		opts = append(opts, oci.WithAddedCapabilities(adds))
	}
	if len(drops) > 0 {
		opts = append(opts, oci.WithDroppedCapabilities(drops))
	}
	return opts
}

// withoutImageGroups drops the groups /etc/group of the image gave the
// user, keeping the primary group (supplementalGroupsPolicy Strict).
func withoutImageGroups(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
	if s.Process != nil {
		s.Process.User.AdditionalGids = []uint32{s.Process.User.GID}
	}
	return nil
}

// withSupplementalGroups adds groups to the process's additional gids
// (kept sorted and unique, as CRI's WithSupplementalGroups).
func withSupplementalGroups(groups []int64) oci.SpecOpts {
	return func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
		if s.Process == nil {
			s.Process = &specs.Process{}
		}
		seen := map[uint32]bool{}
		var out []uint32
		for _, g := range s.Process.User.AdditionalGids {
			if !seen[g] {
				seen[g] = true
				out = append(out, g)
			}
		}
		for _, g := range groups {
			if !seen[uint32(g)] {
				seen[uint32(g)] = true
				out = append(out, uint32(g))
			}
		}
		slices.Sort(out)
		s.Process.User.AdditionalGids = out
		return nil
	}
}

// namespaceOpts are the container's namespaces: the sandbox's network and
// UTS namespaces; its IPC namespace, or the host's with hostIPC; its own
// PID namespace, or the host's with hostPID.
func namespaceOpts(sandboxPid uint32, sc *runtime.SecurityConfig) []oci.SpecOpts {
	opts := []oci.SpecOpts{
		oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: fmt.Sprintf("/proc/%d/ns/net", sandboxPid)}),
		oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.UTSNamespace, Path: fmt.Sprintf("/proc/%d/ns/uts", sandboxPid)}),
	}
	if sc != nil && sc.HostIPC {
		opts = append(opts, oci.WithHostNamespace(specs.IPCNamespace))
	} else {
		opts = append(opts, oci.WithLinuxNamespace(specs.LinuxNamespace{Type: specs.IPCNamespace, Path: fmt.Sprintf("/proc/%d/ns/ipc", sandboxPid)}))
	}
	if sc != nil && sc.HostPID {
		opts = append(opts, oci.WithHostNamespace(specs.PIDNamespace))
	}
	return opts
}

// sandboxSecurityOpts are the pause container's host namespaces and sysctls.
func sandboxSecurityOpts(cfg *runtime.SandboxConfig) []oci.SpecOpts {
	var opts []oci.SpecOpts
	if cfg.Privileged {
		// A sysfs of the pod's network namespace mounted read-only by the
		// pause would make every later one read-only too.
		opts = append(opts, oci.WithPrivileged)
	}
	if cfg.HostIPC {
		opts = append(opts, oci.WithHostNamespace(specs.IPCNamespace))
	}
	if cfg.HostPID {
		opts = append(opts, oci.WithHostNamespace(specs.PIDNamespace))
	}
	if len(cfg.Sysctls) > 0 {
		sysctls := cfg.Sysctls
		opts = append(opts, func(_ context.Context, _ oci.Client, _ *containers.Container, s *oci.Spec) error {
			if s.Linux == nil {
				s.Linux = &specs.Linux{}
			}
			if s.Linux.Sysctl == nil {
				s.Linux.Sysctl = map[string]string{}
			}
			for k, v := range sysctls {
				s.Linux.Sysctl[k] = v
			}
			return nil
		})
	}
	return opts
}
