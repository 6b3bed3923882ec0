package validation

// securityContext validation, as Kubernetes' validatePodSpecSecurityContext
// and ValidateSecurityContext, plus what this kubelet cannot honour
// (refused here, naming the field, rather than accepted and ignored).

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"minik8s/pkg/api"
)

var (
	seccompTypes             = []string{api.SeccompProfileTypeLocalhost, api.SeccompProfileTypeRuntimeDefault, api.SeccompProfileTypeUnconfined}
	fsGroupChangePolicies    = []string{"OnRootMismatch", "Always"}
	supplementalGroupsPolicy = []string{"Merge", "Strict"}
	procMountTypes           = []string{"Default", "Unmasked"}
	// sysctlRegexp is Kubernetes' SysctlContainSlashFmt (names with dots or slashes).
	sysctlRegexp = regexp.MustCompile(`^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$`)
)

// sysctlMaxLength is Kubernetes' SysctlMaxLength.
const sysctlMaxLength = 253

// linuxCapabilities are the kernel's capability names (without CAP_).
var linuxCapabilities = []string{
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
	"LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
	"SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
	"SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
	"MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
	"CHECKPOINT_RESTORE",
}

// Sysctl namespaces, as Kubernetes' component-helpers sysctl.GetNamespace.
const (
	sysctlNet = "net"
	sysctlIPC = "ipc"
	sysctlUTS = "uts"
)

// sysctlNamespace is the kernel namespace a sysctl belongs to ("" = not
// namespaced: it would change the whole node).
func sysctlNamespace(name string) string {
	name = strings.ReplaceAll(name, "/", ".")
	switch {
	case strings.HasPrefix(name, "net."):
		return sysctlNet
	case strings.HasPrefix(name, "kernel.shm"), strings.HasPrefix(name, "kernel.msg"), name == "kernel.sem", strings.HasPrefix(name, "fs.mqueue."):
		return sysctlIPC
	case name == "kernel.hostname", name == "kernel.domainname":
		return sysctlUTS
	}
	return ""
}

// validateSecurityContexts checks the pod's securityContext and every
// container's.
func validateSecurityContexts(s *api.PodSpec, p Path) ErrorList {
	var errs ErrorList
	for i := range s.InitContainers {
		errs = append(errs, validateContainerSecurityContext(s.InitContainers[i].SecurityContext, p.Child("initContainers").Index(i).Child("securityContext"))...)
	}
	for i := range s.Containers {
		errs = append(errs, validateContainerSecurityContext(s.Containers[i].SecurityContext, p.Child("containers").Index(i).Child("securityContext"))...)
	}
	return append(errs, validatePodSecurityContext(s, p.Child("securityContext"))...)
}

// validID is Kubernetes' IsValidUserID / IsValidGroupID.
func validID(p Path, id *int64) ErrorList {
	if id == nil {
		return nil
	}
	return inRange(p, *id, 0, math.MaxInt32)
}

func validatePodSecurityContext(s *api.PodSpec, p Path) ErrorList {
	sc := s.SecurityContext
	if sc == nil {
		return nil
	}
	var errs ErrorList
	errs = append(errs, validID(p.Child("fsGroup"), sc.FSGroup)...)
	errs = append(errs, validID(p.Child("runAsUser"), sc.RunAsUser)...)
	errs = append(errs, validID(p.Child("runAsGroup"), sc.RunAsGroup)...)
	for i := range sc.SupplementalGroups {
		errs = append(errs, validID(p.Child("supplementalGroups").Index(i), &sc.SupplementalGroups[i])...)
	}
	if sc.SupplementalGroupsPolicy != nil {
		errs = append(errs, oneOf(p.Child("supplementalGroupsPolicy"), *sc.SupplementalGroupsPolicy, supplementalGroupsPolicy...)...)
	}
	errs = append(errs, validateSysctls(s, p.Child("sysctls"))...)
	if sc.FSGroupChangePolicy != nil {
		errs = append(errs, oneOf(p.Child("fsGroupChangePolicy"), *sc.FSGroupChangePolicy, fsGroupChangePolicies...)...)
	}
	errs = append(errs, validateSeccompProfile(sc.SeccompProfile, p.Child("seccompProfile"))...)
	errs = append(errs, validateAppArmorProfile(sc.AppArmorProfile, p.Child("appArmorProfile"))...)
	return errs
}

// validateSysctls is Kubernetes' validateSysctls with ValidateHostSysctl,
// and refuses sysctls that are not namespaced: the kubelet can only set a
// sysctl in the pod's own namespaces.
func validateSysctls(s *api.PodSpec, p Path) ErrorList {
	var errs ErrorList
	seen := map[string]bool{}
	for i, sc := range s.SecurityContext.Sysctls {
		np := p.Index(i).Child("name")
		switch {
		case sc.Name == "":
			errs = append(errs, Required(np, ""))
			continue
		case len(sc.Name) > sysctlMaxLength || !sysctlRegexp.MatchString(sc.Name):
			errs = append(errs, Invalid(np, sc.Name, fmt.Sprintf("must have at most %d characters and match regex %s", sysctlMaxLength, sysctlRegexp)))
			continue
		case seen[sc.Name]:
			errs = append(errs, Duplicate(np, sc.Name))
		}
		seen[sc.Name] = true
		switch ns := sysctlNamespace(sc.Name); {
		case ns == "":
			errs = append(errs, Invalid(np, sc.Name, "is not a namespaced sysctl: the kubelet cannot set it for one pod"))
		case s.HostNetwork && ns == sysctlNet:
			errs = append(errs, Invalid(np, sc.Name, "may not be specified when 'hostNetwork' is true"))
		case s.HostIPC && ns == sysctlIPC:
			errs = append(errs, Invalid(np, sc.Name, "may not be specified when 'hostIPC' is true"))
		}
	}
	return errs
}

