package kubelet

// securityContext: the pod's and a container's securityContext merged into
// the runtime's SecurityConfig, as Kubernetes' kuberuntime
// determineEffectiveSecurityContext does.

import (
	"path/filepath"
	"strings"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

// seccompDir is the directory under the kubelet's root dir that holds the
// Localhost seccomp profiles (Kubernetes' <root-dir>/seccomp).
const seccompDir = "seccomp"

// effectiveSecurityContext is Kubernetes' DetermineEffectiveSecurityContext:
// the pod's user, group, non-root, seccomp, AppArmor, SELinux and Windows
// settings, overridden by the container's; capabilities, privileged,
// read-only root, privilege escalation and procMount are the container's.
func effectiveSecurityContext(pod *api.Pod, c *api.Container) *api.SecurityContext {
	out := &api.SecurityContext{}
	if psc := pod.Spec.SecurityContext; psc != nil {
		out.SELinuxOptions = psc.SELinuxOptions
		out.WindowsOptions = psc.WindowsOptions
		out.RunAsUser = psc.RunAsUser
		out.RunAsGroup = psc.RunAsGroup
		out.RunAsNonRoot = psc.RunAsNonRoot
		out.SeccompProfile = psc.SeccompProfile
		out.AppArmorProfile = psc.AppArmorProfile
	}
	csc := c.SecurityContext
	if csc == nil {
		return out
	}
	if csc.SELinuxOptions != nil {
		out.SELinuxOptions = csc.SELinuxOptions
	}
	if csc.WindowsOptions != nil {
		out.WindowsOptions = csc.WindowsOptions
	}
	if csc.RunAsUser != nil {
		out.RunAsUser = csc.RunAsUser
	}
	if csc.RunAsGroup != nil {
		out.RunAsGroup = csc.RunAsGroup
	}
	if csc.RunAsNonRoot != nil {
		out.RunAsNonRoot = csc.RunAsNonRoot
	}
	if csc.SeccompProfile != nil {
		out.SeccompProfile = csc.SeccompProfile
	}
	if csc.AppArmorProfile != nil {
		out.AppArmorProfile = csc.AppArmorProfile
	}
	out.Capabilities = csc.Capabilities
	out.Privileged = csc.Privileged
	out.ReadOnlyRootFilesystem = csc.ReadOnlyRootFilesystem
	out.AllowPrivilegeEscalation = csc.AllowPrivilegeEscalation
	out.ProcMount = csc.ProcMount
	return out
}

// securityConfig is the runtime's SecurityConfig of container c of pod;
// seccompRoot is where Localhost seccomp profiles live.
func securityConfig(pod *api.Pod, c *api.Container, seccompRoot string) *runtime.SecurityConfig {
	sc := effectiveSecurityContext(pod, c)
	out := &runtime.SecurityConfig{
		RunAsUser:      sc.RunAsUser,
		RunAsGroup:     sc.RunAsGroup,
		RunAsNonRoot:   isTrue(sc.RunAsNonRoot),
		Privileged:     isTrue(sc.Privileged),
		ReadOnlyRootFS: isTrue(sc.ReadOnlyRootFilesystem),
		// AddNoNewPrivileges: only an explicit allowPrivilegeEscalation: false.
		NoNewPrivs: sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation,
		Seccomp:    runtime.SeccompUnconfined, // Kubernetes' default without SeccompDefault
		HostPID:    pod.Spec.HostPID,
		HostIPC:    pod.Spec.HostIPC,
	}
	if psc := pod.Spec.SecurityContext; psc != nil {
		// kuberuntime appends fsGroup first, then supplementalGroups.
		if psc.FSGroup != nil {
			out.SupplementalGroups = append(out.SupplementalGroups, *psc.FSGroup)
		}
		out.SupplementalGroups = append(out.SupplementalGroups, psc.SupplementalGroups...)
		out.StrictGroups = psc.SupplementalGroupsPolicy != nil && *psc.SupplementalGroupsPolicy == "Strict"
	}
	if caps := sc.Capabilities; caps != nil {
		out.CapAdd = capabilityNames(caps.Add)
		out.CapDrop = capabilityNames(caps.Drop)
	}
	if ap := sc.AppArmorProfile; ap != nil {
		out.AppArmor = ap.Type
		if ap.LocalhostProfile != nil {
			out.AppArmorProfile = *ap.LocalhostProfile
		}
	}
	if sp := sc.SeccompProfile; sp != nil {
		switch sp.Type {
		case api.SeccompProfileTypeRuntimeDefault:
			out.Seccomp = runtime.SeccompRuntimeDefault
		case api.SeccompProfileTypeLocalhost:
			out.Seccomp = runtime.SeccompLocalhost
			if sp.LocalhostProfile != nil {
				out.SeccompProfilePath = filepath.Join(seccompRoot, *sp.LocalhostProfile)
			}
		}
	}
	return out
}

// capabilityNames normalises capability names to the kernel's (CAP_X);
// "ALL" stays as it is. Kubernetes passes names without the prefix.
func capabilityNames(in []string) []string {
	if len(in) == 0 {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, c := range in {
		c = strings.ToUpper(c)
		if c != "ALL" && !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		out = append(out, c)
	}
	return out
}

// sandboxSecurity sets the pod-level settings of the sandbox: the host
// PID and IPC namespaces and the sysctls.
func sandboxSecurity(cfg *runtime.SandboxConfig, pod *api.Pod) {
	cfg.HostPID, cfg.HostIPC = pod.Spec.HostPID, pod.Spec.HostIPC
	// kubelet's podHasPrivilegedContainer: CRI makes the sandbox privileged.
	for _, cs := range [][]api.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range cs {
			if sc := cs[i].SecurityContext; sc != nil && isTrue(sc.Privileged) {
				cfg.Privileged = true
			}
		}
	}
	if psc := pod.Spec.SecurityContext; psc != nil && len(psc.Sysctls) > 0 {
		cfg.Sysctls = make(map[string]string, len(psc.Sysctls))
		for _, s := range psc.Sysctls {
			cfg.Sysctls[s.Name] = s.Value
		}
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

// seccompRoot is the directory of the Localhost seccomp profiles.
func (k *Kubelet) seccompRoot() string { return filepath.Join(k.opts.RootDir, seccompDir) }
