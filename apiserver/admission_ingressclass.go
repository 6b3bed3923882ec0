package apiserver

import (
	"context"
	"fmt"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// ingressStrategy validates a new Ingress as Kubernetes'
// ValidateIngressCreate and admits it as its DefaultIngressClass admission
// plugin does.
type ingressStrategy struct{ defaultStrategy }

// Validate adds the checks Kubernetes makes on create only.
func (ingressStrategy) Validate(obj api.Object) validation.ErrorList {
	return append(validation.Validate(obj), validation.ValidateIngressCreate(obj.(*api.Ingress))...)
}

// BeginCreate sets spec.ingressClassName of an Ingress that names no class
// (neither the field nor the legacy kubernetes.io/ingress.class
// annotation) to the IngressClass annotated
// ingressclass.kubernetes.io/is-default-class=true; more than one such
// class forbids the create, as in Kubernetes.
func (ingressStrategy) BeginCreate(ctx context.Context, s *Server, obj api.Object) (finishFunc, error) {
	ing := obj.(*api.Ingress)
	if ing.Spec.IngressClassName != nil {
		return nil, nil
	}
	if _, ok := ing.Annotations[api.AnnotationIngressClass]; ok {
		return nil, nil
	}
	info, _ := api.ForResource("networking.k8s.io", "v1", "ingressclasses")
	classes, err := listStored[*api.IngressClass](ctx, s.store, info, "")
	if err != nil {
		return nil, fmt.Errorf("listing ingress classes: %w", err)
	}
	name, err := defaultIngressClass(classes)
	if err != nil {
		ingInfo, _ := api.ForResource("networking.k8s.io", "v1", "ingresses")
		return nil, errForbidden(ingInfo, ing.Name, "Internal error occurred: "+err.Error())
	}
	if name != "" {
		ing.Spec.IngressClassName = &name
	}
	return nil, nil
}

// defaultIngressClass is the name of the one class marked default, "" when
// none is, an error when several are.
func defaultIngressClass(classes []*api.IngressClass) (string, error) {
	var defaults []string
	for _, c := range classes {
		if c.Annotations[api.AnnotationIsDefaultIngressClass] == "true" {
			defaults = append(defaults, c.Name)
		}
	}
	switch len(defaults) {
	case 0:
		return "", nil
	case 1:
		return defaults[0], nil
	}
	return "", fmt.Errorf("%d default IngressClasses were found, only 1 allowed", len(defaults))
}
