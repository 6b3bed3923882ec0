package describe

import (
	"fmt"

	"minik8s/pkg/api"
)

// hpa is kubectl's describeHorizontalPodAutoscalerV2: a status is matched
// to its metric by position, behavior is printed only when set.
func (d *describer) hpa(h *api.HorizontalPodAutoscaler, events []api.Event) {
	d.write(level0, "Name:\t%s\n", h.Name)
	d.write(level0, "Namespace:\t%s\n", h.Namespace)
	d.labelsMultiline("", "Labels", h.Labels)
	d.annotationsMultiline("", "Annotations", h.Annotations)
	d.write(level0, "CreationTimestamp:\t%s\n", rfc1123(h.CreationTimestamp))
	d.write(level0, "Reference:\t%s/%s\n", h.Spec.ScaleTargetRef.Kind, h.Spec.ScaleTargetRef.Name)
	d.write(level0, "Metrics:\t( current / target )\n")
	for i, m := range h.Spec.Metrics {
		if m.Type != api.ResourceMetricSourceType || m.Resource == nil {
			d.write(level1, "<unknown metric type %q>\n", m.Type)
			continue
		}
		var cur *api.ResourceMetricStatus
		if len(h.Status.CurrentMetrics) > i && h.Status.CurrentMetrics[i].Resource != nil {
			cur = h.Status.CurrentMetrics[i].Resource
		}
		d.write(level1, "resource %s on pods", m.Resource.Name)
		target := m.Resource.Target
		if target.AverageValue != nil {
			current := "<unknown>"
			if cur != nil {
				current = cur.Current.AverageValue.String() // "<nil>" when unset, as kubectl prints it
			}
			d.write(level0, ":\t%s / %s\n", current, target.AverageValue.String())
			continue
		}
		current := "<unknown>"
		if cur != nil && cur.Current.AverageUtilization != nil {
			current = fmt.Sprintf("%d%% (%s)", *cur.Current.AverageUtilization, cur.Current.AverageValue.String())
		}
		want := "<auto>"
		if target.AverageUtilization != nil {
			want = fmt.Sprintf("%d%%", *target.AverageUtilization)
		}
		d.write(level1, "(as a percentage of request):\t%s / %s\n", current, want)
	}
	minReplicas := "<unset>"
	if h.Spec.MinReplicas != nil {
		minReplicas = fmt.Sprintf("%d", *h.Spec.MinReplicas)
	}
	d.write(level0, "Min replicas:\t%s\n", minReplicas)
	d.write(level0, "Max replicas:\t%d\n", h.Spec.MaxReplicas)
	if b := h.Spec.Behavior; b != nil {
		d.write(level0, "Behavior:\n")
		d.scalingRules("Scale Up", b.ScaleUp)
		d.scalingRules("Scale Down", b.ScaleDown)
	}
	d.write(level0, "%s pods:\t", h.Spec.ScaleTargetRef.Kind)
	d.write(level0, "%d current / %d desired\n", h.Status.CurrentReplicas, h.Status.DesiredReplicas)
	if len(h.Status.Conditions) > 0 {
		d.write(level0, "Conditions:\n")
		d.write(level1, "Type\tStatus\tReason\tMessage\n")
		d.write(level1, "----\t------\t------\t-------\n")
		for _, c := range h.Status.Conditions {
			d.write(level1, "%v\t%v\t%v\t%v\n", c.Type, c.Status, c.Reason, c.Message)
		}
	}
	d.events(events)
}

// scalingRules is kubectl's printDirectionBehavior.
func (d *describer) scalingRules(direction string, r *api.HPAScalingRules) {
	if r == nil {
		return
	}
	d.write(level1, "%s:\n", direction)
	if r.StabilizationWindowSeconds != nil {
		d.write(level2, "Stabilization Window: %d seconds\n", *r.StabilizationWindowSeconds)
	}
	if len(r.Policies) > 0 {
		sel := api.MaxChangePolicySelect
		if r.SelectPolicy != nil {
			sel = *r.SelectPolicy
		}
		d.write(level2, "Select Policy: %s\n", sel)
		d.write(level2, "Policies:\n")
		for _, p := range r.Policies {
			d.write(level3, "- Type: %s\tValue: %d\tPeriod: %d seconds\n", p.Type, p.Value, p.PeriodSeconds)
		}
	}
}
