package api

// HorizontalPodAutoscalerV1 is the autoscaling/v1 form of a
// HorizontalPodAutoscaler: one CPU utilization target. The apiserver stores
// autoscaling/v2 and converts (autoscaling_conversion.go); what v1 cannot
// express travels in the annotations Kubernetes uses for the round trip.
type HorizontalPodAutoscalerV1 struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Spec       HorizontalPodAutoscalerSpecV1   `json:"spec,omitempty"`
	Status     HorizontalPodAutoscalerStatusV1 `json:"status,omitempty"`
}

// HorizontalPodAutoscalerSpecV1 is the autoscaling/v1 spec.
type HorizontalPodAutoscalerSpecV1 struct {
	ScaleTargetRef                 CrossVersionObjectReference `json:"scaleTargetRef"`
	MinReplicas                    *int32                      `json:"minReplicas,omitempty"`
	MaxReplicas                    int32                       `json:"maxReplicas"`
	TargetCPUUtilizationPercentage *int32                      `json:"targetCPUUtilizationPercentage,omitempty"`
}

// HorizontalPodAutoscalerStatusV1 is the autoscaling/v1 status.
type HorizontalPodAutoscalerStatusV1 struct {
	ObservedGeneration              *int64 `json:"observedGeneration,omitempty"`
	LastScaleTime                   *Time  `json:"lastScaleTime,omitempty"`
	CurrentReplicas                 int32  `json:"currentReplicas"`
	DesiredReplicas                 int32  `json:"desiredReplicas"`
	CurrentCPUUtilizationPercentage *int32 `json:"currentCPUUtilizationPercentage,omitempty"`
}

// The annotations that carry, in autoscaling/v1, what only v2 can say
// (k8s.io/kubernetes pkg/apis/autoscaling/annotations.go).
const (
	HPAMetricSpecsAnnotation    = "autoscaling.alpha.kubernetes.io/metrics"
	HPAMetricStatusesAnnotation = "autoscaling.alpha.kubernetes.io/current-metrics"
	HPAConditionsAnnotation     = "autoscaling.alpha.kubernetes.io/conditions"
	HPABehaviorSpecsAnnotation  = "autoscaling.alpha.kubernetes.io/behavior"
)

// DefaultHPACPUUtilization is the target of an autoscaler without metrics.
const DefaultHPACPUUtilization = 80

// The autoscaling/v1 forms of metrics, as the annotations hold them.
type (
	hpaV1MetricSpec struct {
		Type     string                     `json:"type"`
		Resource *hpaV1ResourceMetricSource `json:"resource,omitempty"`
	}
	hpaV1ResourceMetricSource struct {
		Name                     string    `json:"name"`
		TargetAverageUtilization *int32    `json:"targetAverageUtilization,omitempty"`
		TargetAverageValue       *Quantity `json:"targetAverageValue,omitempty"`
	}
	hpaV1MetricStatus struct {
		Type     string                     `json:"type"`
		Resource *hpaV1ResourceMetricStatus `json:"resource,omitempty"`
	}
	hpaV1ResourceMetricStatus struct {
		Name                      string   `json:"name"`
		CurrentAverageUtilization *int32   `json:"currentAverageUtilization,omitempty"`
		CurrentAverageValue       Quantity `json:"currentAverageValue"`
	}
)

// The behavior annotation holds Kubernetes' internal type, which has no
// JSON tags: the keys are the Go field names.
type (
	hpaBehaviorAnnotation struct {
		ScaleUp   *hpaRulesAnnotation
		ScaleDown *hpaRulesAnnotation
	}
	hpaRulesAnnotation struct {
		StabilizationWindowSeconds *int32
		SelectPolicy               *string
		Policies                   []hpaPolicyAnnotation
		Tolerance                  *Quantity `json:",omitempty"`
	}
	hpaPolicyAnnotation struct {
		Type          string
		Value         int32
		PeriodSeconds int32
	}
)
