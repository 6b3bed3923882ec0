package api

import (
	"encoding/json"
	"fmt"
	"maps"
)

// Conversion between autoscaling/v1 and the stored autoscaling/v2
// HorizontalPodAutoscaler, as Kubernetes' pkg/apis/autoscaling/v1
// conversion.go: v1 holds one CPU utilization target; every other metric,
// the current metrics, the conditions and the behavior ride in the
// autoscaling.alpha.kubernetes.io annotations, which the way back turns
// into fields again and removes.

var hpaV1Conversion = &Conversion{
	ToStorage: func(o Object) (Object, error) {
		in, ok := o.(*HorizontalPodAutoscalerV1)
		if !ok {
			return nil, fmt.Errorf("converting %T to autoscaling/v2: not an autoscaling/v1 HorizontalPodAutoscaler", o)
		}
		return HPAFromV1(in), nil
	},
	FromStorage: func(o Object) (Object, error) {
		in, ok := o.(*HorizontalPodAutoscaler)
		if !ok {
			return nil, fmt.Errorf("converting %T to autoscaling/v1: not an autoscaling/v2 HorizontalPodAutoscaler", o)
		}
		return HPAToV1(in)
	},
}

var hpaRoundTripAnnotations = []string{HPAMetricSpecsAnnotation, HPABehaviorSpecsAnnotation, HPAMetricStatusesAnnotation, HPAConditionsAnnotation}

// dropHPARoundTrip returns the annotations without the round-trip ones
// (a copy if any was there, so the input is never changed).
func dropHPARoundTrip(in map[string]string) map[string]string {
	found := false
	for _, k := range hpaRoundTripAnnotations {
		_, ok := in[k]
		found = found || ok
	}
	if !found {
		return in
	}
	out := maps.Clone(in)
	for _, k := range hpaRoundTripAnnotations {
		delete(out, k)
	}
	return out
}

func isCPUUtilization(m MetricSpec) bool {
	return m.Type == ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == "cpu" && m.Resource.Target.AverageUtilization != nil
}

// HPAToV1 converts a stored HorizontalPodAutoscaler to autoscaling/v1.
func HPAToV1(in *HorizontalPodAutoscaler) (*HorizontalPodAutoscalerV1, error) {
	out := &HorizontalPodAutoscalerV1{
		TypeMeta:   TypeMeta{APIVersion: "autoscaling/v1", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: in.ObjectMeta,
		Spec: HorizontalPodAutoscalerSpecV1{
			ScaleTargetRef: in.Spec.ScaleTargetRef,
			MinReplicas:    in.Spec.MinReplicas,
			MaxReplicas:    in.Spec.MaxReplicas,
		},
		Status: HorizontalPodAutoscalerStatusV1{
			ObservedGeneration: in.Status.ObservedGeneration,
			LastScaleTime:      in.Status.LastScaleTime,
			CurrentReplicas:    in.Status.CurrentReplicas,
			DesiredReplicas:    in.Status.DesiredReplicas,
		},
	}
	// Only annotations this conversion produces may be there.
	out.Annotations = dropHPARoundTrip(in.Annotations)
	for _, m := range in.Spec.Metrics {
		if m.Type == ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == "cpu" {
			if u := m.Resource.Target.AverageUtilization; u != nil {
				out.Spec.TargetCPUUtilizationPercentage = ptrTo(*u)
			}
			break
		}
	}
	for _, m := range in.Status.CurrentMetrics {
		if m.Type == ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == "cpu" && m.Resource.Current.AverageUtilization != nil {
			out.Status.CurrentCPUUtilizationPercentage = ptrTo(*m.Resource.Current.AverageUtilization)
		}
	}

	add := map[string]any{}
	var others []hpaV1MetricSpec
	for _, m := range in.Spec.Metrics {
		if !isCPUUtilization(m) {
			others = append(others, metricSpecToV1(m))
		}
	}
	if len(others) > 0 {
		add[HPAMetricSpecsAnnotation] = others
	}
	if len(in.Status.CurrentMetrics) > 0 {
		current := make([]hpaV1MetricStatus, len(in.Status.CurrentMetrics))
		for i, m := range in.Status.CurrentMetrics {
			current[i] = metricStatusToV1(m)
		}
		add[HPAMetricStatusesAnnotation] = current
	}
	if b := in.Spec.Behavior; b != nil {
		add[HPABehaviorSpecsAnnotation] = hpaBehaviorAnnotation{ScaleUp: rulesToAnnotation(b.ScaleUp), ScaleDown: rulesToAnnotation(b.ScaleDown)}
	}
	if len(in.Status.Conditions) > 0 {
		add[HPAConditionsAnnotation] = in.Status.Conditions
	}
	if len(add) == 0 {
		return out, nil
	}
	ann := make(map[string]string, len(out.Annotations)+len(add))
	maps.Copy(ann, out.Annotations)
	for k, v := range add {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("encoding annotation %s: %w", k, err)
		}
		ann[k] = string(b)
	}
	out.Annotations = ann
	return out, nil
}

