package kubelet

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

// podEnv is what a container's environment is made of besides the pod
// itself: what env valueFrom.fieldRef can name, and the service variables.
type podEnv struct {
	PodIP  string
	HostIP string
	// Services are the service environment variables (serviceEnvMap);
	// the container's own env wins, the rest follow it sorted by name.
	Services map[string]string
	// Refs are the container's values from ConfigMaps and Secrets
	// (resolveEnvRefs): envFrom variables come first, env overrides them.
	Refs envRefs
}

// fieldRefValue resolves a downward API field path.
func fieldRefValue(pod *api.Pod, path string, pe podEnv) (string, error) {
	switch path {
	case "metadata.name":
		return pod.Name, nil
	case "metadata.namespace":
		return pod.Namespace, nil
	case "metadata.uid":
		return pod.UID, nil
	case "spec.nodeName":
		return pod.Spec.NodeName, nil
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName, nil
	case "status.podIP", "status.podIPs":
		return pe.PodIP, nil
	case "status.hostIP", "status.hostIPs":
		return pe.HostIP, nil
	}
	for prefix, m := range map[string]map[string]string{"metadata.labels": pod.Labels, "metadata.annotations": pod.Annotations} {
		if rest, ok := strings.CutPrefix(path, prefix+"['"); ok {
			if key, ok := strings.CutSuffix(rest, "']"); ok {
				return m[key], nil
			}
		}
	}
	return "", fmt.Errorf("unsupported fieldRef %q", path)
}

// resourceFieldValue resolves env valueFrom.resourceFieldRef (limits.cpu,
// requests.memory, ...), rounded up in units of the divisor (default 1).
func resourceFieldValue(c *api.Container, ref *api.ResourceFieldSelector) (string, error) {
	kind, res, ok := strings.Cut(ref.Resource, ".")
	if !ok || (kind != "limits" && kind != "requests") {
		return "", fmt.Errorf("unsupported resourceFieldRef %q", ref.Resource)
	}
	list := c.Resources.Limits
	if kind == "requests" {
		list = c.Resources.Requests
	}
	q, has := list[res]
	if !has {
		if kind == "limits" {
			return "0", nil // Kubernetes uses the node's allocatable; we have no number here
		}
		return "0", nil
	}
	if res == "cpu" {
		div := int64(1000)
		if ref.Divisor != nil && ref.Divisor.MilliValue() > 0 {
			div = ref.Divisor.MilliValue()
		}
		return strconv.FormatInt((q.MilliValue()+div-1)/div, 10), nil
	}
	div := int64(1)
	if ref.Divisor != nil && ref.Divisor.Value() > 0 {
		div = ref.Divisor.Value()
	}
	return strconv.FormatInt((q.Value()+div-1)/div, 10), nil
}

