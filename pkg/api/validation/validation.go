// Package validation owns defaulting and validation of API objects: the
// defaults the apiserver fills in on create (defaults.go), and field-path
// error messages printed as Kubernetes prints them
// ("spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive").
//
// Validate and ValidateUpdate are pure functions of the objects; the
// apiserver calls Default, then Validate (and ValidateUpdate on updates).
package validation

import (
	"fmt"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/labels"
)

// Validate checks a new or updated object. Fields that Default fills in
// are accepted when still empty, so Validate can run before or after Default.
func Validate(obj api.Object) ErrorList {
	switch o := obj.(type) {
	case *api.Namespace:
		errs := validateObjectMeta(&o.ObjectMeta, false, IsDNS1123Label)
		if p := o.Status.Phase; p != "" {
			errs = append(errs, oneOf("status.phase", p, api.NamespaceActive, api.NamespaceTerminating)...)
		}
		return errs
	case *api.Node:
		errs := validateObjectMeta(&o.ObjectMeta, false, IsDNS1123Subdomain)
		return append(errs, validateNode(o)...)
	case *api.Pod:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		return append(errs, validatePodSpec(&o.Spec, "spec")...)
	case *api.Service:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1035Label)
		return append(errs, validateServiceSpec(&o.Spec, "spec")...)
	case *api.Endpoints:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		return append(errs, validateEndpoints(o)...)
	case *api.Event:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsValidPathSegmentName)
		if o.InvolvedObject.Kind == "" {
			errs = append(errs, Required("involvedObject.kind", ""))
		}
		if o.InvolvedObject.Name == "" {
			errs = append(errs, Required("involvedObject.name", ""))
		}
		if t := o.Type; t != "" {
			errs = append(errs, oneOf("type", t, "Normal", "Warning")...)
		}
		return errs
	case *api.ConfigMap:
		return validateConfigMap(o)
	case *api.Secret:
		return validateSecret(o)
	case *api.ServiceAccount:
		return validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
	case *api.ReplicaSet:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		return append(errs, validateReplicaSetSpec(&o.Spec, "spec")...)
	case *api.ReplicationController:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		return append(errs, validateReplicationControllerSpec(&o.Spec, "spec")...)
	case *api.Deployment:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		return append(errs, validateDeploymentSpec(&o.Spec, "spec")...)
	case *api.DaemonSet:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		return append(errs, validateDaemonSetSpec(&o.Spec, "spec")...)
	case *api.Job:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		return append(errs, validateJobSpec(&o.Spec, "spec", false)...)
	case *api.CronJob:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		return append(errs, validateCronJobSpec(&o.Spec, "spec")...)
	case *api.ControllerRevision:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		return append(errs, validateControllerRevision(o)...)
	case *api.HorizontalPodAutoscaler:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		errs = append(errs, validateHPASpec(&o.Spec, "spec")...)
		return append(errs, validateHPAStatus(&o.Status, "status")...)
	case *api.Lease:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		return append(errs, validateLeaseSpec(&o.Spec, "spec")...)
	case *api.EndpointSlice:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		return append(errs, validateEndpointSlice(o)...)
	case *api.Ingress:
		errs := validateObjectMeta(&o.ObjectMeta, true, IsDNS1123Subdomain)
		return append(errs, validateIngress(o)...)
	case *api.IngressClass:
		errs := validateObjectMeta(&o.ObjectMeta, false, IsDNS1123Subdomain)
		return append(errs, validateIngressClassSpec(&o.Spec, "spec")...)
	}
	return ErrorList{Invalid("kind", fmt.Sprintf("%T", obj), "validation of this type is not supported")}
}

// validateObjectMeta checks name, namespace, labels and annotations.
// Namespaced objects may leave the namespace empty (the apiserver fills it
// in from the URL); cluster-scoped ones may not set it.
func validateObjectMeta(m *api.ObjectMeta, namespaced bool, nameCheck nameFunc) ErrorList {
	var errs ErrorList
	p := Path("metadata")
	switch {
	case m.Name != "":
		errs = append(errs, checkName(p.Child("name"), m.Name, nameCheck)...)
	case m.GenerateName != "":
		// The apiserver appends a suffix; check the prefix loosely, as Kubernetes does.
		prefix := strings.TrimRight(m.GenerateName, "-")
		if prefix != "" {
			errs = append(errs, checkName(p.Child("generateName"), prefix, nameCheck)...)
		}
	default:
		errs = append(errs, Required(p.Child("name"), "name or generateName is required"))
	}
	if namespaced {
		if m.Namespace != "" {
			errs = append(errs, checkName(p.Child("namespace"), m.Namespace, IsDNS1123Label)...)
		}
	} else if m.Namespace != "" {
		errs = append(errs, Forbidden(p.Child("namespace"), "not allowed on this type"))
	}
	errs = append(errs, ValidateLabels(m.Labels, p.Child("labels"))...)
	errs = append(errs, ValidateAnnotations(m.Annotations, p.Child("annotations"))...)
	if m.Generation < 0 {
		errs = append(errs, nonNegative(p.Child("generation"), m.Generation)...)
	}
	return errs
}