// validateContainerSecurityContext is Kubernetes' ValidateSecurityContext.
func validateContainerSecurityContext(sc *api.SecurityContext, p Path) ErrorList {
	if sc == nil {
		return nil
	}
	var errs ErrorList
	errs = append(errs, validID(p.Child("runAsUser"), sc.RunAsUser)...)
	errs = append(errs, validID(p.Child("runAsGroup"), sc.RunAsGroup)...)
	if sc.ProcMount != nil {
		if e := oneOf(p.Child("procMount"), *sc.ProcMount, procMountTypes...); e != nil {
			errs = append(errs, e...)
		} else if *sc.ProcMount == "Unmasked" {
			// Pods always use the host's user namespace here (no hostUsers: false).
			errs = append(errs, Invalid(p.Child("procMount"), *sc.ProcMount, "`hostUsers` must be false to use `Unmasked`"))
		}
	}
	errs = append(errs, validateSeccompProfile(sc.SeccompProfile, p.Child("seccompProfile"))...)
	if sc.AllowPrivilegeEscalation != nil && !*sc.AllowPrivilegeEscalation {
		if sc.Privileged != nil && *sc.Privileged {
			errs = append(errs, Invalid(p, sc, "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
		}
		if sc.Capabilities != nil && slices.Contains(sc.Capabilities.Add, "CAP_SYS_ADMIN") {
			errs = append(errs, Invalid(p, sc, "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"))
		}
	}
	if sc.Capabilities != nil {
		errs = append(errs, validateCapabilities(sc.Capabilities.Add, p.Child("capabilities").Child("add"))...)
		errs = append(errs, validateCapabilities(sc.Capabilities.Drop, p.Child("capabilities").Child("drop"))...)
	}
	errs = append(errs, validateAppArmorProfile(sc.AppArmorProfile, p.Child("appArmorProfile"))...)
	return errs
}

// validateCapabilities refuses names the kernel does not know (the
// runtime could not apply them); "ALL" and names with or without CAP_, in
// any case, are fine.
func validateCapabilities(caps []string, p Path) ErrorList {
	var errs ErrorList
	for i, c := range caps {
		name := strings.TrimPrefix(strings.ToUpper(c), "CAP_")
		if name != "ALL" && !slices.Contains(linuxCapabilities, name) {
			errs = append(errs, Invalid(p.Index(i), c, "unknown capability"))
		}
	}
	return errs
}

// validateSeccompProfile is Kubernetes' validateSeccompProfileField.
func validateSeccompProfile(sp *api.SeccompProfile, p Path) ErrorList {
	if sp == nil {
		return nil
	}
	var errs ErrorList
	switch sp.Type {
	case "":
		errs = append(errs, Required(p.Child("type"), "type is required when seccompProfile is set"))
	default:
		errs = append(errs, oneOf(p.Child("type"), sp.Type, seccompTypes...)...)
	}
	lp := p.Child("localhostProfile")
	if sp.Type == api.SeccompProfileTypeLocalhost {
		if sp.LocalhostProfile == nil {
			errs = append(errs, Required(lp, "must be set when seccomp type is Localhost"))
		} else {
			errs = append(errs, validateLocalDescendingPath(*sp.LocalhostProfile, lp)...)
		}
	} else if sp.LocalhostProfile != nil {
		errs = append(errs, Invalid(lp, sp, "can only be set when seccomp type is Localhost"))
	}
	return errs
}

// validateLocalDescendingPath is Kubernetes' (a relative path without "..").
func validateLocalDescendingPath(path string, p Path) ErrorList {
	var errs ErrorList
	if strings.HasPrefix(path, "/") {
		errs = append(errs, Invalid(p, path, "must be a relative path"))
	}
	if slices.Contains(strings.Split(path, "/"), "..") {
		errs = append(errs, Invalid(p, path, "must not contain '..'"))
	}
	return errs
}

// validateAppArmorProfile is Kubernetes' ValidateAppArmorProfileField.
func validateAppArmorProfile(ap *api.AppArmorProfile, p Path) ErrorList {
	if ap == nil {
		return nil
	}
	var errs ErrorList
	lp := p.Child("localhostProfile")
	switch ap.Type {
	case "Localhost":
		if ap.LocalhostProfile == nil {
			errs = append(errs, Required(lp, "must be set when AppArmor type is Localhost"))
			break
		}
		prof := strings.TrimSpace(*ap.LocalhostProfile)
		if prof != *ap.LocalhostProfile {
			errs = append(errs, Invalid(lp, *ap.LocalhostProfile, "must not be padded with whitespace"))
		} else if prof == "" {
			errs = append(errs, Required(lp, "must be set when AppArmor type is Localhost"))
		}
		if len(*ap.LocalhostProfile) > 4095 {
			errs = append(errs, TooLong(lp, 4095))
		}
	case "RuntimeDefault", "Unconfined":
		if ap.LocalhostProfile != nil {
			errs = append(errs, Invalid(lp, ap.LocalhostProfile, "can only be set when AppArmor type is Localhost"))
		}
	case "":
		errs = append(errs, Required(p.Child("type"), "type is required when appArmorProfile is set"))
	default:
		errs = append(errs, NotSupported(p.Child("type"), ap.Type, []string{"Localhost", "RuntimeDefault", "Unconfined"}))
	}
	return errs
}
