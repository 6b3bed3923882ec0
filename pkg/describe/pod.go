package describe

import (
	"fmt"
	"math"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"minik8s/pkg/api"
)

func (d *describer) pod(pod *api.Pod, events []api.Event) {
	d.write(level0, "Name:\t%s\n", pod.Name)
	d.write(level0, "Namespace:\t%s\n", pod.Namespace)
	if pod.Spec.Priority != nil {
		d.write(level0, "Priority:\t%d\n", *pod.Spec.Priority)
	}
	if pod.Spec.ServiceAccountName != "" {
		d.write(level0, "Service Account:\t%s\n", pod.Spec.ServiceAccountName)
	}
	if pod.Spec.NodeName == "" {
		d.write(level0, "Node:\t<none>\n")
	} else {
		d.write(level0, "Node:\t%s\n", pod.Spec.NodeName+"/"+pod.Status.HostIP)
	}
	if pod.Status.StartTime != nil {
		d.write(level0, "Start Time:\t%s\n", rfc1123(*pod.Status.StartTime))
	}
	d.labelsMultiline("", "Labels", pod.Labels)
	d.annotationsMultiline("", "Annotations", pod.Annotations)
	if pod.DeletionTimestamp != nil && pod.Status.Phase != api.PodFailed && pod.Status.Phase != api.PodSucceeded {
		d.write(level0, "Status:\tTerminating (lasts %s)\n", d.age(*pod.DeletionTimestamp))
		if pod.DeletionGracePeriodSeconds != nil {
			d.write(level0, "Termination Grace Period:\t%ds\n", *pod.DeletionGracePeriodSeconds)
		}
	} else {
		d.write(level0, "Status:\t%s\n", pod.Status.Phase)
	}
	if pod.Status.Reason != "" {
		d.write(level0, "Reason:\t%s\n", pod.Status.Reason)
	}
	if pod.Status.Message != "" {
		d.write(level0, "Message:\t%s\n", pod.Status.Message)
	}
	d.write(level0, "IP:\t%s\n", pod.Status.PodIP)
	if len(pod.Status.PodIPs) == 0 {
		d.write(level0, "IPs:\t<none>\n")
	} else {
		d.write(level0, "IPs:\n")
		for _, ip := range pod.Status.PodIPs {
			d.write(level1, "IP:\t%s\n", ip.IP)
		}
	}
	if c := controlledBy(&pod.ObjectMeta); c != "" {
		d.write(level0, "Controlled By:\t%s\n", c)
	}
	if pod.Status.NominatedNodeName != "" {
		d.write(level0, "NominatedNodeName:\t%s\n", pod.Status.NominatedNodeName)
	}
	if len(pod.Spec.InitContainers) > 0 {
		d.containers("Init Containers", pod.Spec.InitContainers, pod.Status.InitContainerStatuses, pod, "")
	}
	d.containers("Containers", pod.Spec.Containers, pod.Status.ContainerStatuses, pod, "")
	if len(pod.Status.Conditions) > 0 {
		d.write(level0, "Conditions:\n  Type\tStatus\n")
		for _, c := range pod.Status.Conditions {
			d.write(level1, "%v \t%v \n", c.Type, c.Status)
		}
	}
	d.volumes(pod.Spec.Volumes, "")
	d.write(level0, "QoS Class:\t%s\n", PodQOS(pod))
	d.labelsMultiline("", "Node-Selectors", pod.Spec.NodeSelector)
	d.tolerations("Tolerations", pod.Spec.Tolerations)
	d.events(events)
}

