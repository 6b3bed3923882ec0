package validation

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func ingressForTest(mutate func(*api.Ingress)) *api.Ingress {
	prefix := api.PathTypePrefix
	ing := &api.Ingress{
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: api.IngressSpec{
			DefaultBackend: &api.IngressBackend{Service: &api.IngressServiceBackend{Name: "default-backend", Port: api.ServiceBackendPort{Number: 80}}},
			Rules: []api.IngressRule{{
				Host: "foo.bar.com",
				IngressRuleValue: api.IngressRuleValue{HTTP: &api.HTTPIngressRuleValue{Paths: []api.HTTPIngressPath{{
					Path: "/foo", PathType: &prefix,
					Backend: api.IngressBackend{Service: &api.IngressServiceBackend{Name: "foo", Port: api.ServiceBackendPort{Name: "http"}}},
				}}}},
			}},
		},
	}
	if mutate != nil {
		mutate(ing)
	}
	return ing
}

func strPtr(s string) *string { return &s }

// TestValidateIngress follows Kubernetes' TestValidateIngress and
// TestValidateIngressCreate cases: the message of each bad field.
func TestValidateIngress(t *testing.T) {
	path0 := func(i *api.Ingress) *api.HTTPIngressPath { return &i.Spec.Rules[0].HTTP.Paths[0] }
	cases := []struct {
		name   string
		mutate func(*api.Ingress)
		want   []string // substrings of the errors, in order; none = valid
	}{
		{"valid", nil, nil},
		{"only a default backend", func(i *api.Ingress) { i.Spec.Rules = nil }, nil},
		{"wildcard host", func(i *api.Ingress) { i.Spec.Rules[0].Host = "*.bar.com" }, nil},
		{"ImplementationSpecific without a path", func(i *api.Ingress) {
			path0(i).PathType, path0(i).Path = strPtr(api.PathTypeImplementationSpecific), ""
		}, nil},
		{"resource backend", func(i *api.Ingress) {
			path0(i).Backend = api.IngressBackend{Resource: &api.TypedLocalObjectReference{APIGroup: strPtr("example.com"), Kind: "foo", Name: "bar"}}
		}, nil},
		{"neither rules nor default backend", func(i *api.Ingress) { i.Spec.Rules, i.Spec.DefaultBackend = nil, nil },
			[]string{"spec: Invalid value: null: either `defaultBackend` or `rules` must be specified"}},
		{"missing pathType", func(i *api.Ingress) { path0(i).PathType = nil },
			[]string{"spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"}},
		{"unknown pathType", func(i *api.Ingress) { path0(i).PathType = strPtr("Regex") },
			[]string{`spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"`}},
		{"relative Prefix path", func(i *api.Ingress) { path0(i).Path = "foo" },
			[]string{`spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path`}},
		{"empty Exact path", func(i *api.Ingress) { path0(i).PathType, path0(i).Path = strPtr(api.PathTypeExact), "" },
			[]string{`spec.rules[0].http.paths[0].path: Invalid value: "": must be an absolute path`}},
		{"relative ImplementationSpecific path", func(i *api.Ingress) {
			path0(i).PathType, path0(i).Path = strPtr(api.PathTypeImplementationSpecific), "foo"
		},
			[]string{`spec.rules[0].http.paths[0].path: Invalid value: "foo": must be an absolute path`}},
		{"double slash", func(i *api.Ingress) { path0(i).Path = "/foo//bar" },
			[]string{`spec.rules[0].http.paths[0].path: Invalid value: "/foo//bar": must not contain '//'`}},
		{"dot segment", func(i *api.Ingress) { path0(i).Path = "/foo/../bar" },
			[]string{`must not contain '/../'`}},
		{"encoded slash", func(i *api.Ingress) { path0(i).Path = "/foo%2Fbar" },
			[]string{`must not contain '%2F'`}},
		{"ends with /..", func(i *api.Ingress) { path0(i).Path = "/foo/.." },
			[]string{`spec.rules[0].http.paths[0].path: Invalid value: "/foo/..": cannot end with '/..'`}},
		{"ends with /.", func(i *api.Ingress) { path0(i).Path = "/foo/." },
			[]string{`cannot end with '/.'`}},
		{"IP host", func(i *api.Ingress) { i.Spec.Rules[0].Host = "127.0.0.1" },
			[]string{`spec.rules[0].host: Invalid value: "127.0.0.1": must be a DNS name, not an IP address`}},
		{"wildcard not leading", func(i *api.Ingress) { i.Spec.Rules[0].Host = "foo.*.bar.com" },
			[]string{`spec.rules[0].host: Invalid value: "foo.*.bar.com": a wildcard DNS-1123 subdomain must start with '*.'`}},
		{"bare wildcard", func(i *api.Ingress) { i.Spec.Rules[0].Host = "*" },
			[]string{`spec.rules[0].host: Invalid value: "*": a wildcard DNS-1123 subdomain`}},
		{"upper-case host", func(i *api.Ingress) { i.Spec.Rules[0].Host = "Foo.com" },
			[]string{`spec.rules[0].host: Invalid value: "Foo.com": a lowercase RFC 1123 subdomain`}},
		{"host with a port", func(i *api.Ingress) { i.Spec.Rules[0].Host = "foo.com:80" },
			[]string{`spec.rules[0].host: Invalid value: "foo.com:80"`}},
		{"http without paths", func(i *api.Ingress) { i.Spec.Rules[0].HTTP.Paths = nil },
			[]string{"spec.rules[0].http.paths: Required value"}},
		{"both backends", func(i *api.Ingress) {
			path0(i).Backend.Resource = &api.TypedLocalObjectReference{Kind: "foo", Name: "bar"}
		}, []string{`spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both resource and service backends`}},
		{"no backend", func(i *api.Ingress) { path0(i).Backend = api.IngressBackend{} },
			[]string{`spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required`}},
		{"port name and number", func(i *api.Ingress) { path0(i).Backend.Service.Port.Number = 80 },
			[]string{`spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number`}},
		{"no port", func(i *api.Ingress) { path0(i).Backend.Service.Port = api.ServiceBackendPort{} },
			[]string{"spec.rules[0].http.paths[0].backend: Required value: port name or number is required"}},
		{"port out of range", func(i *api.Ingress) { i.Spec.DefaultBackend.Service.Port.Number = 70000 },
			[]string{"spec.defaultBackend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive"}},
		{"bad port name", func(i *api.Ingress) { path0(i).Backend.Service.Port.Name = "Http_1" },
			[]string{`spec.rules[0].http.paths[0].backend.service.port.name: Invalid value: "Http_1": must contain only alpha-numeric characters`}},
		{"no service name", func(i *api.Ingress) { path0(i).Backend.Service.Name = "" },
			[]string{"spec.rules[0].http.paths[0].backend.service.name: Required value"}},
		{"service name not a DNS-1035 label", func(i *api.Ingress) { path0(i).Backend.Service.Name = "1foo" },
			[]string{`spec.rules[0].http.paths[0].backend.service.name: Invalid value: "1foo": a DNS-1035 label`}},
		{"resource backend without kind", func(i *api.Ingress) {
			path0(i).Backend = api.IngressBackend{Resource: &api.TypedLocalObjectReference{Name: "bar"}}
		}, []string{"spec.rules[0].http.paths[0].backend.resource.kind: Required value"}},
		{"bad class name", func(i *api.Ingress) { i.Spec.IngressClassName = strPtr("Bad_Class") },
			[]string{`spec.ingressClassName: Invalid value: "Bad_Class"`}},
		{"class annotation disagrees", func(i *api.Ingress) {
			i.Spec.IngressClassName = strPtr("a")
			i.Annotations = map[string]string{api.AnnotationIngressClass: "b"}
		}, []string{`annotations.kubernetes.io/ingress.class: Invalid value: "b": must match ` + "`ingressClassName`" + ` when both are specified`}},
		{"bad TLS host", func(i *api.Ingress) { i.Spec.TLS = []api.IngressTLS{{Hosts: []string{"foo.*.com"}}} },
			[]string{`spec.tls[0].hosts[0]: Invalid value: "foo.*.com"`}},
		{"status IP", func(i *api.Ingress) {
			i.Status.LoadBalancer.Ingress = []api.IngressLoadBalancerIngress{{IP: "not-an-ip"}, {Hostname: "10.0.0.1"}}
		}, []string{`status.loadBalancer.ingress[0].ip: Invalid value: "not-an-ip"`, `status.loadBalancer.ingress[1].hostname: Invalid value: "10.0.0.1": must be a DNS name, not an IP address`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ing := ingressForTest(c.mutate)
			errs := append(Validate(ing), ValidateIngressCreate(ing)...)
			if len(errs) != len(c.want) {
				t.Fatalf("errors %v, want %d matching %q", errs, len(c.want), c.want)
			}
			for i, e := range errs {
				if !strings.Contains(e.Error(), c.want[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, e.Error(), c.want[i])
				}
			}
		})
	}
}

