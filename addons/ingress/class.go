package ingress

import "minik8s/pkg/api"

// ClassConfig says which Ingresses this controller serves.
type ClassConfig struct {
	ClassName  string // the IngressClass it serves (--ingress-class)
	Controller string // spec.controller of its classes ("minik8s.io/ingress")
}

// Ours reports whether the controller serves ing, as ingress-nginx decides:
// spec.ingressClassName naming an IngressClass whose controller is ours;
// else the legacy kubernetes.io/ingress.class annotation equal to our class
// name; else (no class at all) when our class is the default one.
// classes looks an IngressClass up by name.
func (c ClassConfig) Ours(ing *api.Ingress, classes func(name string) (*api.IngressClass, bool)) bool {
	if n := ing.Spec.IngressClassName; n != nil {
		cl, ok := classes(*n)
		return ok && cl.Spec.Controller == c.Controller
	}
	if v, ok := ing.Annotations[api.AnnotationIngressClass]; ok {
		return v == c.ClassName
	}
	cl, ok := classes(c.ClassName)
	return ok && cl.Spec.Controller == c.Controller && cl.Annotations[api.AnnotationIsDefaultIngressClass] == "true"
}