// containers prints a Containers (or Init Containers) section. pod is nil
// for a pod template: then there are no statuses and env values from pod
// fields stay empty.
func (d *describer) containers(label string, cs []api.Container, statuses []api.ContainerStatus, pod *api.Pod, space string) {
	byName := map[string]api.ContainerStatus{}
	for _, s := range statuses {
		byName[s.Name] = s
	}
	none := ""
	if len(cs) == 0 {
		none = " <none>"
	}
	d.write(level0, "%s%s:%s\n", space, label, none)
	for _, c := range cs {
		st, ok := byName[c.Name]
		nameIndent := ""
		if space != "" {
			nameIndent = " "
		}
		d.write(level1, "%s%v:\n", nameIndent, c.Name)
		if ok {
			d.write(level2, "Container ID:\t%s\n", st.ContainerID)
		}
		d.write(level2, "Image:\t%s\n", c.Image)
		if ok {
			d.write(level2, "Image ID:\t%s\n", st.ImageID)
		}
		ports, hostPorts := containerPorts(c.Ports)
		if len(c.Ports) > 1 {
			d.write(level2, "Ports:\t%s\n", ports)
		} else {
			d.write(level2, "Port:\t%s\n", orNone(ports))
		}
		if len(c.Ports) > 1 {
			d.write(level2, "Host Ports:\t%s\n", hostPorts)
		} else {
			d.write(level2, "Host Port:\t%s\n", orNone(hostPorts))
		}
		if len(c.Command) > 0 {
			d.write(level2, "Command:\n")
			for _, s := range c.Command {
				for _, l := range strings.Split(s, "\n") {
					d.write(level3, "%s\n", l)
				}
			}
		}
		if len(c.Args) > 0 {
			d.write(level2, "Args:\n")
			for _, s := range c.Args {
				for _, l := range strings.Split(s, "\n") {
					d.write(level3, "%s\n", l)
				}
			}
		}
		if ok {
			d.containerState("State", st.State)
			if st.LastState.Terminated != nil {
				d.containerState("Last State", st.LastState)
			}
			d.write(level2, "Ready:\t%s\n", boolString(st.Ready))
			d.write(level2, "Restart Count:\t%d\n", st.RestartCount)
		}
		d.resources(c.Resources, level2)
		if c.LivenessProbe != nil {
			d.write(level2, "Liveness:\t%s\n", describeProbe(c.LivenessProbe))
		}
		if c.ReadinessProbe != nil {
			d.write(level2, "Readiness:\t%s\n", describeProbe(c.ReadinessProbe))
		}
		if c.StartupProbe != nil {
			d.write(level2, "Startup:\t%s\n", describeProbe(c.StartupProbe))
		}
		d.env(c, pod)
		d.mounts(c.VolumeMounts)
	}
}

func containerPorts(ps []api.ContainerPort) (ports, hostPorts string) {
	var a, b []string
	for _, p := range ps {
		proto := p.Protocol
		if proto == "" {
			proto = "TCP"
		}
		a = append(a, fmt.Sprintf("%d/%s", p.ContainerPort, proto))
		b = append(b, fmt.Sprintf("%d/%s", p.HostPort, proto))
	}
	return strings.Join(a, ", "), strings.Join(b, ", ")
}

