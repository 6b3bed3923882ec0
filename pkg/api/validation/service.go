package validation

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

// NodePortRange is the inclusive range of node ports services may use; the
// apiserver may change it from its flags before serving.
var NodePortRange = struct{ Min, Max int32 }{30000, 32767}

// maxClientIPAffinitySeconds is the longest ClientIP affinity (a day).
const maxClientIPAffinitySeconds = 86400

// externallyAccessible is Kubernetes' ExternallyAccessible: NodePort and
// LoadBalancer services, and ClusterIP services with external IPs.
func externallyAccessible(s *api.ServiceSpec) bool {
	return s.Type == api.ServiceTypeNodePort || s.Type == api.ServiceTypeLoadBalancer ||
		((s.Type == "" || s.Type == api.ServiceTypeClusterIP) && len(s.ExternalIPs) > 0)
}

var (
	serviceTypes      = []string{api.ServiceTypeClusterIP, api.ServiceTypeNodePort, api.ServiceTypeLoadBalancer, api.ServiceTypeExternalName}
	sessionAffinities = []string{"ClientIP", "None"}
)

func validateServiceSpec(s *api.ServiceSpec, p Path) ErrorList {
	var errs ErrorList
	typ := s.Type
	if typ == "" {
		typ = api.ServiceTypeClusterIP
	} else {
		errs = append(errs, oneOf(p.Child("type"), s.Type, serviceTypes...)...)
	}
	headless := s.ClusterIP == "None"

	switch typ {
	case api.ServiceTypeExternalName:
		if s.ClusterIP != "" || len(s.ClusterIPs) > 0 {
			errs = append(errs, Forbidden(p.Child("clusterIPs"), "may not be set for ExternalName services"))
		}
		if s.ExternalName == "" {
			errs = append(errs, Required(p.Child("externalName"), ""))
		} else {
			errs = append(errs, checkName(p.Child("externalName"), strings.TrimSuffix(s.ExternalName, "."), IsDNS1123Subdomain)...)
		}
	default:
		if len(s.Ports) == 0 && !headless {
			errs = append(errs, Required(p.Child("ports"), ""))
		}
	}

	if s.ClusterIP != "" && !headless {
		errs = append(errs, checkName(p.Child("clusterIP"), s.ClusterIP, IsValidIP)...)
	}
	if headless && (typ == api.ServiceTypeNodePort || typ == api.ServiceTypeLoadBalancer) {
		errs = append(errs, Invalid(p.Child("clusterIP"), s.ClusterIP, fmt.Sprintf("may not be set to 'None' for %s services", typ)))
	}
	for i, ip := range s.ClusterIPs {
		if ip != "None" {
			errs = append(errs, checkName(p.Child("clusterIPs").Index(i), ip, IsValidIP)...)
		}
	}
	if len(s.ClusterIPs) > 0 && s.ClusterIP != "" && s.ClusterIPs[0] != s.ClusterIP {
		errs = append(errs, Invalid(p.Child("clusterIPs").Index(0), s.ClusterIPs[0], "must match `clusterIP`"))
	}
	for i, ip := range s.ExternalIPs {
		errs = append(errs, checkName(p.Child("externalIPs").Index(i), ip, IsValidIP)...)
	}

	if s.SessionAffinity != "" {
		errs = append(errs, oneOf(p.Child("sessionAffinity"), s.SessionAffinity, sessionAffinities...)...)
	}
	if c := s.SessionAffinityConfig; c != nil {
		cp := p.Child("sessionAffinityConfig")
		switch {
		case s.SessionAffinity != "ClientIP":
			errs = append(errs, Forbidden(cp, "must not be set when session affinity is None"))
		case c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil:
			if t := *c.ClientIP.TimeoutSeconds; t <= 0 || t > maxClientIPAffinitySeconds {
				errs = append(errs, Invalid(cp.Child("clientIP").Child("timeoutSeconds"), t,
					fmt.Sprintf("must be greater than 0 and less than %d", maxClientIPAffinitySeconds)))
			}
		}
	}
	if s.ExternalTrafficPolicy != "" {
		if !externallyAccessible(s) {
			errs = append(errs, Invalid(p.Child("externalTrafficPolicy"), s.ExternalTrafficPolicy, "may only be set for externally-accessible services"))
		} else {
			errs = append(errs, oneOf(p.Child("externalTrafficPolicy"), s.ExternalTrafficPolicy, "Cluster", "Local")...)
		}
	}
	if s.InternalTrafficPolicy != nil {
		errs = append(errs, oneOf(p.Child("internalTrafficPolicy"), *s.InternalTrafficPolicy, "Cluster", "Local")...)
	}
	errs = append(errs, ValidateLabels(s.Selector, p.Child("selector"))...)

	names := map[string]bool{}
	portProtos := map[string]bool{}
	nodePorts := map[string]bool{}
	for i := range s.Ports {
		port := &s.Ports[i]
		pp := p.Child("ports").Index(i)
		if len(s.Ports) > 1 && port.Name == "" {
			errs = append(errs, Required(pp.Child("name"), ""))
		} else if port.Name != "" {
			errs = append(errs, checkName(pp.Child("name"), port.Name, IsDNS1123Label)...)
			if names[port.Name] {
				errs = append(errs, Duplicate(pp.Child("name"), port.Name))
			}
			names[port.Name] = true
		}
		errs = append(errs, inRange(pp.Child("port"), int64(port.Port), 1, 65535)...)
		proto := port.Protocol
		if proto == "" {
			proto = "TCP"
		} else {
			errs = append(errs, oneOf(pp.Child("protocol"), port.Protocol, protocols...)...)
		}
		key := fmt.Sprintf("%d/%s", port.Port, proto)
		if portProtos[key] {
			errs = append(errs, Duplicate(pp, key))
		}
		portProtos[key] = true
		// targetPort 0 means "same as port" (Default sets it).
		if !(port.TargetPort.Type == intstr.Int && port.TargetPort.IntVal == 0) {
			errs = append(errs, validatePortRef(port.TargetPort, pp.Child("targetPort"))...)
		}
		if port.NodePort != 0 {
			np := pp.Child("nodePort")
			switch {
			case typ != api.ServiceTypeNodePort && typ != api.ServiceTypeLoadBalancer:
				errs = append(errs, Forbidden(np, fmt.Sprintf("may not be used when `type` is '%s'", typ)))
			case port.NodePort < NodePortRange.Min || port.NodePort > NodePortRange.Max:
				errs = append(errs, Invalid(np, port.NodePort, fmt.Sprintf("provided port is not in the valid range. The range of valid ports is %d-%d", NodePortRange.Min, NodePortRange.Max)))
			default:
				nk := fmt.Sprintf("%d/%s", port.NodePort, proto)
				if nodePorts[nk] {
					errs = append(errs, Duplicate(np, port.NodePort))
				}
				nodePorts[nk] = true
			}
		}
	}
	return errs
}
