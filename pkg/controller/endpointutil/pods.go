package endpointutil

import (
	"fmt"
	"maps"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
	"minik8s/pkg/controller"
)

// ShouldPodBeInEndpoints says whether a pod belongs in a Service's
// endpoints at all (ready or not): it has an IP, it is not finished for
// good given its restart policy, and it is not terminating unless
// includeTerminating (Kubernetes' ShouldPodBeInEndpoints).
func ShouldPodBeInEndpoints(p *api.Pod, includeTerminating bool) bool {
	if p.Status.PodIP == "" && len(p.Status.PodIPs) == 0 {
		return false
	}
	if !includeTerminating && p.DeletionTimestamp != nil {
		return false
	}
	switch p.Spec.RestartPolicy {
	case "Never":
		return p.Status.Phase != api.PodFailed && p.Status.Phase != api.PodSucceeded
	case "OnFailure":
		return p.Status.Phase != api.PodSucceeded
	}
	return true
}

// ShouldSetHostname says whether the endpoint of p in svc carries the
// pod's hostname: the pod names a hostname and its subdomain is the
// service (the DNS name <hostname>.<service>.<namespace>.svc).
func ShouldSetHostname(p *api.Pod, svc *api.Service) bool {
	return p.Spec.Hostname != "" && p.Spec.Subdomain == svc.Name && p.Namespace == svc.Namespace
}

// PodIP is the pod's IPv4 address ("" if it has none).
func PodIP(p *api.Pod) string {
	if p.Status.PodIP != "" {
		return p.Status.PodIP
	}
	for _, ip := range p.Status.PodIPs {
		if ip.IP != "" {
			return ip.IP
		}
	}
	return ""
}

// FindPort resolves a service port's targetPort for one pod: a number is
// itself (0: the service port), a name is the containerPort of that name
// and the port's protocol in the pod's containers, as Kubernetes'
// podutil.FindPort.
func FindPort(p *api.Pod, sp *api.ServicePort) (int32, error) {
	tp := sp.TargetPort
	if tp.Type == intstr.Int {
		if tp.IntVal == 0 {
			return sp.Port, nil
		}
		return tp.IntVal, nil
	}
	proto := sp.Protocol
	if proto == "" {
		proto = "TCP"
	}
	match := func(cs []api.Container) (int32, bool) {
		for _, c := range cs {
			for _, cp := range c.Ports {
				cpProto := cp.Protocol
				if cpProto == "" {
					cpProto = "TCP"
				}
				if cp.Name == tp.StrVal && cpProto == proto {
					return cp.ContainerPort, true
				}
			}
		}
		return 0, false
	}
	if port, ok := match(p.Spec.Containers); ok {
		return port, nil
	}
	return 0, fmt.Errorf("no container port named %q (%s) in pod %s/%s", tp.StrVal, proto, p.Namespace, p.Name)
}

// PodChanged says whether an update of a pod can change endpoints: its
// labels (which services select it) or what an endpoint shows (IP,
// readiness, hostname, node, deletion), as Kubernetes'
// GetServicesToUpdateOnPodChange.
func PodChanged(old, cur *api.Pod) (labelsChanged, endpointChanged bool) {
	labelsChanged = !maps.Equal(old.Labels, cur.Labels)
	endpointChanged = PodIP(old) != PodIP(cur) ||
		controller.IsPodReady(old) != controller.IsPodReady(cur) ||
		old.Spec.Hostname != cur.Spec.Hostname || old.Spec.Subdomain != cur.Spec.Subdomain ||
		old.Spec.NodeName != cur.Spec.NodeName ||
		(old.DeletionTimestamp == nil) != (cur.DeletionTimestamp == nil) ||
		old.Status.Phase != cur.Status.Phase
	return labelsChanged, endpointChanged
}
