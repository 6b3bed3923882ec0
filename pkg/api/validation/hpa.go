package validation

import (
	"fmt"
	"strings"

	"minik8s/pkg/api"
)

// HorizontalPodAutoscaler validation, as Kubernetes' (pkg/apis/autoscaling/
// validation), with its messages. minik8s narrows two things it cannot act
// on: the only metric source type is Resource and the only resources are
// cpu and memory.

var (
	hpaResourceNames = []string{"cpu", "memory"}
	selectPolicies   = []string{api.DisabledPolicySelect, api.MaxChangePolicySelect, api.MinChangePolicySelect}
	policyTypes      = []string{api.PercentScalingPolicy, api.PodsScalingPolicy}
)

// Bounds of HPA behavior fields, as in Kubernetes.
const (
	MaxPeriodSeconds              = 1800
	MaxStabilizationWindowSeconds = 3600
)

func validateHPASpec(s *api.HorizontalPodAutoscalerSpec, p Path) ErrorList {
	var errs ErrorList
	// minReplicas 0 needs the HPAScaleToZero alpha gate (and an Object or
	// External metric), which minik8s does not have: the bound is 1.
	if s.MinReplicas != nil && *s.MinReplicas < 1 {
		errs = append(errs, Invalid(p.Child("minReplicas"), *s.MinReplicas, "must be greater than or equal to 1"))
	}
	if s.MaxReplicas < 1 {
		errs = append(errs, Invalid(p.Child("maxReplicas"), s.MaxReplicas, "must be greater than 0"))
	}
	if s.MinReplicas != nil && s.MaxReplicas < *s.MinReplicas {
		errs = append(errs, Invalid(p.Child("maxReplicas"), s.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}
	errs = append(errs, validateCrossVersionObjectReference(s.ScaleTargetRef, p.Child("scaleTargetRef"))...)
	for i := range s.Metrics {
		errs = append(errs, validateMetricSpec(&s.Metrics[i], p.Child("metrics").Index(i))...)
	}
	if b := s.Behavior; b != nil {
		bp := p.Child("behavior")
		errs = append(errs, validateScalingRules(b.ScaleUp, bp.Child("scaleUp"))...)
		errs = append(errs, validateScalingRules(b.ScaleDown, bp.Child("scaleDown"))...)
	}
	return errs
}

// validateHPAStatus: replica counts are not negative (Kubernetes checks
// them on status updates; a new object's status is reset anyway).
func validateHPAStatus(s *api.HorizontalPodAutoscalerStatus, p Path) ErrorList {
	errs := nonNegative(p.Child("currentReplicas"), int64(s.CurrentReplicas))
	return append(errs, nonNegative(p.Child("desiredReplicas"), int64(s.DesiredReplicas))...)
}

func validateCrossVersionObjectReference(ref api.CrossVersionObjectReference, p Path) ErrorList {
	var errs ErrorList
	if ref.Kind == "" {
		errs = append(errs, Required(p.Child("kind"), ""))
	} else {
		errs = append(errs, checkName(p.Child("kind"), ref.Kind, IsValidPathSegmentName)...)
	}
	if ref.Name == "" {
		errs = append(errs, Required(p.Child("name"), ""))
	} else {
		errs = append(errs, checkName(p.Child("name"), ref.Name, IsValidPathSegmentName)...)
	}
	return errs
}

func validateMetricSpec(m *api.MetricSpec, p Path) ErrorList {
	var errs ErrorList
	if m.Type == "" {
		errs = append(errs, Required(p.Child("type"), "must specify a metric source type"))
	}
	if m.Type != api.ResourceMetricSourceType {
		// Kubernetes also has Object, Pods, External and ContainerResource; minik8s does not.
		errs = append(errs, NotSupported(p.Child("type"), m.Type, []string{api.ResourceMetricSourceType}))
	}
	if m.Resource != nil {
		errs = append(errs, validateResourceSource(m.Resource, p.Child("resource"))...)
	}
	// The source the type names must be there (the field is the type in lower case).
	if expected := metricSourceField(m.Type); expected != "" && !(expected == "resource" && m.Resource != nil) {
		errs = append(errs, Required(p.Child(expected), "must populate information for the given metric source"))
	}
	return errs
}

// metricSourceField is the field of a metric source type ("Pods": "pods").
func metricSourceField(typ string) string {
	f := strings.ToLower(typ)
	if f == "containerresource" {
		f = "containerResource"
	}
	return f
}

func validateResourceSource(r *api.ResourceMetricSource, p Path) ErrorList {
	var errs ErrorList
	if r.Name == "" {
		errs = append(errs, Required(p.Child("name"), "must specify a resource name"))
	} else {
		errs = append(errs, oneOf(p.Child("name"), r.Name, hpaResourceNames...)...)
	}
	tp := p.Child("target")
	errs = append(errs, validateMetricTarget(&r.Target, tp)...)
	if r.Target.AverageUtilization == nil && r.Target.AverageValue == nil {
		errs = append(errs, Required(tp.Child("averageUtilization"), "must set either a target raw value or a target utilization"))
	}
	if r.Target.AverageUtilization != nil && r.Target.AverageValue != nil {
		errs = append(errs, Forbidden(tp.Child("averageValue"), "may not set both a target raw value and a target utilization"))
	}
	return errs
}

func validateMetricTarget(t *api.MetricTarget, p Path) ErrorList {
	var errs ErrorList
	if t.Type == "" {
		errs = append(errs, Required(p.Child("type"), "must specify a metric target type"))
	}
	if t.Type != api.UtilizationMetricType && t.Type != api.ValueMetricType && t.Type != api.AverageValueMetricType {
		errs = append(errs, Invalid(p.Child("type"), t.Type, "must be either Utilization, Value, or AverageValue"))
	}
	if t.Value != nil && t.Value.Sign() != 1 {
		errs = append(errs, Invalid(p.Child("value"), t.Value.String(), "must be positive"))
	}
	if t.AverageValue != nil && t.AverageValue.Sign() != 1 {
		errs = append(errs, Invalid(p.Child("averageValue"), t.AverageValue.String(), "must be positive"))
	}
	if t.AverageUtilization != nil && *t.AverageUtilization < 1 {
		errs = append(errs, Invalid(p.Child("averageUtilization"), *t.AverageUtilization, "must be greater than 0"))
	}
	return errs
}

func validateScalingRules(r *api.HPAScalingRules, p Path) ErrorList {
	if r == nil {
		return nil
	}
	var errs ErrorList
	if w := r.StabilizationWindowSeconds; w != nil {
		if *w < 0 {
			errs = append(errs, Invalid(p.Child("stabilizationWindowSeconds"), *w, "must be greater than or equal to zero"))
		}
		if *w > MaxStabilizationWindowSeconds {
			errs = append(errs, Invalid(p.Child("stabilizationWindowSeconds"), *w, fmt.Sprintf("must be less than or equal to %d", MaxStabilizationWindowSeconds)))
		}
	}
	if sp := r.SelectPolicy; sp != nil {
		errs = append(errs, oneOf(p.Child("selectPolicy"), *sp, selectPolicies...)...)
	}
	if len(r.Policies) == 0 {
		errs = append(errs, Required(p.Child("policies"), "must specify at least one Policy"))
	}
	for i, pol := range r.Policies {
		pp := p.Child("policies").Index(i)
		errs = append(errs, oneOf(pp.Child("type"), pol.Type, policyTypes...)...)
		if pol.Value <= 0 {
			errs = append(errs, Invalid(pp.Child("value"), pol.Value, "must be greater than zero"))
		}
		if pol.PeriodSeconds <= 0 {
			errs = append(errs, Invalid(pp.Child("periodSeconds"), pol.PeriodSeconds, "must be greater than zero"))
		}
		if pol.PeriodSeconds > MaxPeriodSeconds {
			errs = append(errs, Invalid(pp.Child("periodSeconds"), pol.PeriodSeconds, fmt.Sprintf("must be less than or equal to %d", MaxPeriodSeconds)))
		}
	}
	if r.Tolerance != nil && r.Tolerance.Sign() < 0 {
		errs = append(errs, Invalid(p.Child("tolerance"), r.Tolerance.String(), "must be greater than or equal to 0"))
	}
	return errs
}