// expandEnvRefs replaces $(VAR) with earlier variables, as Kubernetes does;
// $$ escapes a $.
func expandEnvRefs(s string, vars map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) {
			switch s[i+1] {
			case '$':
				b.WriteByte('$')
				i++
				continue
			case '(':
				if end := strings.IndexByte(s[i+2:], ')'); end >= 0 {
					name := s[i+2 : i+2+end]
					if v, ok := vars[name]; ok {
						b.WriteString(v)
						i += 2 + end
						continue
					}
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// containerEnv builds KEY=VALUE pairs of a container: its env in order
// ($(VAR) may name earlier ones and service variables), then the service
// variables it does not set.
func containerEnv(pod *api.Pod, c *api.Container, pe podEnv) ([]string, map[string]string, error) {
	vars := make(map[string]string, len(pe.Services)+len(c.Env))
	for k, v := range pe.Services {
		vars[k] = v
	}
	declared := map[string]bool{}
	for _, e := range c.Env {
		declared[e.Name] = true
	}
	var out []string
	for _, e := range pe.Refs.From {
		vars[e.Name] = e.Value
		if !declared[e.Name] {
			out = append(out, e.Name+"="+e.Value)
		}
	}
	for _, e := range pe.Refs.From {
		declared[e.Name] = true
	}
	for _, e := range c.Env {
		v := expandEnvRefs(e.Value, vars)
		if e.ValueFrom != nil {
			var err error
			switch {
			case e.ValueFrom.ConfigMapKeyRef != nil || e.ValueFrom.SecretKeyRef != nil:
				rv, ok := pe.Refs.Values[e.Name]
				if !ok {
					continue // optional and missing: not set
				}
				v = rv
			case e.ValueFrom.FieldRef != nil:
				v, err = fieldRefValue(pod, e.ValueFrom.FieldRef.FieldPath, pe)
			case e.ValueFrom.ResourceFieldRef != nil:
				v, err = resourceFieldValue(c, e.ValueFrom.ResourceFieldRef)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("env %s: %w", e.Name, err)
			}
		}
		vars[e.Name] = v
		out = append(out, e.Name+"="+v)
	}
	for _, k := range slices.Sorted(maps.Keys(pe.Services)) {
		if !declared[k] {
			out = append(out, k+"="+pe.Services[k])
		}
	}
	return out, vars, nil
}

// Default cgroup values, as Kubernetes computes them.
const (
	minShares     = 2
	sharesPerCPU  = 1024
	quotaPeriod   = 100000 // µs
	minQuotaValue = 1000   // µs
)

// containerResources maps requests and limits to cgroup settings.
func containerResources(c *api.Container) runtime.Resources {
	r := runtime.Resources{CPUShares: minShares, CPUPeriod: quotaPeriod}
	req, hasReq := c.Resources.Requests["cpu"]
	if !hasReq {
		req, hasReq = c.Resources.Limits["cpu"] // requests default to limits
	}
	if hasReq {
		r.CPUShares = max(uint64(minShares), uint64(req.MilliValue())*sharesPerCPU/1000)
	}
	if lim, ok := c.Resources.Limits["cpu"]; ok && lim.MilliValue() > 0 {
		r.CPUQuota = max(int64(minQuotaValue), lim.MilliValue()*quotaPeriod/1000)
	}
	if lim, ok := c.Resources.Limits["memory"]; ok {
		r.MemoryLimit = lim.Value()
	}
	return r
}

// containerMounts maps volumeMounts to host paths.
func containerMounts(c *api.Container, volumePaths map[string]string) ([]runtime.Mount, error) {
	var out []runtime.Mount
	for _, vm := range c.VolumeMounts {
		host, ok := volumePaths[vm.Name]
		if !ok {
			return nil, fmt.Errorf("volume %q of mount %s is not defined", vm.Name, vm.MountPath)
		}
		if vm.SubPath != "" {
			sub := filepath.Clean("/" + vm.SubPath)
			host = filepath.Join(host, sub)
		}
		out = append(out, runtime.Mount{HostPath: host, ContainerPath: vm.MountPath, ReadOnly: vm.ReadOnly})
	}
	return out, nil
}

// pullPolicy maps imagePullPolicy.
func pullPolicy(c *api.Container) runtime.PullPolicy {
	switch c.ImagePullPolicy {
	case "Always":
		return runtime.PullAlways
	case "Never":
		return runtime.PullNever
	}
	return runtime.PullIfNotPresent
}

// containerConfig builds the runtime config of spec container c.
func containerConfig(pod *api.Pod, c *api.Container, attempt uint32, pe podEnv, volumePaths map[string]string, logPath string) (*runtime.ContainerConfig, error) {
	env, vars, err := containerEnv(pod, c, pe)
	if err != nil {
		return nil, err
	}
	mounts, err := containerMounts(c, volumePaths)
	if err != nil {
		return nil, err
	}
	expand := func(in []string) []string {
		if in == nil {
			return nil
		}
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = expandEnvRefs(s, vars)
		}
		return out
	}
	return &runtime.ContainerConfig{
		Name:       c.Name,
		Attempt:    attempt,
		Image:      c.Image,
		Command:    expand(c.Command),
		Args:       expand(c.Args),
		Env:        env,
		WorkingDir: c.WorkingDir,
		Mounts:     mounts,
		Resources:  containerResources(c),
		Labels:     map[string]string{runtime.LabelContainerHash: containerHash(c)},
		TTY:        c.TTY,
		Stdin:      c.Stdin,
		LogPath:    logPath,
	}, nil
}

// portMappings are the hostPort mappings of a pod.
func portMappings(pod *api.Pod) []runtime.PortMapping {
	var out []runtime.PortMapping
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort == 0 {
				continue
			}
			proto := p.Protocol
			if proto == "" {
				proto = "TCP"
			}
			out = append(out, runtime.PortMapping{Protocol: proto, ContainerPort: p.ContainerPort, HostPort: p.HostPort, HostIP: p.HostIP})
		}
	}
	return out
}

// sandboxConfig builds the runtime config of pod's sandbox but its DNS
// (Kubelet.sandboxConfig adds it).
func sandboxConfig(pod *api.Pod, cgroupRoot, clusterDomain string) *runtime.SandboxConfig {
	hostname, domain := podHostnameAndDomain(pod, clusterDomain)
	cfg := &runtime.SandboxConfig{
		PodUID:       pod.UID,
		Name:         pod.Name,
		Namespace:    pod.Namespace,
		Hostname:     hostname,
		HostDomain:   domain,
		HostNetwork:  pod.Spec.HostNetwork,
		PortMappings: portMappings(pod),
		CgroupParent: strings.TrimRight(cgroupRoot, "/") + "/pod" + pod.UID,
	}
	sandboxSecurity(cfg, pod)
	for _, a := range pod.Spec.HostAliases {
		cfg.HostAliases = append(cfg.HostAliases, runtime.HostAlias{IP: a.IP, Hostnames: a.Hostnames})
	}
	return cfg
}