// TotalAnnotationSizeLimitB is Kubernetes' limit on the annotations of one
// object: the bytes of every key and value together.
const TotalAnnotationSizeLimitB = 256 << 10

// ValidateAnnotations is Kubernetes' ValidateAnnotations: every key a
// qualified name (case aside), and all keys and values together at most
// TotalAnnotationSizeLimitB bytes ("metadata.annotations: Too long: may
// not be more than 262144 bytes").
func ValidateAnnotations(a map[string]string, p Path) ErrorList {
	var errs ErrorList
	size := 0
	for _, k := range sortedKeys(a) {
		for _, msg := range labels.ValidateKey(strings.ToLower(k)) {
			errs = append(errs, Invalid(p, k, msg))
		}
		size += len(k) + len(a[k])
	}
	if size > TotalAnnotationSizeLimitB {
		errs = append(errs, TooLong(p, TotalAnnotationSizeLimitB))
	}
	return errs
}

// ValidateLabels checks the keys and values of a label map.
func ValidateLabels(l map[string]string, p Path) ErrorList {
	var errs ErrorList
	for _, k := range sortedKeys(l) {
		for _, msg := range labels.ValidateKey(k) {
			errs = append(errs, Invalid(p, k, msg))
		}
		for _, msg := range labels.ValidateValue(l[k]) {
			errs = append(errs, Invalid(p, l[k], msg))
		}
	}
	return errs
}

// ValidateLabelSelector checks a LabelSelector's keys, values and operators.
func ValidateLabelSelector(ls *api.LabelSelector, p Path) ErrorList {
	if ls == nil {
		return nil
	}
	errs := ValidateLabels(ls.MatchLabels, p.Child("matchLabels"))
	for i, e := range ls.MatchExpressions {
		ep := p.Child("matchExpressions").Index(i)
		for _, msg := range labels.ValidateKey(e.Key) {
			errs = append(errs, Invalid(ep.Child("key"), e.Key, msg))
		}
		switch e.Operator {
		case "In", "NotIn":
			if len(e.Values) == 0 {
				errs = append(errs, Required(ep.Child("values"), "must be specified when `operator` is 'In' or 'NotIn'"))
			}
		case "Exists", "DoesNotExist":
			if len(e.Values) > 0 {
				errs = append(errs, Forbidden(ep.Child("values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
			}
		default:
			errs = append(errs, NotSupported(ep.Child("operator"), e.Operator, []string{"In", "NotIn", "Exists", "DoesNotExist"}))
		}
		for j, v := range e.Values {
			for _, msg := range labels.ValidateValue(v) {
				errs = append(errs, Invalid(ep.Child("values").Index(j), v, msg))
			}
		}
	}
	return errs
}

func validateNode(n *api.Node) ErrorList {
	var errs ErrorList
	sp := Path("spec")
	for i, c := range n.Spec.PodCIDRs {
		if _, _, err := parseCIDR(c); err != nil {
			errs = append(errs, Invalid(sp.Child("podCIDRs").Index(i), c, "must be a valid CIDR"))
		}
	}
	if c := n.Spec.PodCIDR; c != "" {
		if _, _, err := parseCIDR(c); err != nil {
			errs = append(errs, Invalid(sp.Child("podCIDR"), c, "must be a valid CIDR"))
		}
	}
	for i, t := range n.Spec.Taints {
		tp := sp.Child("taints").Index(i)
		if t.Key == "" {
			errs = append(errs, Required(tp.Child("key"), ""))
		} else {
			for _, msg := range labels.ValidateKey(t.Key) {
				errs = append(errs, Invalid(tp.Child("key"), t.Key, msg))
			}
		}
		errs = append(errs, oneOf(tp.Child("effect"), t.Effect, "NoSchedule", "PreferNoSchedule", "NoExecute")...)
	}
	for k, q := range n.Status.Capacity {
		if q.Sign() < 0 {
			errs = append(errs, Invalid(Path("status.capacity").Key(k), q.String(), "must be greater than or equal to 0"))
		}
	}
	return errs
}

func validateEndpoints(e *api.Endpoints) ErrorList {
	var errs ErrorList
	for i, s := range e.Subsets {
		sp := Path("subsets").Index(i)
		for j, a := range s.Addresses {
			errs = append(errs, checkName(sp.Child("addresses").Index(j).Child("ip"), a.IP, IsValidIP)...)
		}
		for j, a := range s.NotReadyAddresses {
			errs = append(errs, checkName(sp.Child("notReadyAddresses").Index(j).Child("ip"), a.IP, IsValidIP)...)
		}
		for j, port := range s.Ports {
			pp := sp.Child("ports").Index(j)
			errs = append(errs, inRange(pp.Child("port"), int64(port.Port), 1, 65535)...)
			if port.Protocol != "" {
				errs = append(errs, oneOf(pp.Child("protocol"), port.Protocol, protocols...)...)
			}
		}
	}
	return errs
}