// HPAFromV1 converts an autoscaling/v1 HorizontalPodAutoscaler to the
// stored form. Annotations that do not decode are left out, as Kubernetes
// moves only well-formed data from annotations to fields.
func HPAFromV1(in *HorizontalPodAutoscalerV1) *HorizontalPodAutoscaler {
	out := &HorizontalPodAutoscaler{
		TypeMeta:   TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: in.ObjectMeta,
		Spec: HorizontalPodAutoscalerSpec{
			ScaleTargetRef: in.Spec.ScaleTargetRef,
			MinReplicas:    in.Spec.MinReplicas,
			MaxReplicas:    in.Spec.MaxReplicas,
		},
		Status: HorizontalPodAutoscalerStatus{
			ObservedGeneration: in.Status.ObservedGeneration,
			LastScaleTime:      in.Status.LastScaleTime,
			CurrentReplicas:    in.Status.CurrentReplicas,
			DesiredReplicas:    in.Status.DesiredReplicas,
		},
	}
	if u := in.Spec.TargetCPUUtilizationPercentage; u != nil {
		out.Spec.Metrics = []MetricSpec{cpuUtilizationMetric(*u)}
	}
	if u := in.Status.CurrentCPUUtilizationPercentage; u != nil {
		out.Status.CurrentMetrics = []MetricStatus{{Type: ResourceMetricSourceType,
			Resource: &ResourceMetricStatus{Name: "cpu", Current: MetricValueStatus{AverageUtilization: ptrTo(*u)}}}}
	}
	ann := in.Annotations
	if enc, ok := ann[HPAMetricSpecsAnnotation]; ok {
		var others []hpaV1MetricSpec
		if json.Unmarshal([]byte(enc), &others) == nil {
			metrics := make([]MetricSpec, 0, len(others)+len(out.Spec.Metrics))
			for _, m := range others {
				metrics = append(metrics, metricSpecFromV1(m))
			}
			out.Spec.Metrics = append(metrics, out.Spec.Metrics...)
		}
	}
	if enc, ok := ann[HPABehaviorSpecsAnnotation]; ok {
		var b hpaBehaviorAnnotation
		if json.Unmarshal([]byte(enc), &b) == nil && (b.ScaleUp != nil || b.ScaleDown != nil) {
			out.Spec.Behavior = &HorizontalPodAutoscalerBehavior{ScaleUp: rulesFromAnnotation(b.ScaleUp), ScaleDown: rulesFromAnnotation(b.ScaleDown)}
		}
	}
	if enc, ok := ann[HPAMetricStatusesAnnotation]; ok {
		var current []hpaV1MetricStatus
		if json.Unmarshal([]byte(enc), &current) == nil {
			out.Status.CurrentMetrics = make([]MetricStatus, len(current))
			for i, m := range current {
				out.Status.CurrentMetrics[i] = metricStatusFromV1(m)
			}
		}
	}
	// autoscaling/v1's implicit default, made explicit.
	if len(out.Spec.Metrics) == 0 {
		out.Spec.Metrics = []MetricSpec{cpuUtilizationMetric(DefaultHPACPUUtilization)}
	}
	if enc, ok := ann[HPAConditionsAnnotation]; ok {
		var conds []HorizontalPodAutoscalerCondition
		if json.Unmarshal([]byte(enc), &conds) == nil {
			out.Status.Conditions = conds
		}
	}
	out.Annotations = dropHPARoundTrip(ann)
	return out
}

