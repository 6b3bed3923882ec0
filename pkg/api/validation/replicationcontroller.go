package validation

import (
	"minik8s/pkg/api"
	"minik8s/pkg/labels"
)

// defaultReplicationController fills in core/v1's defaults: the selector
// and the controller's labels from the template's labels when unset, and
// one replica.
func defaultReplicationController(rc *api.ReplicationController) {
	if t := rc.Spec.Template; t != nil && len(t.Labels) > 0 {
		if len(rc.Spec.Selector) == 0 {
			rc.Spec.Selector = copyLabels(t.Labels)
		}
		if len(rc.Labels) == 0 {
			rc.Labels = copyLabels(t.Labels)
		}
	}
	if rc.Spec.Replicas == nil {
		rc.Spec.Replicas = ptr(int32(1))
	}
	if rc.Spec.Template != nil {
		DefaultPodSpec(&rc.Spec.Template.Spec)
	}
}

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// validateReplicationControllerSpec is Kubernetes'
// ValidateReplicationControllerSpec: a required non-empty selector, a
// required template whose labels it matches, and the apps rules of a
// template (restartPolicy Always, no activeDeadlineSeconds).
func validateReplicationControllerSpec(s *api.ReplicationControllerSpec, p Path) ErrorList {
	errs := validateReplicas(s.Replicas, p.Child("replicas"))
	errs = append(errs, nonNegative(p.Child("minReadySeconds"), int64(s.MinReadySeconds))...)
	sp := p.Child("selector")
	if len(s.Selector) == 0 {
		errs = append(errs, Required(sp, ""))
	} else {
		errs = append(errs, ValidateLabels(s.Selector, sp)...)
	}
	tp := p.Child("template")
	if s.Template == nil {
		return append(errs, Required(tp, ""))
	}
	if len(s.Selector) > 0 && !labels.SelectorFromSet(s.Selector).Matches(s.Template.Labels) {
		errs = append(errs, Invalid(tp.Child("metadata").Child("labels"), s.Template.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, ValidateLabels(s.Template.Labels, tp.Child("metadata").Child("labels"))...)
	errs = append(errs, validatePodSpec(&s.Template.Spec, tp.Child("spec"))...)
	if rp := s.Template.Spec.RestartPolicy; rp != "" && rp != api.RestartAlways {
		errs = append(errs, NotSupported(tp.Child("spec").Child("restartPolicy"), rp, []string{api.RestartAlways}))
	}
	if s.Template.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, Forbidden(tp.Child("spec").Child("activeDeadlineSeconds"), "activeDeadlineSeconds in ReplicationController is not Supported"))
	}
	return errs
}
