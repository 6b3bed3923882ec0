package validation

import (
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
	"minik8s/pkg/labels"
)

// validateSelectorAndTemplate checks the apps/v1 rules shared by ReplicaSet
// and Deployment: a required, non-empty, valid selector that matches the
// template's labels, and a template whose pods restart Always.
func validateSelectorAndTemplate(sel *api.LabelSelector, tmpl *api.PodTemplateSpec, kind string, p Path) ErrorList {
	var errs ErrorList
	sp := p.Child("selector")
	switch {
	case sel == nil:
		errs = append(errs, Required(sp, ""))
	case len(sel.MatchLabels) == 0 && len(sel.MatchExpressions) == 0:
		errs = append(errs, Invalid(sp, sel, "empty selector is invalid for "+kind))
	default:
		selErrs := ValidateLabelSelector(sel, sp)
		errs = append(errs, selErrs...)
		if len(selErrs) == 0 {
			if s, err := labels.FromLabelSelector(sel); err != nil {
				errs = append(errs, Invalid(sp, sel, err.Error()))
			} else if !s.Matches(tmpl.Labels) {
				errs = append(errs, Invalid(p.Child("template").Child("metadata").Child("labels"), tmpl.Labels, "`selector` does not match template `labels`"))
			}
		}
	}
	tp := p.Child("template")
	errs = append(errs, ValidateLabels(tmpl.Labels, tp.Child("metadata").Child("labels"))...)
	errs = append(errs, validatePodSpec(&tmpl.Spec, tp.Child("spec"))...)
	if rp := tmpl.Spec.RestartPolicy; rp != "" && rp != api.RestartAlways {
		errs = append(errs, NotSupported(tp.Child("spec").Child("restartPolicy"), rp, []string{api.RestartAlways}))
	}
	if tmpl.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, Forbidden(tp.Child("spec").Child("activeDeadlineSeconds"), "activeDeadlineSeconds in "+kind+" is not Supported"))
	}
	return errs
}

func validateReplicas(r *int32, p Path) ErrorList {
	if r == nil {
		return nil
	}
	return nonNegative(p, int64(*r))
}

func validateReplicaSetSpec(s *api.ReplicaSetSpec, p Path) ErrorList {
	errs := validateReplicas(s.Replicas, p.Child("replicas"))
	errs = append(errs, nonNegative(p.Child("minReadySeconds"), int64(s.MinReadySeconds))...)
	return append(errs, validateSelectorAndTemplate(s.Selector, &s.Template, "replicaset", p)...)
}

func validateDeploymentSpec(s *api.DeploymentSpec, p Path) ErrorList {
	errs := validateReplicas(s.Replicas, p.Child("replicas"))
	errs = append(errs, validateSelectorAndTemplate(s.Selector, &s.Template, "deployment", p)...)
	errs = append(errs, nonNegative(p.Child("minReadySeconds"), int64(s.MinReadySeconds))...)
	if s.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(p.Child("revisionHistoryLimit"), int64(*s.RevisionHistoryLimit))...)
	}
	if s.ProgressDeadlineSeconds != nil {
		pd := p.Child("progressDeadlineSeconds")
		errs = append(errs, nonNegative(pd, int64(*s.ProgressDeadlineSeconds))...)
		if *s.ProgressDeadlineSeconds <= s.MinReadySeconds {
			errs = append(errs, Invalid(pd, *s.ProgressDeadlineSeconds, "must be greater than minReadySeconds"))
		}
	}
	return append(errs, validateStrategy(&s.Strategy, p.Child("strategy"))...)
}

func validateStrategy(st *api.DeploymentStrategy, p Path) ErrorList {
	var errs ErrorList
	switch st.Type {
	case "", api.RollingUpdateDeploymentStrategyType:
	case api.RecreateDeploymentStrategyType:
		if st.RollingUpdate != nil {
			errs = append(errs, Forbidden(p.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"))
		}
		return errs
	default:
		return ErrorList{NotSupported(p.Child("type"), st.Type, []string{api.RecreateDeploymentStrategyType, api.RollingUpdateDeploymentStrategyType})}
	}
	ru := st.RollingUpdate
	if ru == nil {
		return errs
	}
	rp := p.Child("rollingUpdate")
	errs = append(errs, validateIntOrPercent(ru.MaxUnavailable, rp.Child("maxUnavailable"), true)...)
	errs = append(errs, validateIntOrPercent(ru.MaxSurge, rp.Child("maxSurge"), false)...)
	if isZero(ru.MaxUnavailable) && isZero(ru.MaxSurge) {
		errs = append(errs, Invalid(rp.Child("maxUnavailable"), formatIntOrString(ru.MaxUnavailable), "may not be 0 when `maxSurge` is 0"))
	}
	return errs
}

// validateIntOrPercent checks a non-negative integer or "N%" (at most 100%
// when capped).
func validateIntOrPercent(v *intstr.IntOrString, p Path, capped bool) ErrorList {
	if v == nil {
		return nil
	}
	if v.Type == intstr.Int {
		return nonNegative(p, int64(v.IntVal))
	}
	n, ok := parsePercent(v.StrVal)
	if !ok {
		return ErrorList{Invalid(p, v.StrVal, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")}
	}
	if capped && n > 100 {
		return ErrorList{Invalid(p, v.StrVal, "must not be greater than 100%")}
	}
	return nil
}

func parsePercent(s string) (int, bool) {
	num, ok := strings.CutSuffix(s, "%")
	if !ok || num == "" {
		return 0, false
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(num)
	return n, err == nil
}

// isZero reports whether an unset-means-default IntOrString is explicitly 0 or 0%.
func isZero(v *intstr.IntOrString) bool {
	if v == nil {
		return false // unset: the default (25%) applies
	}
	if v.Type == intstr.Int {
		return v.IntVal == 0
	}
	n, ok := parsePercent(v.StrVal)
	return ok && n == 0
}

func formatIntOrString(v *intstr.IntOrString) any {
	if v == nil {
		return nil
	}
	if v.Type == intstr.Int {
		return v.IntVal
	}
	return v.StrVal
}