func cpuUtilizationMetric(u int32) MetricSpec {
	return MetricSpec{Type: ResourceMetricSourceType, Resource: &ResourceMetricSource{Name: "cpu",
		Target: MetricTarget{Type: UtilizationMetricType, AverageUtilization: ptrTo(u)}}}
}

func metricSpecToV1(m MetricSpec) hpaV1MetricSpec {
	out := hpaV1MetricSpec{Type: m.Type}
	if r := m.Resource; r != nil {
		out.Resource = &hpaV1ResourceMetricSource{Name: r.Name, TargetAverageUtilization: r.Target.AverageUtilization, TargetAverageValue: r.Target.AverageValue}
	}
	return out
}

func metricSpecFromV1(m hpaV1MetricSpec) MetricSpec {
	out := MetricSpec{Type: m.Type}
	if r := m.Resource; r != nil {
		t := MetricTarget{Type: AverageValueMetricType, AverageValue: r.TargetAverageValue}
		if r.TargetAverageUtilization != nil {
			t = MetricTarget{Type: UtilizationMetricType, AverageUtilization: r.TargetAverageUtilization, AverageValue: r.TargetAverageValue}
		}
		out.Resource = &ResourceMetricSource{Name: r.Name, Target: t}
	}
	return out
}

func metricStatusToV1(m MetricStatus) hpaV1MetricStatus {
	out := hpaV1MetricStatus{Type: m.Type}
	if r := m.Resource; r != nil {
		out.Resource = &hpaV1ResourceMetricStatus{Name: r.Name, CurrentAverageUtilization: r.Current.AverageUtilization}
		if r.Current.AverageValue != nil {
			out.Resource.CurrentAverageValue = *r.Current.AverageValue
		}
	}
	return out
}

func metricStatusFromV1(m hpaV1MetricStatus) MetricStatus {
	out := MetricStatus{Type: m.Type}
	if r := m.Resource; r != nil {
		v := r.CurrentAverageValue
		out.Resource = &ResourceMetricStatus{Name: r.Name, Current: MetricValueStatus{AverageUtilization: r.CurrentAverageUtilization, AverageValue: &v}}
	}
	return out
}

func rulesToAnnotation(r *HPAScalingRules) *hpaRulesAnnotation {
	if r == nil {
		return nil
	}
	out := &hpaRulesAnnotation{StabilizationWindowSeconds: r.StabilizationWindowSeconds, SelectPolicy: r.SelectPolicy, Tolerance: r.Tolerance}
	for _, p := range r.Policies {
		out.Policies = append(out.Policies, hpaPolicyAnnotation(p))
	}
	return out
}

func rulesFromAnnotation(r *hpaRulesAnnotation) *HPAScalingRules {
	if r == nil {
		return nil
	}
	out := &HPAScalingRules{StabilizationWindowSeconds: r.StabilizationWindowSeconds, SelectPolicy: r.SelectPolicy, Tolerance: r.Tolerance}
	for _, p := range r.Policies {
		out.Policies = append(out.Policies, HPAScalingPolicy(p))
	}
	return out
}

func ptrTo[T any](v T) *T { return &v }