func boolString(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

func (d *describer) containerState(name string, s api.ContainerState) {
	switch {
	case s.Running != nil:
		d.write(level2, "%s:\tRunning\n", name)
		d.write(level3, "Started:\t%v\n", rfc1123(s.Running.StartedAt))
	case s.Waiting != nil:
		d.write(level2, "%s:\tWaiting\n", name)
		if s.Waiting.Reason != "" {
			d.write(level3, "Reason:\t%s\n", s.Waiting.Reason)
		}
	case s.Terminated != nil:
		t := s.Terminated
		d.write(level2, "%s:\tTerminated\n", name)
		if t.Reason != "" {
			d.write(level3, "Reason:\t%s\n", t.Reason)
		}
		if t.Message != "" {
			d.write(level3, "Message:\t%s\n", t.Message)
		}
		d.write(level3, "Exit Code:\t%d\n", t.ExitCode)
		if t.Signal > 0 {
			d.write(level3, "Signal:\t%d\n", t.Signal)
		}
		d.write(level3, "Started:\t%s\n", rfc1123(t.StartedAt))
		d.write(level3, "Finished:\t%s\n", rfc1123(t.FinishedAt))
	default:
		d.write(level2, "%s:\tWaiting\n", name)
	}
}

func (d *describer) resources(r api.ResourceRequirements, level int) {
	if len(r.Limits) > 0 {
		d.write(level, "Limits:\n")
	}
	for _, k := range sortedKeys(r.Limits) {
		q := r.Limits[k]
		d.write(level+1, "%s:\t%s\n", k, q.String())
	}
	if len(r.Requests) > 0 {
		d.write(level, "Requests:\n")
	}
	for _, k := range sortedKeys(r.Requests) {
		q := r.Requests[k]
		d.write(level+1, "%s:\t%s\n", k, q.String())
	}
}

func describeProbe(p *api.Probe) string {
	attrs := fmt.Sprintf("delay=%ds timeout=%ds period=%ds #success=%d #failure=%d",
		p.InitialDelaySeconds, p.TimeoutSeconds, p.PeriodSeconds, p.SuccessThreshold, p.FailureThreshold)
	switch {
	case p.Exec != nil:
		return fmt.Sprintf("exec %v %s", p.Exec.Command, attrs)
	case p.HTTPGet != nil:
		scheme := strings.ToLower(p.HTTPGet.Scheme)
		if scheme == "" {
			scheme = "http"
		}
		u := &url.URL{Scheme: scheme, Path: p.HTTPGet.Path}
		if port := p.HTTPGet.Port.String(); port != "" {
			u.Host = net.JoinHostPort(p.HTTPGet.Host, port)
		} else {
			u.Host = p.HTTPGet.Host
		}
		return fmt.Sprintf("http-get %s %s", u.String(), attrs)
	case p.TCPSocket != nil:
		return fmt.Sprintf("tcp-socket %s:%s %s", p.TCPSocket.Host, p.TCPSocket.Port.String(), attrs)
	}
	return "unknown " + attrs
}

func (d *describer) env(c api.Container, pod *api.Pod) {
	none := ""
	if len(c.Env) == 0 {
		none = "\t<none>"
	}
	d.write(level2, "Environment:%s\n", none)
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			for i, s := range strings.Split(e.Value, "\n") {
				if i == 0 {
					d.write(level3, "%s:\t%s\n", e.Name, s)
				} else {
					d.write(level3, "\t%s\n", s)
				}
			}
		case e.ValueFrom.FieldRef != nil:
			ref := e.ValueFrom.FieldRef
			value := ""
			if pod != nil {
				value = podFieldValue(pod, ref.FieldPath)
			}
			apiVersion := ref.APIVersion
			if apiVersion == "" {
				apiVersion = "v1"
			}
			d.write(level3, "%s:\t%s (%s:%s)\n", e.Name, value, apiVersion, ref.FieldPath)
		case e.ValueFrom.ResourceFieldRef != nil:
			ref := e.ValueFrom.ResourceFieldRef
			value := containerResourceValue(ref, c)
			if value == "0" && (ref.Resource == "limits.cpu" || ref.Resource == "limits.memory") {
				value = "node allocatable"
			}
			d.write(level3, "%s:\t%s (%s)\n", e.Name, value, ref.Resource)
		}
	}
}

// podFieldValue resolves the downward-API field paths minik8s supports.
func podFieldValue(pod *api.Pod, path string) string {
	switch path {
	case "metadata.name":
		return pod.Name
	case "metadata.namespace":
		return pod.Namespace
	case "metadata.uid":
		return pod.UID
	case "spec.nodeName":
		return pod.Spec.NodeName
	case "spec.serviceAccountName":
		return pod.Spec.ServiceAccountName
	case "status.podIP":
		return pod.Status.PodIP
	case "status.hostIP":
		return pod.Status.HostIP
	}
	for prefix, m := range map[string]map[string]string{"metadata.labels": pod.Labels, "metadata.annotations": pod.Annotations} {
		if rest, ok := strings.CutPrefix(path, prefix+"['"); ok {
			if key, ok := strings.CutSuffix(rest, "']"); ok {
				return m[key]
			}
		}
	}
	return ""
}

// containerResourceValue is the value a resourceFieldRef env var gets: the
// limit or request divided by the divisor, rounded up.
func containerResourceValue(ref *api.ResourceFieldSelector, c api.Container) string {
	kind, name, ok := strings.Cut(ref.Resource, ".")
	if !ok {
		return ""
	}
	list := c.Resources.Limits
	if kind == "requests" {
		list = c.Resources.Requests
	}
	q, has := list[name]
	if !has {
		return "0"
	}
	if name == "cpu" {
		div := int64(1000)
		if ref.Divisor != nil && ref.Divisor.MilliValue() > 0 {
			div = ref.Divisor.MilliValue()
		}
		return strconv.FormatInt(int64(math.Ceil(float64(q.MilliValue())/float64(div))), 10)
	}
	div := int64(1)
	if ref.Divisor != nil && ref.Divisor.Value() > 0 {
		div = ref.Divisor.Value()
	}
	return strconv.FormatInt(int64(math.Ceil(float64(q.Value())/float64(div))), 10)
}

