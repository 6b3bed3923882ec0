package validation

import "minik8s/pkg/api"

// ValidatePodBinding checks a pods/binding request. Kubernetes'
// ValidatePodBinding checks the target's kind (Node or empty) and that it
// has a name; minik8s also checks what the binding writes into the pod —
// the node name as a pod's spec.nodeName is checked (a DNS subdomain) and
// the annotations as any object's — so a binding cannot store a pod that
// every later update of it would fail validation on.
func ValidatePodBinding(b *api.Binding) ErrorList {
	var errs ErrorList
	if k := b.Target.Kind; k != "" && k != "Node" {
		errs = append(errs, NotSupported("target.kind", k, []string{"Node", "<empty>"}))
	}
	if b.Target.Name == "" {
		errs = append(errs, Required("target.name", ""))
	} else {
		errs = append(errs, checkName("target.name", b.Target.Name, IsDNS1123Subdomain)...)
	}
	return append(errs, ValidateAnnotations(b.Annotations, Path("metadata").Child("annotations"))...)
}
