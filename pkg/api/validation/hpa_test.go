package validation

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

// TestValidateHPA: the cases of Kubernetes' TestValidateHorizontalPodAutoscaler
// and TestValidateBehavior that apply to Resource metrics, with the full
// messages Kubernetes gives.
func TestValidateHPA(t *testing.T) {
	type mod func(h *api.HorizontalPodAutoscaler)
	target := func(f func(t *api.MetricTarget)) mod {
		return func(h *api.HorizontalPodAutoscaler) { f(&h.Spec.Metrics[0].Resource.Target) }
	}
	rules := func(up, down *api.HPAScalingRules) mod {
		return func(h *api.HorizontalPodAutoscaler) {
			h.Spec.Behavior = &api.HorizontalPodAutoscalerBehavior{ScaleUp: up, ScaleDown: down}
		}
	}
	pol := func(typ string, value, period int32) []api.HPAScalingPolicy {
		return []api.HPAScalingPolicy{{Type: typ, Value: value, PeriodSeconds: period}}
	}
	qp := func(s string) *api.Quantity { v := q(s); return &v }
	tests := []struct {
		name string
		mod  mod
		want []string
	}{
		// Valid.
		{"cpu utilization", nil, nil},
		{"no metrics (defaulted later)", func(h *api.HorizontalPodAutoscaler) { h.Spec.Metrics = nil }, nil},
		{"cpu average value", target(func(t *api.MetricTarget) {
			*t = api.MetricTarget{Type: "AverageValue", AverageValue: qp("300m")}
		}), nil},
		{"memory average value", func(h *api.HorizontalPodAutoscaler) {
			h.Spec.Metrics = append(h.Spec.Metrics, api.MetricSpec{Type: "Resource", Resource: &api.ResourceMetricSource{Name: "memory",
				Target: api.MetricTarget{Type: "AverageValue", AverageValue: qp("100Mi")}}})
		}, nil},
		{"min unset", func(h *api.HorizontalPodAutoscaler) { h.Spec.MinReplicas = nil; h.Spec.MaxReplicas = 1 }, nil},
		{"min equals max", func(h *api.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr(int32(6)) }, nil},
		{"behavior bounds", rules(&api.HPAScalingRules{StabilizationWindowSeconds: ptr(int32(3600)), SelectPolicy: ptr("Disabled"), Policies: pol("Pods", 1, 1800)},
			&api.HPAScalingRules{StabilizationWindowSeconds: ptr(int32(0)), SelectPolicy: ptr("Min"), Policies: pol("Percent", 10, 1)}), nil},

		// scaleTargetRef.
		{"ref kind required", func(h *api.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Kind = "" },
			[]string{"spec.scaleTargetRef.kind: Required value"}},
		{"ref kind invalid", func(h *api.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Kind = ".." },
			[]string{`spec.scaleTargetRef.kind: Invalid value: "..": may not be '..'`}},
		{"ref name required", func(h *api.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Name = "" },
			[]string{"spec.scaleTargetRef.name: Required value"}},
		{"ref name invalid", func(h *api.HorizontalPodAutoscaler) { h.Spec.ScaleTargetRef.Name = ".." },
			[]string{`spec.scaleTargetRef.name: Invalid value: "..": may not be '..'`}},

		// Replicas.
		{"min -1", func(h *api.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr(int32(-1)) },
			[]string{"spec.minReplicas: Invalid value: -1: must be greater than or equal to 1"}},
		{"min 0 (scale to zero is an alpha gate)", func(h *api.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr(int32(0)) },
			[]string{"spec.minReplicas: Invalid value: 0: must be greater than or equal to 1"}},
		{"max 0", func(h *api.HorizontalPodAutoscaler) { h.Spec.MinReplicas = nil; h.Spec.MaxReplicas = 0 },
			[]string{"spec.maxReplicas: Invalid value: 0: must be greater than 0"}},
		{"max below min", func(h *api.HorizontalPodAutoscaler) { h.Spec.MinReplicas = ptr(int32(7)); h.Spec.MaxReplicas = 5 },
			[]string{"spec.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`"}},

		// Metrics.
		{"negative utilization", target(func(t *api.MetricTarget) { t.AverageUtilization = ptr(int32(-70)) }),
			[]string{"spec.metrics[0].resource.target.averageUtilization: Invalid value: -70: must be greater than 0"}},
		{"both targets", target(func(t *api.MetricTarget) { t.AverageValue = qp("300m") }),
			[]string{"spec.metrics[0].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization"}},
		{"no target", target(func(t *api.MetricTarget) { t.AverageUtilization = nil }),
			[]string{"spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization"}},
		{"no resource name", func(h *api.HorizontalPodAutoscaler) { h.Spec.Metrics[0].Resource.Name = "" },
			[]string{"spec.metrics[0].resource.name: Required value: must specify a resource name"}},
		{"resource minik8s cannot measure", func(h *api.HorizontalPodAutoscaler) { h.Spec.Metrics[0].Resource.Name = "ephemeral-storage" },
			[]string{`spec.metrics[0].resource.name: Unsupported value: "ephemeral-storage": supported values: "cpu", "memory"`}},
		{"zero average value", target(func(t *api.MetricTarget) { *t = api.MetricTarget{Type: "AverageValue", AverageValue: qp("0")} }),
			[]string{`spec.metrics[0].resource.target.averageValue: Invalid value: "0": must be positive`}},
		{"negative value", target(func(t *api.MetricTarget) { t.Value = qp("-1") }),
			[]string{`spec.metrics[0].resource.target.value: Invalid value: "-1": must be positive`}},
		{"no target type", target(func(t *api.MetricTarget) { t.Type = "" }),
			[]string{"spec.metrics[0].resource.target.type: Required value: must specify a metric target type",
				`spec.metrics[0].resource.target.type: Invalid value: "": must be either Utilization, Value, or AverageValue`}},
		{"bad target type", target(func(t *api.MetricTarget) { t.Type = "boogity" }),
			[]string{`spec.metrics[0].resource.target.type: Invalid value: "boogity": must be either Utilization, Value, or AverageValue`}},
		{"no source type", func(h *api.HorizontalPodAutoscaler) { h.Spec.Metrics[0] = api.MetricSpec{} },
			[]string{"spec.metrics[0].type: Required value: must specify a metric source type",
				`spec.metrics[0].type: Unsupported value: "": supported values: "Resource"`}},
		{"source missing", func(h *api.HorizontalPodAutoscaler) { h.Spec.Metrics[0].Resource = nil },
			[]string{"spec.metrics[0].resource: Required value: must populate information for the given metric source"}},
		{"source type minik8s lacks", func(h *api.HorizontalPodAutoscaler) { h.Spec.Metrics[0] = api.MetricSpec{Type: "External"} },
			[]string{`spec.metrics[0].type: Unsupported value: "External": supported values: "Resource"`,
				"spec.metrics[0].external: Required value: must populate information for the given metric source"}},
		{"type names another source", func(h *api.HorizontalPodAutoscaler) { h.Spec.Metrics[0].Type = "ContainerResource" },
			[]string{`spec.metrics[0].type: Unsupported value: "ContainerResource": supported values: "Resource"`,
				"spec.metrics[0].containerResource: Required value: must populate information for the given metric source"}},

		// Status.
		{"negative replicas in status", func(h *api.HorizontalPodAutoscaler) { h.Status.CurrentReplicas, h.Status.DesiredReplicas = -1, -2 },
			[]string{"status.currentReplicas: Invalid value: -1: must be greater than or equal to 0",
				"status.desiredReplicas: Invalid value: -2: must be greater than or equal to 0"}},

		// Behavior.
		{"window below 0", rules(&api.HPAScalingRules{StabilizationWindowSeconds: ptr(int32(-1)), Policies: pol("Pods", 1, 60)}, nil),
			[]string{"spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: -1: must be greater than or equal to zero"}},
		{"window above 3600", rules(nil, &api.HPAScalingRules{StabilizationWindowSeconds: ptr(int32(3601)), Policies: pol("Pods", 1, 60)}),
			[]string{"spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600"}},
		{"select policy", rules(&api.HPAScalingRules{SelectPolicy: ptr("Fastest"), Policies: pol("Pods", 1, 60)}, nil),
			[]string{`spec.behavior.scaleUp.selectPolicy: Unsupported value: "Fastest": supported values: "Disabled", "Max", "Min"`}},
		{"no policies", rules(&api.HPAScalingRules{Policies: []api.HPAScalingPolicy{}}, nil),
			[]string{"spec.behavior.scaleUp.policies: Required value: must specify at least one Policy"}},
		{"policy type", rules(nil, &api.HPAScalingRules{Policies: pol("Percentage", 1, 60)}),
			[]string{`spec.behavior.scaleDown.policies[0].type: Unsupported value: "Percentage": supported values: "Percent", "Pods"`}},
		{"policy value 0", rules(nil, &api.HPAScalingRules{Policies: pol("Pods", 0, 60)}),
			[]string{"spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero"}},
		{"policy period 0", rules(&api.HPAScalingRules{Policies: pol("Percent", 10, 0)}, nil),
			[]string{"spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 0: must be greater than zero"}},
		{"policy period 1801", rules(&api.HPAScalingRules{Policies: pol("Percent", 10, 1801)}, nil),
			[]string{"spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := baseHPA()
			if tc.mod != nil {
				tc.mod(h)
			}
			var got []string
			for _, e := range Validate(h) {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestDefaultHPABehavior: Kubernetes' GenerateHPAScaleUpRules and
// GenerateHPAScaleDownRules fill what a given behavior leaves unset.
func TestDefaultHPABehavior(t *testing.T) {
	tests := []struct {
		name     string
		behavior *api.HorizontalPodAutoscalerBehavior
		up, down string
	}{
		{"unset stays unset", nil, "null", "null"},
		{"empty: both filled",
			&api.HorizontalPodAutoscalerBehavior{},
			`{"stabilizationWindowSeconds":0,"selectPolicy":"Max","policies":[{"type":"Pods","value":4,"periodSeconds":15},{"type":"Percent","value":100,"periodSeconds":15}]}`,
			`{"selectPolicy":"Max","policies":[{"type":"Percent","value":100,"periodSeconds":15}]}`},
		{"given fields kept",
			&api.HorizontalPodAutoscalerBehavior{
				ScaleUp:   &api.HPAScalingRules{SelectPolicy: ptr("Disabled")},
				ScaleDown: &api.HPAScalingRules{StabilizationWindowSeconds: ptr(int32(60)), Policies: []api.HPAScalingPolicy{{Type: "Percent", Value: 10, PeriodSeconds: 60}}}},
			`{"stabilizationWindowSeconds":0,"selectPolicy":"Disabled","policies":[{"type":"Pods","value":4,"periodSeconds":15},{"type":"Percent","value":100,"periodSeconds":15}]}`,
			`{"stabilizationWindowSeconds":60,"selectPolicy":"Max","policies":[{"type":"Percent","value":10,"periodSeconds":60}]}`},
		{"empty policies stay empty (and fail validation)",
			&api.HorizontalPodAutoscalerBehavior{ScaleUp: &api.HPAScalingRules{Policies: []api.HPAScalingPolicy{}}},
			`{"stabilizationWindowSeconds":0,"selectPolicy":"Max"}`, // [] is not nil: not replaced
			`{"selectPolicy":"Max","policies":[{"type":"Percent","value":100,"periodSeconds":15}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &api.HorizontalPodAutoscaler{Spec: api.HorizontalPodAutoscalerSpec{MaxReplicas: 3, Behavior: tc.behavior}}
			Default(h)
			var up, down any
			if b := h.Spec.Behavior; b != nil {
				up, down = b.ScaleUp, b.ScaleDown
			}
			if got := js(up); got != tc.up {
				t.Errorf("scaleUp %s\nwant    %s", got, tc.up)
			}
			if got := js(down); got != tc.down {
				t.Errorf("scaleDown %s\nwant      %s", got, tc.down)
			}
			if up != nil && h.Spec.Behavior.ScaleUp.Policies != nil && len(h.Spec.Behavior.ScaleUp.Policies) == 0 && len(Validate(h)) == 0 {
				t.Error("empty scaleUp policies passed validation")
			}
		})
	}
}
