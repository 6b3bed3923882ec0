package validation

import (
	"fmt"
	"net"
	"regexp"
	"strings"

	"minik8s/pkg/api"
)

// Ingress and IngressClass validation, as Kubernetes'
// pkg/apis/networking/validation: the same checks and messages.

var (
	// invalidPathSequences and invalidPathSuffixes may not appear in an
	// Exact or Prefix path.
	invalidPathSequences = []string{"//", "/./", "/../", "%2f", "%2F"}
	invalidPathSuffixes  = []string{"/..", "/."}
	supportedPathTypes   = []string{api.PathTypeExact, api.PathTypeImplementationSpecific, api.PathTypePrefix}

	wildcardDNS1123SubdomainRe = regexp.MustCompile(`^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	httpPathRe                 = regexp.MustCompile(`^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$`)
)

// IsWildcardDNS1123Subdomain returns why s is not "*." followed by a DNS-1123 subdomain.
func IsWildcardDNS1123Subdomain(s string) []string {
	var errs []string
	if len(s) > 253 {
		errs = append(errs, "must be no more than 253 characters")
	}
	if !wildcardDNS1123SubdomainRe.MatchString(s) {
		errs = append(errs, "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
	}
	return errs
}

// validateIngress checks an Ingress's spec and status.
func validateIngress(ing *api.Ingress) ErrorList {
	errs := validateIngressSpec(&ing.Spec, "spec")
	return append(errs, validateIngressStatus(&ing.Status.LoadBalancer, "status.loadBalancer")...)
}

// ValidateIngressCreate is what Kubernetes checks only on create, besides
// Validate: the legacy class annotation must agree with
// spec.ingressClassName.
func ValidateIngressCreate(ing *api.Ingress) ErrorList {
	if v, ok := ing.Annotations[api.AnnotationIngressClass]; ok && ing.Spec.IngressClassName != nil && v != *ing.Spec.IngressClassName {
		return ErrorList{Invalid(Path("annotations").Child(api.AnnotationIngressClass), v, "must match `ingressClassName` when both are specified")}
	}
	return nil
}

func validateIngressSpec(s *api.IngressSpec, p Path) ErrorList {
	var errs ErrorList
	if len(s.Rules) == 0 && s.DefaultBackend == nil {
		errs = append(errs, Invalid(p, s.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if s.DefaultBackend != nil {
		errs = append(errs, validateIngressBackend(s.DefaultBackend, p.Child("defaultBackend"))...)
	}
	for i := range s.Rules {
		errs = append(errs, validateIngressRule(&s.Rules[i], p.Child("rules").Index(i))...)
	}
	for i, tls := range s.TLS {
		tp := p.Child("tls").Index(i)
		for j, h := range tls.Hosts {
			errs = append(errs, checkName(tp.Child("hosts").Index(j), h, hostCheck(h))...)
		}
		if tls.SecretName != "" {
			errs = append(errs, checkName(tp.Child("secretName"), tls.SecretName, IsDNS1123Subdomain)...)
		}
	}
	if s.IngressClassName != nil {
		errs = append(errs, checkName(p.Child("ingressClassName"), *s.IngressClassName, IsDNS1123Subdomain)...)
	}
	return errs
}

// hostCheck is the wildcard check for hosts with a "*", the subdomain one otherwise.
func hostCheck(h string) nameFunc {
	if strings.Contains(h, "*") {
		return IsWildcardDNS1123Subdomain
	}
	return IsDNS1123Subdomain
}

func validateIngressRule(r *api.IngressRule, p Path) ErrorList {
	var errs ErrorList
	if r.Host != "" {
		if net.ParseIP(r.Host) != nil {
			errs = append(errs, Invalid(p.Child("host"), r.Host, "must be a DNS name, not an IP address"))
		}
		errs = append(errs, checkName(p.Child("host"), r.Host, hostCheck(r.Host))...)
	}
	if r.HTTP == nil {
		return errs
	}
	hp := p.Child("http").Child("paths")
	if len(r.HTTP.Paths) == 0 {
		errs = append(errs, Required(hp, ""))
	}
	for i := range r.HTTP.Paths {
		errs = append(errs, validateHTTPIngressPath(&r.HTTP.Paths[i], hp.Index(i))...)
	}
	return errs
}

func validateHTTPIngressPath(hp *api.HTTPIngressPath, p Path) ErrorList {
	if hp.PathType == nil {
		return ErrorList{Required(p.Child("pathType"), "pathType must be specified")}
	}
	var errs ErrorList
	switch *hp.PathType {
	case api.PathTypeExact, api.PathTypePrefix:
		if !strings.HasPrefix(hp.Path, "/") {
			errs = append(errs, Invalid(p.Child("path"), hp.Path, "must be an absolute path"))
		}
		for _, seq := range invalidPathSequences {
			if strings.Contains(hp.Path, seq) {
				errs = append(errs, Invalid(p.Child("path"), hp.Path, fmt.Sprintf("must not contain '%s'", seq)))
			}
		}
		for _, suf := range invalidPathSuffixes {
			if strings.HasSuffix(hp.Path, suf) {
				errs = append(errs, Invalid(p.Child("path"), hp.Path, fmt.Sprintf("cannot end with '%s'", suf)))
			}
		}
	case api.PathTypeImplementationSpecific:
		if hp.Path != "" && !strings.HasPrefix(hp.Path, "/") {
			errs = append(errs, Invalid(p.Child("path"), hp.Path, "must be an absolute path"))
		}
	default:
		errs = append(errs, NotSupported(p.Child("pathType"), *hp.PathType, supportedPathTypes))
	}
	return append(errs, validateIngressBackend(&hp.Backend, p.Child("backend"))...)
}

func validateIngressBackend(b *api.IngressBackend, p Path) ErrorList {
	switch {
	case b.Resource != nil && b.Service != nil:
		return ErrorList{Invalid(p, "", "cannot set both resource and service backends")}
	case b.Resource != nil:
		return validateTypedLocalObjectReference(b.Resource, p.Child("resource"))
	case b.Service == nil:
		return ErrorList{Invalid(p, "", "resource or service backend is required")}
	}
	var errs ErrorList
	sp := p.Child("service")
	if b.Service.Name == "" {
		errs = append(errs, Required(sp.Child("name"), ""))
	} else {
		errs = append(errs, checkName(sp.Child("name"), b.Service.Name, IsDNS1035Label)...)
	}
	port := b.Service.Port
	switch {
	case port.Name != "" && port.Number != 0:
		errs = append(errs, Invalid(p, "", "cannot set both port name & port number"))
	case port.Name != "":
		errs = append(errs, checkName(sp.Child("port").Child("name"), port.Name, IsValidPortName)...)
	case port.Number != 0:
		errs = append(errs, inRange(sp.Child("port").Child("number"), int64(port.Number), 1, 65535)...)
	default:
		errs = append(errs, Required(p, "port name or number is required"))
	}
	return errs
}

func validateTypedLocalObjectReference(r *api.TypedLocalObjectReference, p Path) ErrorList {
	var errs ErrorList
	if r.APIGroup != nil {
		errs = append(errs, checkName(p.Child("apiGroup"), *r.APIGroup, IsDNS1123Subdomain)...)
	}
	errs = append(errs, requiredPathSegment(p.Child("kind"), r.Kind)...)
	return append(errs, requiredPathSegment(p.Child("name"), r.Name)...)
}

func requiredPathSegment(p Path, v string) ErrorList {
	if v == "" {
		return ErrorList{Required(p, "")}
	}
	return checkName(p, v, IsValidPathSegmentName)
}

func validateIngressStatus(s *api.IngressLoadBalancerStatus, p Path) ErrorList {
	var errs ErrorList
	for i, in := range s.Ingress {
		ip := p.Child("ingress").Index(i)
		if in.IP != "" {
			errs = append(errs, checkName(ip.Child("ip"), in.IP, IsValidIP)...)
		}
		if in.Hostname != "" {
			errs = append(errs, checkName(ip.Child("hostname"), in.Hostname, IsDNS1123Subdomain)...)
			if net.ParseIP(in.Hostname) != nil {
				errs = append(errs, Invalid(ip.Child("hostname"), in.Hostname, "must be a DNS name, not an IP address"))
			}
		}
	}
	return errs
}

// maxLenIngressClassController is the longest spec.controller Kubernetes accepts.
const maxLenIngressClassController = 250

func validateIngressClassSpec(s *api.IngressClassSpec, p Path) ErrorList {
	var errs ErrorList
	cp := p.Child("controller")
	switch {
	case s.Controller == "":
		errs = append(errs, Required(cp, ""))
	case len(s.Controller) > maxLenIngressClassController:
		errs = append(errs, TooLong(cp, maxLenIngressClassController))
	default:
		errs = append(errs, isDomainPrefixedPath(cp, s.Controller)...)
	}
	if r := s.Parameters; r != nil {
		pp := p.Child("parameters")
		if r.APIGroup != nil {
			errs = append(errs, checkName(pp.Child("apiGroup"), *r.APIGroup, IsDNS1123Subdomain)...)
		}
		errs = append(errs, requiredPathSegment(pp.Child("kind"), r.Kind)...)
		errs = append(errs, requiredPathSegment(pp.Child("name"), r.Name)...)
		switch {
		case r.Scope == nil:
			errs = append(errs, Required(pp.Child("scope"), ""))
		case *r.Scope == api.IngressClassParametersReferenceScopeNamespace:
			if r.Namespace == nil {
				errs = append(errs, Required(pp.Child("namespace"), "`parameters.scope` is set to 'Namespace'"))
			} else {
				errs = append(errs, checkName(pp.Child("namespace"), *r.Namespace, IsDNS1123Label)...)
			}
		case *r.Scope == api.IngressClassParametersReferenceScopeCluster:
			if r.Namespace != nil {
				errs = append(errs, Forbidden(pp.Child("namespace"), "`parameters.scope` is set to 'Cluster'"))
			}
		default:
			errs = append(errs, NotSupported(pp.Child("scope"), *r.Scope, []string{api.IngressClassParametersReferenceScopeCluster, api.IngressClassParametersReferenceScopeNamespace}))
		}
	}
	return errs
}

// isDomainPrefixedPath checks "acme.io/foo": a DNS subdomain, a slash and an HTTP path.
func isDomainPrefixedPath(p Path, v string) ErrorList {
	domain, path, ok := strings.Cut(v, "/")
	if !ok || path == "" {
		return ErrorList{Invalid(p, v, "must be a domain-prefixed path (such as \"acme.io/foo\")")}
	}
	errs := checkName(p, domain, IsDNS1123Subdomain)
	if !httpPathRe.MatchString(path) {
		errs = append(errs, Invalid(p, path, "Invalid path"))
	}
	return errs
}
