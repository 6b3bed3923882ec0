package podsecurity

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"minik8s/pkg/api"
)

// The checks of the baseline level (Kubernetes' check_*.go of the same
// IDs): each returns Kubernetes' reason and detail.

// hostNamespaces: spec.hostNetwork, hostPID and hostIPC must be unset.
func hostNamespaces(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	var set []string
	if spec.HostNetwork {
		set = append(set, "hostNetwork=true")
	}
	if spec.HostPID {
		set = append(set, "hostPID=true")
	}
	if spec.HostIPC {
		set = append(set, "hostIPC=true")
	}
	if len(set) == 0 {
		return allowed
	}
	return forbidden("host namespaces", strings.Join(set, ", "))
}

// privileged: no container may set securityContext.privileged=true.
func privileged(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	bad := badContainers(spec, func(c *api.Container) bool { p := sc(c).Privileged; return p != nil && *p })
	if len(bad) == 0 {
		return allowed
	}
	return forbidden("privileged", containersPhrase(bad)+" must not set securityContext.privileged=true")
}

// baselineCapabilities are the capabilities a container may add at the
// baseline level (the container runtime's default set minus NET_RAW).
var baselineCapabilities = map[string]bool{
	"AUDIT_WRITE": true, "CHOWN": true, "DAC_OVERRIDE": true, "FOWNER": true, "FSETID": true, "KILL": true,
	"MKNOD": true, "NET_BIND_SERVICE": true, "SETFCAP": true, "SETGID": true, "SETPCAP": true, "SETUID": true,
	"SYS_CHROOT": true,
}

// capabilitiesBaseline: capabilities.add only from the baseline set.
func capabilitiesBaseline(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	caps := stringSet{}
	bad := badContainers(spec, func(c *api.Container) bool {
		if sc(c).Capabilities == nil {
			return false
		}
		found := false
		for _, cp := range sc(c).Capabilities.Add {
			if !baselineCapabilities[cp] {
				caps.add(cp)
				found = true
			}
		}
		return found
	})
	if len(bad) == 0 {
		return allowed
	}
	return forbidden("non-default capabilities",
		fmt.Sprintf("%s must not include %s in securityContext.capabilities.add", containersPhrase(bad), joinQuote(caps.list())))
}

// hostPathVolumes: no hostPath volume.
func hostPathVolumes(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	var names []string
	for _, v := range spec.Volumes {
		if v.HostPath != nil {
			names = append(names, v.Name)
		}
	}
	if len(names) == 0 {
		return allowed
	}
	return forbidden("hostPath volumes", pluralize("volume", "volumes", len(names))+" "+joinQuote(names))
}

// hostPorts: no container port with a hostPort.
func hostPorts(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	ports := stringSet{}
	bad := badContainers(spec, func(c *api.Container) bool {
		found := false
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				ports.add(strconv.Itoa(int(p.HostPort)))
				found = true
			}
		}
		return found
	})
	if len(bad) == 0 {
		return allowed
	}
	list := ports.list()
	return forbidden("hostPort", fmt.Sprintf("%s %s %s %s", containersPhrase(bad), pluralize("uses", "use", len(bad)),
		pluralize("hostPort", "hostPorts", len(list)), strings.Join(list, ", ")))
}

const appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

func allowedAppArmorType(p *api.AppArmorProfile) bool {
	return p.Type == "RuntimeDefault" || p.Type == "Localhost"
}

// appArmorProfile: no AppArmor profile other than RuntimeDefault or
// Localhost, in the fields or the deprecated annotations (where
// runtime/default, localhost/* and empty are allowed).
func appArmorProfile(meta *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	values := stringSet{}
	var setters []string
	if p := psc(spec).AppArmorProfile; p != nil && !allowedAppArmorType(p) {
		setters = append(setters, "pod")
		values.add(p.Type)
	}
	bad := badContainers(spec, func(c *api.Container) bool {
		p := sc(c).AppArmorProfile
		if p == nil || allowedAppArmorType(p) {
			return false
		}
		values.add(p.Type)
		return true
	})
	if len(bad) > 0 {
		setters = append(setters, containersPhrase(bad))
	}
	var annotations []string
	for k, v := range meta.Annotations {
		if strings.HasPrefix(k, appArmorAnnotationPrefix) && v != "" && v != "runtime/default" && !strings.HasPrefix(v, "localhost/") {
			annotations = append(annotations, fmt.Sprintf("%s=%q", k, v))
		}
	}
	all := values.list()
	if len(annotations) > 0 {
		sort.Strings(annotations)
		all = append(all, annotations...)
		setters = append(setters, pluralize("annotation", "annotations", len(annotations)))
	}
	if len(setters) == 0 {
		return allowed
	}
	return forbidden(pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(all)),
		strings.Join(setters, " and ")+" must not set AppArmor profile type to "+joinQuote(all))
}

var (
	seLinuxTypes1_0  = map[string]bool{"": true, "container_t": true, "container_init_t": true, "container_kvm_t": true}
	seLinuxTypes1_31 = map[string]bool{"": true, "container_t": true, "container_init_t": true, "container_kvm_t": true, "container_engine_t": true}
)