// TestValidateIngressUpdate: the class annotation is checked on create
// only, as in Kubernetes.
func TestValidateIngressUpdate(t *testing.T) {
	old := ingressForTest(nil)
	upd := ingressForTest(func(i *api.Ingress) {
		i.Spec.IngressClassName = strPtr("a")
		i.Annotations = map[string]string{api.AnnotationIngressClass: "b"}
	})
	if errs := append(Validate(upd), ValidateUpdate(upd, old)...); len(errs) != 0 {
		t.Errorf("update: %v", errs)
	}
}

func TestValidateIngressClass(t *testing.T) {
	class := func(mutate func(*api.IngressClass)) *api.IngressClass {
		c := &api.IngressClass{ObjectMeta: api.ObjectMeta{Name: "minik8s"}, Spec: api.IngressClassSpec{Controller: "minik8s.io/ingress"}}
		if mutate != nil {
			mutate(c)
		}
		return c
	}
	cases := []struct {
		name   string
		mutate func(*api.IngressClass)
		want   []string
	}{
		{"valid", nil, nil},
		{"namespaced parameters", func(c *api.IngressClass) {
			c.Spec.Parameters = &api.IngressClassParametersReference{Kind: "ConfigMap", Name: "p", Scope: strPtr("Namespace"), Namespace: strPtr("kube-system")}
		}, nil},
		{"no controller", func(c *api.IngressClass) { c.Spec.Controller = "" }, []string{"spec.controller: Required value"}},
		{"controller without a domain", func(c *api.IngressClass) { c.Spec.Controller = "ingress" },
			[]string{`spec.controller: Invalid value: "ingress": must be a domain-prefixed path (such as "acme.io/foo")`}},
		{"controller too long", func(c *api.IngressClass) { c.Spec.Controller = "a.io/" + strings.Repeat("x", 250) },
			[]string{"spec.controller: Too long: may not be more than 250 bytes"}},
		{"parameters without scope", func(c *api.IngressClass) {
			c.Spec.Parameters = &api.IngressClassParametersReference{Kind: "ConfigMap", Name: "p"}
		}, []string{"spec.parameters.scope: Required value"}},
		{"Namespace scope without namespace", func(c *api.IngressClass) {
			c.Spec.Parameters = &api.IngressClassParametersReference{Kind: "ConfigMap", Name: "p", Scope: strPtr("Namespace")}
		}, []string{"spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'"}},
		{"Cluster scope with namespace", func(c *api.IngressClass) {
			c.Spec.Parameters = &api.IngressClassParametersReference{Kind: "ConfigMap", Name: "p", Scope: strPtr("Cluster"), Namespace: strPtr("x")}
		}, []string{"spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'"}},
		{"namespace in metadata", func(c *api.IngressClass) { c.Namespace = "default" },
			[]string{"metadata.namespace: Forbidden"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := Validate(class(c.mutate))
			if len(errs) != len(c.want) {
				t.Fatalf("errors %v, want %d matching %q", errs, len(c.want), c.want)
			}
			for i, e := range errs {
				if !strings.Contains(e.Error(), c.want[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, e.Error(), c.want[i])
				}
			}
		})
	}
	old, upd := class(nil), class(func(c *api.IngressClass) { c.Spec.Controller = "other.io/x" })
	errs := ValidateUpdate(upd, old)
	if len(errs) != 1 || errs[0].Error() != `spec.controller: Invalid value: "other.io/x": field is immutable` {
		t.Errorf("controller change: %v", errs)
	}
}
