package validation

import (
	"minik8s/pkg/api"
)

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
	ref := p.Child("scaleTargetRef")
	if s.ScaleTargetRef.Kind == "" {
		errs = append(errs, Required(ref.Child("kind"), ""))
	}
	if s.ScaleTargetRef.Name == "" {
		errs = append(errs, Required(ref.Child("name"), ""))
	} else {
		errs = append(errs, checkName(ref.Child("name"), s.ScaleTargetRef.Name, IsValidPathSegmentName)...)
	}

	minReplicas := int32(1)
	if s.MinReplicas != nil {
		minReplicas = *s.MinReplicas
		if minReplicas < 1 {
			errs = append(errs, Invalid(p.Child("minReplicas"), minReplicas, "must be greater than or equal to 1"))
		}
	}
	if s.MaxReplicas < 1 {
		errs = append(errs, Invalid(p.Child("maxReplicas"), s.MaxReplicas, "must be greater than 0"))
	} else if s.MaxReplicas < minReplicas {
		errs = append(errs, Invalid(p.Child("maxReplicas"), s.MaxReplicas, "must be greater than or equal to `minReplicas`"))
	}

	for i := range s.Metrics {
		errs = append(errs, validateMetric(&s.Metrics[i], p.Child("metrics").Index(i))...)
	}
	if b := s.Behavior; b != nil {
		bp := p.Child("behavior")
		errs = append(errs, validateScalingRules(b.ScaleUp, bp.Child("scaleUp"))...)
		errs = append(errs, validateScalingRules(b.ScaleDown, bp.Child("scaleDown"))...)
	}
	return errs
}

func validateMetric(m *api.MetricSpec, p Path) ErrorList {
	if m.Type == "" {
		return ErrorList{Required(p.Child("type"), "must specify a metric source type")}
	}
	if m.Type != api.ResourceMetricSourceType {
		// Kubernetes also has Pods, Object, External and ContainerResource; minik8s does not.
		return ErrorList{NotSupported(p.Child("type"), m.Type, []string{api.ResourceMetricSourceType})}
	}
	rp := p.Child("resource")
	if m.Resource == nil {
		return ErrorList{Required(rp, "must populate information for the given metric source")}
	}
	var errs ErrorList
	if m.Resource.Name == "" {
		errs = append(errs, Required(rp.Child("name"), "must specify a resource name"))
	} else {
		errs = append(errs, oneOf(rp.Child("name"), m.Resource.Name, hpaResourceNames...)...)
	}
	t := &m.Resource.Target
	tp := rp.Child("target")
	switch t.Type {
	case "":
		errs = append(errs, Required(tp.Child("type"), "must specify a metric target type"))
	case api.UtilizationMetricType:
		if t.AverageUtilization == nil {
			errs = append(errs, Required(tp.Child("averageUtilization"), "must set `averageUtilization` when `type` is 'Utilization'"))
		} else if *t.AverageUtilization < 1 {
			errs = append(errs, Invalid(tp.Child("averageUtilization"), *t.AverageUtilization, "must be greater than 0"))
		}
		if t.AverageValue != nil || t.Value != nil {
			errs = append(errs, Forbidden(tp, "may only set `averageUtilization` when `type` is 'Utilization'"))
		}
	case api.AverageValueMetricType:
		if t.AverageValue == nil {
			errs = append(errs, Required(tp.Child("averageValue"), "must set `averageValue` when `type` is 'AverageValue'"))
		} else if t.AverageValue.Sign() <= 0 {
			errs = append(errs, Invalid(tp.Child("averageValue"), t.AverageValue.String(), "must be positive"))
		}
		if t.AverageUtilization != nil || t.Value != nil {
			errs = append(errs, Forbidden(tp, "may only set `averageValue` when `type` is 'AverageValue'"))
		}
	default:
		// A resource metric is per pod: Value (a total) is not allowed, as in Kubernetes.
		errs = append(errs, NotSupported(tp.Child("type"), t.Type, []string{api.AverageValueMetricType, api.UtilizationMetricType}))
	}
	return errs
}

func validateScalingRules(r *api.HPAScalingRules, p Path) ErrorList {
	if r == nil {
		return nil
	}
	var errs ErrorList
	if w := r.StabilizationWindowSeconds; w != nil {
		errs = append(errs, inRange(p.Child("stabilizationWindowSeconds"), int64(*w), 0, MaxStabilizationWindowSeconds)...)
	}
	if sp := r.SelectPolicy; sp != nil {
		errs = append(errs, oneOf(p.Child("selectPolicy"), *sp, selectPolicies...)...)
	}
	if r.Policies != nil && len(r.Policies) == 0 {
		errs = append(errs, Required(p.Child("policies"), "must specify at least one Policy"))
	}
	for i, pol := range r.Policies {
		pp := p.Child("policies").Index(i)
		errs = append(errs, oneOf(pp.Child("type"), pol.Type, policyTypes...)...)
		if pol.Value <= 0 {
			errs = append(errs, Invalid(pp.Child("value"), pol.Value, "must be greater than zero"))
		}
		errs = append(errs, inRange(pp.Child("periodSeconds"), int64(pol.PeriodSeconds), 1, MaxPeriodSeconds)...)
	}
	if r.Tolerance != nil && r.Tolerance.Sign() < 0 {
		errs = append(errs, Invalid(p.Child("tolerance"), r.Tolerance.String(), "must be greater than or equal to 0"))
	}
	return errs
}