// seLinuxOptions: the type only from the allowed set, no user or role.
func seLinuxOptions(_ *api.ObjectMeta, spec *api.PodSpec, v Version) Result {
	allowedTypes := seLinuxTypes1_31
	if v.Older(V1(31)) {
		allowedTypes = seLinuxTypes1_0
	}
	types := stringSet{}
	var setUser, setRole bool
	valid := func(o *api.SELinuxOptions) bool {
		ok := true
		if !allowedTypes[o.Type] {
			types.add(o.Type)
			ok = false
		}
		if o.User != "" {
			setUser, ok = true, false
		}
		if o.Role != "" {
			setRole, ok = true, false
		}
		return ok
	}
	podBad := false
	if o := psc(spec).SELinuxOptions; o != nil {
		podBad = !valid(o)
	}
	bad := badContainers(spec, func(c *api.Container) bool { o := sc(c).SELinuxOptions; return o != nil && !valid(o) })
	if !podBad && len(bad) == 0 {
		return allowed
	}
	var data []string
	if list := types.list(); len(list) > 0 {
		data = append(data, pluralize("type", "types", len(list))+" "+joinQuote(list))
	}
	if setUser {
		data = append(data, "user may not be set")
	}
	if setRole {
		data = append(data, "role may not be set")
	}
	return forbidden("seLinuxOptions", settersDetail(podBad, bad, " set forbidden securityContext.seLinuxOptions: "+strings.Join(data, "; ")))
}

// procMount: only the Default proc mount.
func procMount(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	types := stringSet{}
	bad := badContainers(spec, func(c *api.Container) bool {
		p := sc(c).ProcMount
		if p == nil || *p == "Default" {
			return false
		}
		types.add(*p)
		return true
	})
	if len(bad) == 0 {
		return allowed
	}
	return forbidden("procMount", containersPhrase(bad)+" must not set securityContext.procMount to "+joinQuote(types.list()))
}

func validSeccomp(t string) bool {
	return t == api.SeccompProfileTypeLocalhost || t == api.SeccompProfileTypeRuntimeDefault
}

const (
	seccompPodAnnotation             = "seccomp.security.alpha.kubernetes.io/pod"
	seccompContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/"
)

// seccompProfileBaseline: no seccomp profile other than RuntimeDefault or
// Localhost (before v1.19: the seccomp annotations).
func seccompProfileBaseline(meta *api.ObjectMeta, spec *api.PodSpec, v Version) Result {
	if v.Older(V1(19)) {
		return seccompAnnotations(meta, spec)
	}
	podBad, bad, values, _ := seccompSetters(spec)
	if !podBad && len(bad) == 0 {
		return allowed
	}
	return forbidden("seccompProfile", settersDetail(podBad, bad, " must not set securityContext.seccompProfile.type to "+joinQuote(values)))
}

// seccompSetters reports a pod-level bad profile, the containers with a
// bad one, the bad values, and the containers that set none while the pod
// sets no valid one.
func seccompSetters(spec *api.PodSpec) (podBad bool, bad []string, values []string, unset []string) {
	set := stringSet{}
	podSet := false
	if p := psc(spec).SeccompProfile; p != nil {
		if validSeccomp(p.Type) {
			podSet = true
		} else {
			podBad = true
			set.add(p.Type)
		}
	}
	for _, c := range containersOf(spec) {
		p := sc(c).SeccompProfile
		switch {
		case p != nil && !validSeccomp(p.Type):
			bad = append(bad, c.Name)
			set.add(p.Type)
		case p == nil && !podSet:
			unset = append(unset, c.Name)
		}
	}
	return podBad, bad, set.list(), unset
}

func seccompAnnotations(meta *api.ObjectMeta, spec *api.PodSpec) Result {
	validValue := func(v string) bool {
		return v == "runtime/default" || v == "docker/default" || strings.HasPrefix(v, "localhost/")
	}
	bad := stringSet{}
	if v, ok := meta.Annotations[seccompPodAnnotation]; ok && !validValue(v) {
		bad.add(fmt.Sprintf("%s=%q", seccompPodAnnotation, v))
	}
	for _, c := range containersOf(spec) {
		key := seccompContainerAnnotationPrefix + c.Name
		if v, ok := meta.Annotations[key]; ok && !validValue(v) {
			bad.add(fmt.Sprintf("%s=%q", key, v))
		}
	}
	if len(bad) == 0 {
		return allowed
	}
	list := bad.list()
	return forbidden("seccompProfile", fmt.Sprintf("forbidden %s %s", pluralize("annotation", "annotations", len(list)), strings.Join(list, ", ")))
}

// safeSysctls are the namespaced sysctls allowed at baseline, by the
// version that allowed them.
var safeSysctls = []struct {
	since Version
	names []string
}{
	{V1(0), []string{"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"}},
	{V1(27), []string{"net.ipv4.ip_local_reserved_ports"}},
	{V1(29), []string{"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
		"net.ipv4.tcp_keepalive_probes"}},
	{V1(32), []string{"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}},
}

// sysctls: only safe sysctls.
func sysctls(_ *api.ObjectMeta, spec *api.PodSpec, v Version) Result {
	safe := map[string]bool{}
	for _, s := range safeSysctls {
		if !v.Older(s.since) {
			for _, n := range s.names {
				safe[n] = true
			}
		}
	}
	var bad []string
	for _, s := range psc(spec).Sysctls {
		if !safe[s.Name] {
			bad = append(bad, s.Name)
		}
	}
	if len(bad) == 0 {
		return allowed
	}
	return forbidden("forbidden sysctls", strings.Join(bad, ", "))
}

// windowsHostProcess: no Windows host process.
func windowsHostProcess(_ *api.ObjectMeta, spec *api.PodSpec, _ Version) Result {
	hostProcess := func(o *api.WindowsSecurityContextOptions) bool {
		return o != nil && o.HostProcess != nil && *o.HostProcess
	}
	podBad := hostProcess(psc(spec).WindowsOptions)
	bad := badContainers(spec, func(c *api.Container) bool { return hostProcess(sc(c).WindowsOptions) })
	if !podBad && len(bad) == 0 {
		return allowed
	}
	return forbidden("hostProcess", settersDetail(podBad, bad, " must not set securityContext.windowsOptions.hostProcess=true"))
}