func (d *describer) mounts(ms []api.VolumeMount) {
	if len(ms) == 0 {
		d.write(level2, "Mounts:\t<none>\n")
		return
	}
	d.write(level2, "Mounts:\n")
	sorted := append([]api.VolumeMount(nil), ms...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].MountPath < sorted[j].MountPath })
	for _, m := range sorted {
		flags := []string{"rw"}
		if m.ReadOnly {
			flags[0] = "ro"
		}
		if m.SubPath != "" {
			flags = append(flags, fmt.Sprintf("path=%q", m.SubPath))
		}
		d.write(level3, "%s from %s (%s)\n", m.MountPath, m.Name, strings.Join(flags, ","))
	}
}

func (d *describer) volumes(vs []api.Volume, space string) {
	if len(vs) == 0 {
		d.write(level0, "%sVolumes:\t<none>\n", space)
		return
	}
	d.write(level0, "%sVolumes:\n", space)
	for _, v := range vs {
		nameIndent := ""
		if space != "" {
			nameIndent = " "
		}
		d.write(level1, "%s%v:\n", nameIndent, v.Name)
		switch {
		case v.HostPath != nil:
			typ := "<none>"
			if v.HostPath.Type != nil {
				typ = *v.HostPath.Type
			}
			d.write(level2, "Type:\tHostPath (bare host directory volume)\n"+
				"    Path:\t%v\n"+
				"    HostPathType:\t%v\n", v.HostPath.Path, typ)
		case v.EmptyDir != nil:
			size := "<unset>"
			if v.EmptyDir.SizeLimit != nil && v.EmptyDir.SizeLimit.Sign() > 0 {
				size = v.EmptyDir.SizeLimit.String()
			}
			d.write(level2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"+
				"    Medium:\t%v\n"+
				"    SizeLimit:\t%v\n", v.EmptyDir.Medium, size)
		default:
			d.write(level1, "<unknown>\n")
		}
	}
}

func (d *describer) tolerations(title string, ts []api.Toleration) {
	d.write(level0, "%s:\t", title)
	if len(ts) == 0 {
		d.line("<none>")
		return
	}
	sorted := append([]api.Toleration(nil), ts...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
	for i, t := range sorted {
		if i != 0 {
			d.write(level0, "\t")
		}
		s := t.Key
		if t.Value != "" {
			s += "=" + t.Value
		}
		if t.Effect != "" {
			s += ":" + t.Effect
		}
		if t.Operator == "Exists" && t.Value == "" {
			if t.Key != "" || t.Effect != "" {
				s += " op=Exists"
			} else {
				s += "op=Exists"
			}
		}
		if t.TolerationSeconds != nil {
			s += fmt.Sprintf(" for %ds", *t.TolerationSeconds)
		}
		d.write(level0, "%s\n", s)
	}
}

// PodQOS is the pod's QoS class: status.qosClass when set, otherwise
// computed as Kubernetes does (BestEffort without any cpu/memory request
// or limit; Guaranteed when every container has cpu and memory limits
// equal to its requests; Burstable otherwise). A request left out where a
// limit is set counts as equal to the limit, as API defaulting makes it.
func PodQOS(pod *api.Pod) string {
	if pod.Status.QOSClass != "" {
		return pod.Status.QOSClass
	}
	requests := map[string]api.Quantity{}
	limits := map[string]api.Quantity{}
	guaranteed := true
	all := append(append([]api.Container(nil), pod.Spec.InitContainers...), pod.Spec.Containers...)
	for _, c := range all {
		found := map[string]bool{}
		for _, name := range []string{"cpu", "memory"} {
			lim, hasLim := c.Resources.Limits[name]
			req, hasReq := c.Resources.Requests[name]
			if !hasReq && hasLim {
				req, hasReq = lim, true
			}
			if hasReq && req.Sign() > 0 {
				sum := requests[name]
				sum.Add(req)
				requests[name] = sum
			}
			if hasLim && lim.Sign() > 0 {
				found[name] = true
				sum := limits[name]
				sum.Add(lim)
				limits[name] = sum
			}
		}
		if !found["cpu"] || !found["memory"] {
			guaranteed = false
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return "BestEffort"
	}
	if guaranteed {
		for name, req := range requests {
			if lim, ok := limits[name]; !ok || lim.Cmp(req) != 0 {
				guaranteed = false
			}
		}
	}
	if guaranteed && len(requests) == len(limits) {
		return "Guaranteed"
	}
	return "Burstable"
}
