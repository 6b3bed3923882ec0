package ingress

import (
	"testing"

	"minik8s/pkg/api"
)

func TestClassSelection(t *testing.T) {
	cfg := ClassConfig{ClassName: "minik8s", Controller: "minik8s.io/ingress"}
	class := func(name, controller string, isDefault bool) *api.IngressClass {
		c := &api.IngressClass{ObjectMeta: api.ObjectMeta{Name: name}, Spec: api.IngressClassSpec{Controller: controller}}
		if isDefault {
			c.Annotations = map[string]string{api.AnnotationIsDefaultIngressClass: "true"}
		}
		return c
	}
	ing := func(className *string, annotation string) *api.Ingress {
		i := &api.Ingress{ObjectMeta: api.ObjectMeta{Name: "i", Namespace: "default"}}
		i.Spec.IngressClassName = className
		if annotation != "" {
			i.Annotations = map[string]string{api.AnnotationIngressClass: annotation}
		}
		return i
	}
	name := func(s string) *string { return &s }
	ours, nginx := class("minik8s", "minik8s.io/ingress", false), class("nginx", "k8s.io/ingress-nginx", false)
	oursDefault := class("minik8s", "minik8s.io/ingress", true)
	second := class("minik8s-internal", "minik8s.io/ingress", false)
	cases := []struct {
		name    string
		classes []*api.IngressClass
		ing     *api.Ingress
		want    bool
	}{
		{"our class by name", []*api.IngressClass{ours, nginx}, ing(name("minik8s"), ""), true},
		{"another class of our controller", []*api.IngressClass{ours, second}, ing(name("minik8s-internal"), ""), true},
		{"another controller's class", []*api.IngressClass{ours, nginx}, ing(name("nginx"), ""), false},
		{"class that does not exist", []*api.IngressClass{ours}, ing(name("gone"), ""), false},
		{"our class named but not created", nil, ing(name("minik8s"), ""), false},
		{"legacy annotation ours", []*api.IngressClass{ours}, ing(nil, "minik8s"), true},
		{"legacy annotation other", []*api.IngressClass{oursDefault}, ing(nil, "nginx"), false},
		{"no class, ours default", []*api.IngressClass{oursDefault, nginx}, ing(nil, ""), true},
		{"no class, ours not default", []*api.IngressClass{ours, nginx}, ing(nil, ""), false},
		{"no class, no classes", nil, ing(nil, ""), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lookup := func(n string) (*api.IngressClass, bool) {
				for _, cl := range c.classes {
					if cl.Name == n {
						return cl, true
					}
				}
				return nil, false
			}
			if got := cfg.Ours(c.ing, lookup); got != c.want {
				t.Errorf("Ours = %v, want %v", got, c.want)
			}
		})
	}
}
