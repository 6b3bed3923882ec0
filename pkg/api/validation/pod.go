package validation

import (
	"fmt"
	"math"
	"net"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

var (
	protocols              = []string{"TCP", "UDP", "SCTP"}
	restartPolicies        = []string{api.RestartAlways, api.RestartOnFailure, api.RestartNever}
	dnsPolicies            = []string{"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"}
	pullPolicies           = []string{"Always", "IfNotPresent", "Never"}
	terminationMsgPolicies = []string{"File", "FallbackToLogsOnError"}
	hostPathTypes          = []string{"", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"}
	standardResources      = []string{"cpu", "memory", "ephemeral-storage"}
)

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func parseCIDR(s string) (net.IP, *net.IPNet, error) { return net.ParseCIDR(s) }

// validatePodSpec checks a pod spec (of a pod or a template) at path p.
func validatePodSpec(s *api.PodSpec, p Path) ErrorList {
	var errs ErrorList

	// Volumes first: mounts refer to them.
	volumes := map[string]bool{}
	for i := range s.Volumes {
		errs = append(errs, validateVolume(&s.Volumes[i], p.Child("volumes").Index(i), volumes)...)
	}

	if len(s.Containers) == 0 {
		errs = append(errs, Required(p.Child("containers"), ""))
	}
	names := map[string]bool{}
	hostPorts := map[string]bool{}
	for i := range s.InitContainers {
		errs = append(errs, validateContainer(&s.InitContainers[i], p.Child("initContainers").Index(i), s, names, volumes, hostPorts)...)
		if s.InitContainers[i].Lifecycle != nil {
			errs = append(errs, Forbidden(p.Child("initContainers").Index(i).Child("lifecycle"), "may not be set for init containers"))
		}
	}
	for i := range s.Containers {
		errs = append(errs, validateContainer(&s.Containers[i], p.Child("containers").Index(i), s, names, volumes, hostPorts)...)
	}

	if s.RestartPolicy != "" {
		errs = append(errs, oneOf(p.Child("restartPolicy"), s.RestartPolicy, restartPolicies...)...)
	}
	errs = append(errs, validatePodDNS(s, p)...)
	errs = append(errs, validateHostAliases(s.HostAliases, p.Child("hostAliases"))...)
	if s.TerminationGracePeriodSeconds != nil {
		errs = append(errs, nonNegative(p.Child("terminationGracePeriodSeconds"), *s.TerminationGracePeriodSeconds)...)
	}
	if v := s.ActiveDeadlineSeconds; v != nil && (*v < 1 || *v > math.MaxInt32) {
		errs = append(errs, Invalid(p.Child("activeDeadlineSeconds"), *s.ActiveDeadlineSeconds, "must be between 1 and 2147483647, inclusive"))
	}
	errs = append(errs, ValidateLabels(s.NodeSelector, p.Child("nodeSelector"))...)
	errs = append(errs, validateAffinity(s.Affinity, p.Child("affinity"))...)
	errs = append(errs, validateSecurityContexts(s, p)...)
	if s.NodeName != "" {
		errs = append(errs, checkName(p.Child("nodeName"), s.NodeName, IsDNS1123Subdomain)...)
	}
	if s.ServiceAccountName != "" {
		errs = append(errs, checkName(p.Child("serviceAccountName"), s.ServiceAccountName, IsDNS1123Subdomain)...)
	}
	if s.Hostname != "" {
		errs = append(errs, checkName(p.Child("hostname"), s.Hostname, IsDNS1123Label)...)
	}
	if s.Subdomain != "" {
		errs = append(errs, checkName(p.Child("subdomain"), s.Subdomain, IsDNS1123Label)...)
	}
	for i, t := range s.Tolerations {
		tp := p.Child("tolerations").Index(i)
		switch t.Operator {
		case "", "Equal":
		case "Exists":
			if t.Value != "" {
				errs = append(errs, Invalid(tp.Child("operator"), t.Operator, "value must be empty when `operator` is 'Exists'"))
			}
		default:
			errs = append(errs, NotSupported(tp.Child("operator"), t.Operator, []string{"Equal", "Exists"}))
		}
		if t.Effect != "" {
			errs = append(errs, oneOf(tp.Child("effect"), t.Effect, "NoSchedule", "PreferNoSchedule", "NoExecute")...)
		}
	}
	return errs
}

func validateVolume(v *api.Volume, p Path, seen map[string]bool) ErrorList {
	var errs ErrorList
	switch {
	case v.Name == "":
		errs = append(errs, Required(p.Child("name"), ""))
	case seen[v.Name]:
		errs = append(errs, Duplicate(p.Child("name"), v.Name))
	default:
		errs = append(errs, checkName(p.Child("name"), v.Name, IsDNS1123Label)...)
	}
	seen[v.Name] = true
	n := 0
	if v.HostPath != nil {
		n++
		hp := p.Child("hostPath")
		if v.HostPath.Path == "" {
			errs = append(errs, Required(hp.Child("path"), ""))
		}
		if v.HostPath.Type != nil {
			errs = append(errs, oneOf(hp.Child("type"), *v.HostPath.Type, hostPathTypes...)...)
		}
	}
	if v.EmptyDir != nil {
		n++
		if n > 1 {
			errs = append(errs, Forbidden(p.Child("emptyDir"), "may not specify more than 1 volume type"))
		}
		if v.EmptyDir.Medium != "" {
			errs = append(errs, oneOf(p.Child("emptyDir").Child("medium"), v.EmptyDir.Medium, "", "Memory")...)
		}
		if q := v.EmptyDir.SizeLimit; q != nil && q.Sign() < 0 {
			errs = append(errs, Invalid(p.Child("emptyDir").Child("sizeLimit"), q.String(), "must be greater than or equal to 0"))
		}
	}
	errs = append(errs, validateConfigVolume(&v.VolumeSource, p, &n)...)
	if n == 0 {
		errs = append(errs, Required(p, "must specify a volume type"))
	}
	return errs
}

func validateContainer(c *api.Container, p Path, spec *api.PodSpec, names, volumes, hostPorts map[string]bool) ErrorList {
	var errs ErrorList
	switch {
	case c.Name == "":
		errs = append(errs, Required(p.Child("name"), ""))
	case names[c.Name]:
		errs = append(errs, Duplicate(p.Child("name"), c.Name))
	default:
		errs = append(errs, checkName(p.Child("name"), c.Name, IsDNS1123Label)...)
	}
	names[c.Name] = true
	if strings.TrimSpace(c.Image) == "" {
		errs = append(errs, Required(p.Child("image"), ""))
	} else if c.Image != strings.TrimSpace(c.Image) {
		errs = append(errs, Invalid(p.Child("image"), c.Image, "must not have leading or trailing whitespace"))
	}
	if c.ImagePullPolicy != "" {
		errs = append(errs, oneOf(p.Child("imagePullPolicy"), c.ImagePullPolicy, pullPolicies...)...)
	}
	if c.TerminationMessagePolicy != "" {
		errs = append(errs, oneOf(p.Child("terminationMessagePolicy"), c.TerminationMessagePolicy, terminationMsgPolicies...)...)
	}

	portNames := map[string]bool{}
	for i, port := range c.Ports {
		pp := p.Child("ports").Index(i)
		if port.Name != "" {
			errs = append(errs, checkName(pp.Child("name"), port.Name, IsValidPortName)...)
			if portNames[port.Name] {
				errs = append(errs, Duplicate(pp.Child("name"), port.Name))
			}
			portNames[port.Name] = true
		}
		errs = append(errs, inRange(pp.Child("containerPort"), int64(port.ContainerPort), 1, 65535)...)
		if port.HostPort != 0 {
			errs = append(errs, inRange(pp.Child("hostPort"), int64(port.HostPort), 0, 65535)...)
		}
		if port.Protocol != "" {
			errs = append(errs, oneOf(pp.Child("protocol"), port.Protocol, protocols...)...)
		}
		if spec.HostNetwork && port.HostPort != 0 && port.HostPort != port.ContainerPort {
			errs = append(errs, Invalid(pp.Child("hostPort"), port.HostPort, "must match `containerPort` when `hostNetwork` is true"))
		}
		if port.HostIP != "" {
			errs = append(errs, checkName(pp.Child("hostIP"), port.HostIP, IsValidIP)...)
		}
		if port.HostPort > 0 {
			proto := port.Protocol
			if proto == "" {
				proto = "TCP"
			}
			key := fmt.Sprintf("%s/%d/%s", port.HostIP, port.HostPort, proto)
			if hostPorts[key] {
				errs = append(errs, Duplicate(pp.Child("hostPort"), fmt.Sprintf("%d/%s", port.HostPort, proto)))
			}
			hostPorts[key] = true
		}
	}

	for i, e := range c.Env {
		ep := p.Child("env").Index(i)
		if e.Name == "" {
			errs = append(errs, Required(ep.Child("name"), ""))
		} else if strings.Contains(e.Name, "=") {
			errs = append(errs, Invalid(ep.Child("name"), e.Name, "must not contain '='"))
		}
		if e.ValueFrom != nil {
			vp := ep.Child("valueFrom")
			if e.Value != "" {
				errs = append(errs, Invalid(vp, "", "may not be specified when `value` is not empty"))
			}
			n := 0
			if f := e.ValueFrom.FieldRef; f != nil {
				n++
				if f.FieldPath == "" {
					errs = append(errs, Required(vp.Child("fieldRef").Child("fieldPath"), ""))
				}
			}
			if f := e.ValueFrom.ResourceFieldRef; f != nil {
				n++
				if f.Resource == "" {
					errs = append(errs, Required(vp.Child("resourceFieldRef").Child("resource"), ""))
				}
			}
			n += validateKeyRefs(e.ValueFrom, vp, &errs)
			if n != 1 {
				errs = append(errs, Invalid(vp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
			}
		}
	}

	errs = append(errs, validateEnvFrom(c.EnvFrom, p.Child("envFrom"))...)
	mounts := map[string]bool{}
	for i, m := range c.VolumeMounts {
		mp := p.Child("volumeMounts").Index(i)
		if m.Name == "" {
			errs = append(errs, Required(mp.Child("name"), ""))
		} else if !volumes[m.Name] {
			errs = append(errs, NotFound(mp.Child("name"), m.Name))
		}
		if m.MountPath == "" {
			errs = append(errs, Required(mp.Child("mountPath"), ""))
		} else if mounts[m.MountPath] {
			errs = append(errs, Invalid(mp.Child("mountPath"), m.MountPath, "must be unique"))
		}
		mounts[m.MountPath] = true
		if strings.HasPrefix(m.SubPath, "/") || strings.Contains("/"+m.SubPath+"/", "/../") {
			errs = append(errs, Invalid(mp.Child("subPath"), m.SubPath, "must be a relative path without '..'"))
		}
	}

	errs = append(errs, validateResources(&c.Resources, p.Child("resources"))...)
	errs = append(errs, validateProbe(c.LivenessProbe, p.Child("livenessProbe"))...)
	errs = append(errs, validateProbe(c.ReadinessProbe, p.Child("readinessProbe"))...)
	errs = append(errs, validateProbe(c.StartupProbe, p.Child("startupProbe"))...)
	errs = append(errs, validateLifecycle(c.Lifecycle, spec.TerminationGracePeriodSeconds, p.Child("lifecycle"))...)
	return errs
}

func validResourceName(name string) bool {
	for _, s := range standardResources {
		if name == s {
			return true
		}
	}
	if strings.HasPrefix(name, "hugepages-") {
		return true
	}
	// Extended resources are fully qualified: example.com/gpu.
	return strings.Contains(name, "/") && len(IsDNS1123Subdomain(strings.SplitN(name, "/", 2)[0])) == 0
}

// validateResources checks resource names, that quantities are not
// negative, and that each request is at most its limit.
func validateResources(r *api.ResourceRequirements, p Path) ErrorList {
	var errs ErrorList
	for _, group := range []struct {
		name string
		list api.ResourceList
	}{{"limits", r.Limits}, {"requests", r.Requests}} {
		for _, k := range sortedKeys(group.list) {
			q := group.list[k]
			kp := p.Child(group.name).Key(k)
			if !validResourceName(k) {
				errs = append(errs, Invalid(kp, k, "must be a standard resource type or fully qualified"))
				continue
			}
			if q.Sign() < 0 {
				errs = append(errs, Invalid(kp, q.String(), "must be greater than or equal to 0"))
			}
		}
	}
	for _, k := range sortedKeys(r.Requests) {
		req := r.Requests[k]
		lim, ok := r.Limits[k]
		if ok && req.Cmp(lim) > 0 {
			errs = append(errs, Invalid(p.Child("requests"), req.String(), fmt.Sprintf("must be less than or equal to %s limit of %s", k, lim.String())))
		}
	}
	return errs
}

func validateProbe(pr *api.Probe, p Path) ErrorList {
	if pr == nil {
		return nil
	}
	var errs ErrorList
	n := 0
	if pr.Exec != nil {
		n++
		if len(pr.Exec.Command) == 0 {
			errs = append(errs, Required(p.Child("exec").Child("command"), ""))
		}
	}
	if pr.HTTPGet != nil {
		n++
		errs = append(errs, validatePortRef(pr.HTTPGet.Port, p.Child("httpGet").Child("port"))...)
		if s := pr.HTTPGet.Scheme; s != "" {
			errs = append(errs, oneOf(p.Child("httpGet").Child("scheme"), s, "HTTP", "HTTPS")...)
		}
	}
	if pr.TCPSocket != nil {
		n++
		errs = append(errs, validatePortRef(pr.TCPSocket.Port, p.Child("tcpSocket").Child("port"))...)
	}
	if n == 0 {
		errs = append(errs, Required(p, "must specify a handler type"))
	} else if n > 1 {
		errs = append(errs, Forbidden(p, "may not specify more than 1 handler type"))
	}
	for _, f := range []struct {
		name string
		v    int32
	}{{"initialDelaySeconds", pr.InitialDelaySeconds}, {"timeoutSeconds", pr.TimeoutSeconds}, {"periodSeconds", pr.PeriodSeconds},
		{"successThreshold", pr.SuccessThreshold}, {"failureThreshold", pr.FailureThreshold}} {
		errs = append(errs, nonNegative(p.Child(f.name), int64(f.v))...)
	}
	return errs
}

// validatePortRef checks a port given as a number (1-65535) or an IANA name.
func validatePortRef(port intstr.IntOrString, p Path) ErrorList {
	if port.Type == intstr.String {
		return checkName(p, port.StrVal, IsValidPortName)
	}
	return inRange(p, int64(port.IntVal), 1, 65535)
}
