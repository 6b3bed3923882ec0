package validation

import (
	"encoding/json"
	"reflect"

	"minik8s/pkg/api"
)

// podUpdatableFields is Kubernetes' message for a forbidden pod spec change.
const podUpdatableFields = "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"

// ValidateUpdate checks what may not change between old and new: name,
// namespace, uid, deletionTimestamp and deletionGracePeriodSeconds
// (ValidateObjectMetaUpdate); the selector of a ReplicaSet or Deployment; a pod's
// spec except container images, activeDeadlineSeconds and added
// tolerations; a service's allocated clusterIP (validateClusterIPsUpdate). The caller validates newObj
// itself with Validate. An empty new uid or clusterIP is not a change (the
// apiserver carries the stored one over).
func ValidateUpdate(newObj, oldObj api.Object) ErrorList {
	var errs ErrorList
	nm, om := newObj.GetObjectMeta(), oldObj.GetObjectMeta()
	mp := Path("metadata")
	if nm.Name != om.Name {
		errs = append(errs, Invalid(mp.Child("name"), nm.Name, "field is immutable"))
	}
	if nm.Namespace != om.Namespace {
		errs = append(errs, Invalid(mp.Child("namespace"), nm.Namespace, "field is immutable"))
	}
	if nm.UID != "" && nm.UID != om.UID {
		errs = append(errs, Invalid(mp.Child("uid"), nm.UID, "field is immutable"))
	}
	if !timesEqual(nm.DeletionTimestamp, om.DeletionTimestamp) {
		errs = append(errs, Invalid(mp.Child("deletionTimestamp"), nm.DeletionTimestamp, "field is immutable"))
	}
	if !int64sEqual(nm.DeletionGracePeriodSeconds, om.DeletionGracePeriodSeconds) {
		errs = append(errs, Invalid(mp.Child("deletionGracePeriodSeconds"), nm.DeletionGracePeriodSeconds, "field is immutable"))
	}
	switch n := newObj.(type) {
	case *api.Pod:
		if o, ok := oldObj.(*api.Pod); ok {
			errs = append(errs, validatePodSpecUpdate(&n.Spec, &o.Spec)...)
		}
	case *api.ReplicaSet:
		if o, ok := oldObj.(*api.ReplicaSet); ok && !selectorsEqual(n.Spec.Selector, o.Spec.Selector) {
			errs = append(errs, Invalid("spec.selector", n.Spec.Selector, "field is immutable"))
		}
	case *api.Deployment:
		if o, ok := oldObj.(*api.Deployment); ok && !selectorsEqual(n.Spec.Selector, o.Spec.Selector) {
			errs = append(errs, Invalid("spec.selector", n.Spec.Selector, "field is immutable"))
		}
	case *api.DaemonSet:
		if o, ok := oldObj.(*api.DaemonSet); ok && !selectorsEqual(n.Spec.Selector, o.Spec.Selector) {
			errs = append(errs, Invalid("spec.selector", n.Spec.Selector, "field is immutable"))
		}
	case *api.Job:
		if o, ok := oldObj.(*api.Job); ok {
			errs = append(errs, validateJobUpdate(&n.Spec, &o.Spec)...)
		}
	case *api.ControllerRevision:
		if o, ok := oldObj.(*api.ControllerRevision); ok && !jsonEqual(n.Data, o.Data) {
			errs = append(errs, Invalid("data", string(n.Data), "field is immutable"))
		}
	case *api.Service:
		if o, ok := oldObj.(*api.Service); ok {
			errs = append(errs, validateClusterIPsUpdate(&n.Spec, &o.Spec)...)
		}
	case *api.ConfigMap:
		errs = append(errs, validateConfigMapUpdate(n, oldObj.(*api.ConfigMap))...)
	case *api.Secret:
		errs = append(errs, validateSecretUpdate(n, oldObj.(*api.Secret))...)
	case *api.IngressClass:
		if o, ok := oldObj.(*api.IngressClass); ok && n.Spec.Controller != o.Spec.Controller {
			errs = append(errs, Invalid("spec.controller", n.Spec.Controller, "field is immutable"))
		}
	}
	return errs
}

// validatePodSpecUpdate allows only the changes Kubernetes allows.
func validatePodSpecUpdate(n, o *api.PodSpec) ErrorList {
	var errs ErrorList
	if o.ActiveDeadlineSeconds != nil {
		switch {
		case n.ActiveDeadlineSeconds == nil:
			errs = append(errs, Invalid("spec.activeDeadlineSeconds", nil, "must not update from a positive integer to nil value"))
		case *n.ActiveDeadlineSeconds > *o.ActiveDeadlineSeconds:
			errs = append(errs, Invalid("spec.activeDeadlineSeconds", *n.ActiveDeadlineSeconds, "must be less than or equal to previous value"))
		}
	}
	// Copy the mutable fields of new onto a copy of old; anything else that
	// differs is a forbidden change.
	mutated := *o
	mutated.Containers = copyImages(o.Containers, n.Containers)
	mutated.InitContainers = copyImages(o.InitContainers, n.InitContainers)
	mutated.ActiveDeadlineSeconds = n.ActiveDeadlineSeconds
	if len(n.Tolerations) >= len(o.Tolerations) && reflect.DeepEqual(n.Tolerations[:len(o.Tolerations)], nilIfEmpty(o.Tolerations)) {
		mutated.Tolerations = n.Tolerations
	}
	if !specEqual(&mutated, n) {
		errs = append(errs, Forbidden("spec", podUpdatableFields))
	}
	return errs
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func copyImages(old, new []api.Container) []api.Container {
	if len(old) != len(new) {
		return old
	}
	out := make([]api.Container, len(old))
	copy(out, old)
	for i := range out {
		out[i].Image = new[i].Image
	}
	return out
}

// specEqual compares pod specs, treating nil and empty slices and maps alike.
func specEqual(a, b *api.PodSpec) bool {
	return reflect.DeepEqual(normalize(a), normalize(b))
}

func normalize(s *api.PodSpec) any {
	var m any
	b, _ := json.Marshal(s)
	_ = json.Unmarshal(b, &m)
	return m
}

func selectorsEqual(a, b *api.LabelSelector) bool {
	empty := func(s *api.LabelSelector) bool {
		return s == nil || (len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0)
	}
	if empty(a) || empty(b) {
		return empty(a) && empty(b)
	}
	var ea, eb any
	ba, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	_ = json.Unmarshal(ba, &ea)
	_ = json.Unmarshal(bb, &eb)
	return reflect.DeepEqual(ea, eb)
}

// timesEqual compares optional times to the second, as they are stored.
func timesEqual(a, b *api.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Unix() == b.Unix()
}

func int64sEqual(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
