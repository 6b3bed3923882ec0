package podautoscaler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
	"minik8s/pkg/labels"
)

// Event types.
const (
	eventNormal  = "Normal"
	eventWarning = "Warning"
)

// reconcileAutoscaler is one sync of an HPA, step for step Kubernetes'
// reconcileAutoscaler: scale, metrics, proposal, normalization, rescale,
// status.
func (c *Controller) reconcileAutoscaler(ctx context.Context, shared *api.HorizontalPodAutoscaler, key string) error {
	hpa := deepCopyHPA(shared)
	original := statusJSON(hpa)
	now := c.cfg.Now()
	ref := hpa.Spec.ScaleTargetRef
	reference := fmt.Sprintf("%s/%s/%s", ref.Kind, hpa.Namespace, ref.Name)

	info, err := resourceForGroupKind(ref.APIVersion, ref.Kind)
	if err != nil {
		return c.failedGetScale(ctx, hpa, original, err)
	}
	scale, err := c.scales.GetScale(ctx, info, hpa.Namespace, ref.Name)
	if err != nil {
		return c.failedGetScale(ctx, hpa, original, fmt.Errorf("failed to query scale subresource for %s: %w", reference, err))
	}
	setCondition(hpa, now, AbleToScale, api.ConditionTrue, "SucceededGetScale", "the HPA controller was able to get the target's current scale")
	currentReplicas := scale.Spec.Replicas
	c.recordInitialRecommendation(currentReplicas, key, now)

	var (
		metricStatuses  []api.MetricStatus
		desiredReplicas int32
		rescaleReason   string
		retErr          error
	)
	minReplicas := int32(1)
	if hpa.Spec.MinReplicas != nil {
		minReplicas = *hpa.Spec.MinReplicas
	}
	rescale := true
	switch {
	case currentReplicas == 0 && minReplicas != 0:
		desiredReplicas, rescale = 0, false
		setCondition(hpa, now, ScalingActive, api.ConditionFalse, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")
	case currentReplicas > hpa.Spec.MaxReplicas:
		rescaleReason, desiredReplicas = "Current number of replicas above Spec.MaxReplicas", hpa.Spec.MaxReplicas
	case currentReplicas < minReplicas:
		rescaleReason, desiredReplicas = "Current number of replicas below Spec.MinReplicas", minReplicas
	default:
		proposal, metricName, statuses, err := c.computeReplicasForMetrics(ctx, hpa, scale, now)
		metricStatuses = statuses
		if err != nil && proposal == -1 {
			c.setStatus(hpa, currentReplicas, hpa.Status.DesiredReplicas, metricStatuses, false, now)
			if uerr := c.updateStatusIfNeeded(ctx, original, hpa); uerr != nil {
				err = errors.Join(err, uerr)
			}
			c.recorder.Event(hpa, eventWarning, "FailedComputeMetricsReplicas", err.Error())
			return fmt.Errorf("failed to compute desired number of replicas based on listed metrics for %s: %w", reference, err)
		}
		retErr = err // some metrics failed; scale on the others
		rescaleMetric := ""
		if proposal > desiredReplicas {
			desiredReplicas, rescaleMetric = proposal, metricName
		}
		if desiredReplicas > currentReplicas {
			rescaleReason = rescaleMetric + " above target"
		}
		if desiredReplicas < currentReplicas {
			rescaleReason = "All metrics below target"
		}
		if hpa.Spec.Behavior == nil {
			desiredReplicas = c.normalizeDesiredReplicas(hpa, key, currentReplicas, desiredReplicas, minReplicas, now)
		} else {
			desiredReplicas = c.normalizeDesiredReplicasWithBehaviors(hpa, key, currentReplicas, desiredReplicas, minReplicas, now)
		}
		rescale = desiredReplicas != currentReplicas
	}

	if rescale {
		scale.Spec.Replicas = desiredReplicas
		if _, err := c.scales.UpdateScale(ctx, info, hpa.Namespace, scale); err != nil {
			c.recorder.Eventf(hpa, eventWarning, "FailedRescale", "New size: %d; reason: %s; error: %v", desiredReplicas, rescaleReason, err)
			setCondition(hpa, now, AbleToScale, api.ConditionFalse, "FailedUpdateScale", "the HPA controller was unable to update the target scale: %v", err)
			c.setStatus(hpa, currentReplicas, hpa.Status.DesiredReplicas, metricStatuses, false, now)
			if uerr := c.updateStatusIfNeeded(ctx, original, hpa); uerr != nil {
				err = errors.Join(err, uerr)
			}
			return fmt.Errorf("failed to rescale %s: %w", reference, err)
		}
		setCondition(hpa, now, AbleToScale, api.ConditionTrue, "SucceededRescale", "the HPA controller was able to update the target scale to %d", desiredReplicas)
		c.recorder.Eventf(hpa, eventNormal, "SuccessfulRescale", "New size: %d; reason: %s", desiredReplicas, rescaleReason)
		c.storeScaleEvent(hpa.Spec.Behavior, key, currentReplicas, desiredReplicas, now)
	} else {
		desiredReplicas = currentReplicas
	}
	c.setStatus(hpa, currentReplicas, desiredReplicas, metricStatuses, rescale, now)
	if err := c.updateStatusIfNeeded(ctx, original, hpa); err != nil {
		return err
	}
	return retErr
}

// resourceForGroupKind maps the target's group and kind to a resource, of
// any version (Kubernetes' RESTMappings of the GroupKind).
func resourceForGroupKind(apiVersion, kind string) (*api.ResourceInfo, error) {
	group, version, ok := strings.Cut(apiVersion, "/")
	if !ok {
		group, version = "", apiVersion
	}
	if version == "" || strings.Contains(version, "/") {
		return nil, fmt.Errorf("invalid API version in scale target reference: unexpected GroupVersion string: %s", apiVersion)
	}
	for _, r := range api.Resources {
		if r.Group == group && r.Kind == kind {
			return r, nil
		}
	}
	return nil, fmt.Errorf("unable to determine resource for scale target reference: no matches for kind %q in group %q", kind, group)
}

// failedGetScale reports that the target's scale could not be read.
func (c *Controller) failedGetScale(ctx context.Context, hpa *api.HorizontalPodAutoscaler, original []byte, err error) error {
	c.recorder.Event(hpa, eventWarning, "FailedGetScale", err.Error())
	setCondition(hpa, c.cfg.Now(), AbleToScale, api.ConditionFalse, "FailedGetScale", "the HPA controller was unable to get the target's current scale: %v", err)
	if uerr := c.updateStatusIfNeeded(ctx, original, hpa); uerr != nil {
		return errors.Join(err, uerr)
	}
	return err
}

// computeReplicasForMetrics proposes a count per metric and returns the
// largest, with the metric's description and every metric's status. With
// every metric failing, or some failing while the others would scale down,
// it returns -1 and sets ScalingActive from the first failure; otherwise
// ScalingActive is True (ValidMetricFound), with the first error if any.
func (c *Controller) computeReplicasForMetrics(ctx context.Context, hpa *api.HorizontalPodAutoscaler, scale *api.Scale, now time.Time) (int32, string, []api.MetricStatus, error) {
	selector, err := c.validateAndParseSelector(hpa, scale.Status.Selector, now)
	if err != nil {
		return -1, "", nil, err
	}
	specReplicas := scale.Spec.Replicas
	statuses := make([]api.MetricStatus, len(hpa.Spec.Metrics))
	var (
		replicas     int32
		metric       string
		invalid      int
		firstErr     error
		firstInvalid api.HorizontalPodAutoscalerCondition
	)
	for i, spec := range hpa.Spec.Metrics {
		proposal, name, cond, err := c.computeReplicasForMetric(ctx, hpa, spec, specReplicas, selector, &statuses[i])
		if err != nil {
			if invalid == 0 {
				firstInvalid, firstErr = cond, err
			}
			invalid++
			continue
		}
		if replicas == 0 || proposal > replicas {
			replicas, metric = proposal, name
		}
	}
	if firstErr != nil {
		firstErr = fmt.Errorf("invalid metrics (%v invalid out of %v), first error is: %w", invalid, len(hpa.Spec.Metrics), firstErr)
	}
	if invalid >= len(hpa.Spec.Metrics) || (invalid > 0 && replicas < specReplicas) {
		setCondition(hpa, now, firstInvalid.Type, firstInvalid.Status, firstInvalid.Reason, "%s", firstInvalid.Message)
		return -1, "", statuses, firstErr
	}
	setCondition(hpa, now, ScalingActive, api.ConditionTrue, "ValidMetricFound", "the HPA was able to successfully calculate a replica count from %s", metric)
	return replicas, metric, statuses, firstErr
}

// validateAndParseSelector parses the scale's selector; a missing or
// invalid one, or pods that another HPA also selects, make ScalingActive
// False.
func (c *Controller) validateAndParseSelector(hpa *api.HorizontalPodAutoscaler, selector string, now time.Time) (labels.Selector, error) {
	if selector == "" {
		c.recorder.Event(hpa, eventWarning, "SelectorRequired", "selector is required")
		setCondition(hpa, now, ScalingActive, api.ConditionFalse, "InvalidSelector", "the HPA target's scale is missing a selector")
		return nil, errors.New("selector is required")
	}
	sel, err := labels.Parse(selector)
	if err != nil {
		msg := fmt.Sprintf("couldn't convert selector into a corresponding internal selector object: %v", err)
		c.recorder.Event(hpa, eventWarning, "InvalidSelector", msg)
		setCondition(hpa, now, ScalingActive, api.ConditionFalse, "InvalidSelector", "%s", msg)
		return nil, errors.New(msg)
	}
	if others := c.hpasSelectingPodsOf(hpa, sel); len(others) > 1 {
		msg := fmt.Sprintf("pods by selector %v are controlled by multiple HPAs: %v", selector, others)
		c.recorder.Event(hpa, eventWarning, "AmbiguousSelector", msg)
		setCondition(hpa, now, ScalingActive, api.ConditionFalse, "AmbiguousSelector", "%s", msg)
		return nil, errors.New(msg)
	}
	return sel, nil
}

// hpasSelectingPodsOf records the HPA's selector and lists (sorted) the
// HPAs of its namespace whose last-seen selectors match any of the pods it
// selects, itself included: more than one means they would fight.
func (c *Controller) hpasSelectingPodsOf(hpa *api.HorizontalPodAutoscaler, sel labels.Selector) []string {
	key := hpa.Namespace + "/" + hpa.Name
	pods := c.listPods(hpa.Namespace, sel)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.selectors[key] = sel
	var out []string
	for k, s := range c.selectors {
		if !strings.HasPrefix(k, hpa.Namespace+"/") {
			continue
		}
		for _, p := range pods {
			if s.Matches(p.Labels) {
				out = append(out, k)
				break
			}
		}
	}
	sort.Strings(out)
	return out
}

// computeReplicasForMetric proposes a count for one metric and fills its
// status; on failure it returns the ScalingActive condition to report
// (and records the warning event).
func (c *Controller) computeReplicasForMetric(ctx context.Context, hpa *api.HorizontalPodAutoscaler, spec api.MetricSpec, specReplicas int32, selector labels.Selector, status *api.MetricStatus) (int32, string, api.HorizontalPodAutoscalerCondition, error) {
	if spec.Type != api.ResourceMetricSourceType || spec.Resource == nil {
		err := fmt.Errorf("unknown metric source type %q", spec.Type)
		return 0, "", c.unableToCompute(hpa, "InvalidMetricSourceType", err), err
	}
	res := spec.Resource
	proposal, current, name, err := c.computeResourceMetric(ctx, hpa, specReplicas, res.Target, res.Name, selector)
	if err != nil {
		cond := c.unableToCompute(hpa, "FailedGetResourceMetric", err)
		return 0, "", cond, fmt.Errorf("failed to get %s resource metric value: %w", res.Name, err)
	}
	*status = api.MetricStatus{Type: api.ResourceMetricSourceType, Resource: &api.ResourceMetricStatus{Name: res.Name, Current: current}}
	return proposal, name, api.HorizontalPodAutoscalerCondition{}, nil
}

// computeResourceMetric is the proposal of a Resource metric: AverageValue
// against the pods' average usage, Utilization against their requests.
func (c *Controller) computeResourceMetric(ctx context.Context, hpa *api.HorizontalPodAutoscaler, specReplicas int32, target api.MetricTarget, resource string, selector labels.Selector) (int32, api.MetricValueStatus, string, error) {
	if target.AverageValue == nil && target.AverageUtilization == nil {
		return 0, api.MetricValueStatus{}, "", errors.New("invalid resource metric source: neither an average utilization target nor an average value (usage) target was set")
	}
	podMetrics, _, err := c.metrics.GetResourceMetric(ctx, resource, hpa.Namespace, selector)
	if err != nil {
		err = fmt.Errorf("unable to get metrics for resource %s: %w", resource, err)
	}
	pods := c.listPods(hpa.Namespace, selector)
	tol := c.tolerances(hpa)
	if target.AverageValue != nil {
		if err != nil {
			return 0, api.MetricValueStatus{}, "", fmt.Errorf("failed to get %s usage: %w", resource, err)
		}
		n, usage, err := c.calc.GetRawResourceReplicas(specReplicas, target.AverageValue.MilliValue(), resource, tol, pods, podMetrics)
		if err != nil {
			return 0, api.MetricValueStatus{}, "", fmt.Errorf("failed to get %s usage: %w", resource, err)
		}
		return n, api.MetricValueStatus{AverageValue: milliQuantity(usage)}, resource + " resource", nil
	}
	if err != nil {
		return 0, api.MetricValueStatus{}, "", fmt.Errorf("failed to get %s utilization: %w", resource, err)
	}
	n, util, raw, err := c.calc.GetResourceReplicas(specReplicas, *target.AverageUtilization, resource, tol, pods, podMetrics)
	if err != nil {
		return 0, api.MetricValueStatus{}, "", fmt.Errorf("failed to get %s utilization: %w", resource, err)
	}
	return n, api.MetricValueStatus{AverageUtilization: &util, AverageValue: milliQuantity(raw)}, resource + " resource utilization (percentage of request)", nil
}

// unableToCompute records the warning event and returns ScalingActive False.
func (c *Controller) unableToCompute(hpa *api.HorizontalPodAutoscaler, reason string, err error) api.HorizontalPodAutoscalerCondition {
	c.recorder.Event(hpa, eventWarning, reason, err.Error())
	return api.HorizontalPodAutoscalerCondition{
		Type: ScalingActive, Status: api.ConditionFalse, Reason: reason,
		Message: fmt.Sprintf("the HPA was unable to compute the replica count: %v", err),
	}
}

// tolerances are the configured tolerance, overridden per direction by
// the behavior's scaleUp/scaleDown tolerance.
func (c *Controller) tolerances(hpa *api.HorizontalPodAutoscaler) Tolerances {
	t := Tolerances{Down: c.cfg.Tolerance, Up: c.cfg.Tolerance}
	if b := hpa.Spec.Behavior; b != nil {
		if b.ScaleDown != nil && b.ScaleDown.Tolerance != nil {
			t.Down = b.ScaleDown.Tolerance.AsApproximateFloat64()
		}
		if b.ScaleUp != nil && b.ScaleUp.Tolerance != nil {
			t.Up = b.ScaleUp.Tolerance.AsApproximateFloat64()
		}
	}
	return t
}

// normalizeDesiredReplicas is the no-behavior normalization: the highest
// recommendation of the downscale stabilization window, then min/max and
// the scale-up limit.
func (c *Controller) normalizeDesiredReplicas(hpa *api.HorizontalPodAutoscaler, key string, current, desired, minReplicas int32, now time.Time) int32 {
	c.mu.Lock()
	stabilized, recs := stabilizeRecommendation(c.recommendations[key], desired, c.cfg.DownscaleStabilization, now)
	c.recommendations[key] = recs
	c.mu.Unlock()
	if stabilized != desired {
		setCondition(hpa, now, AbleToScale, api.ConditionTrue, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
	} else {
		setCondition(hpa, now, AbleToScale, api.ConditionTrue, "ReadyForNewScale", "recommended size matches current size")
	}
	out, reason, msg := convertDesiredReplicasWithRules(current, stabilized, minReplicas, hpa.Spec.MaxReplicas)
	setLimited(hpa, now, out != stabilized, reason, msg)
	return out
}

// normalizeDesiredReplicasWithBehaviors stabilizes with the behavior's
// windows and limits the rate with its policies.
func (c *Controller) normalizeDesiredReplicasWithBehaviors(hpa *api.HorizontalPodAutoscaler, key string, current, desired, minReplicas int32, now time.Time) int32 {
	b := c.effectiveBehavior(hpa)
	arg := normalizationArg{
		ScaleUpBehavior: b.ScaleUp, ScaleDownBehavior: b.ScaleDown,
		MinReplicas: minReplicas, MaxReplicas: hpa.Spec.MaxReplicas,
		CurrentReplicas: current, DesiredReplicas: desired,
	}
	c.mu.Lock()
	stabilized, reason, msg, recs := stabilizeRecommendationWithBehaviors(c.recommendations[key], arg, now)
	c.recommendations[key] = recs
	arg.DesiredReplicas = stabilized
	out, limReason, limMsg := convertDesiredReplicasWithBehaviorRate(arg, c.scaleUpEvents[key], c.scaleDownEvents[key], now)
	c.mu.Unlock()
	if stabilized != desired {
		setCondition(hpa, now, AbleToScale, api.ConditionTrue, reason, "%s", msg)
	} else {
		setCondition(hpa, now, AbleToScale, api.ConditionTrue, "ReadyForNewScale", "recommended size matches current size")
	}
	setLimited(hpa, now, out != stabilized, limReason, limMsg)
	return out
}

// effectiveBehavior fills what the HPA's behavior leaves unset with
// Kubernetes' defaults; an unset scale-down window is the
// --horizontal-pod-autoscaler-downscale-stabilization.
func (c *Controller) effectiveBehavior(hpa *api.HorizontalPodAutoscaler) api.HorizontalPodAutoscalerBehavior {
	var downWindowSet bool
	if b := hpa.Spec.Behavior; b != nil && b.ScaleDown != nil && b.ScaleDown.StabilizationWindowSeconds != nil {
		downWindowSet = true
	}
	b := validation.EffectiveBehavior(&hpa.Spec)
	if !downWindowSet {
		down := *b.ScaleDown
		w := int32(c.cfg.DownscaleStabilization.Seconds())
		down.StabilizationWindowSeconds = &w
		b.ScaleDown = &down
	}
	return b
}

func setLimited(hpa *api.HorizontalPodAutoscaler, now time.Time, limited bool, reason, msg string) {
	status := api.ConditionFalse
	if limited {
		status = api.ConditionTrue
	}
	setCondition(hpa, now, ScalingLimited, status, reason, "%s", msg)
}

// recordInitialRecommendation seeds a new HPA's recommendations with the
// current count.
func (c *Controller) recordInitialRecommendation(current int32, key string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.recommendations[key] == nil {
		c.recommendations[key] = []timestampedRecommendation{{current, now}}
	}
}

func (c *Controller) storeScaleEvent(b *api.HorizontalPodAutoscalerBehavior, key string, prev, next int32, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.scaleUpEvents[key], c.scaleDownEvents[key] = storeScaleEvent(b, c.scaleUpEvents[key], c.scaleDownEvents[key], prev, next, now)
}

// setStatus rewrites the status' counts and metrics, keeping the
// conditions; a rescale sets lastScaleTime.
func (c *Controller) setStatus(hpa *api.HorizontalPodAutoscaler, current, desired int32, statuses []api.MetricStatus, rescale bool, now time.Time) {
	hpa.Status = api.HorizontalPodAutoscalerStatus{
		CurrentReplicas: current, DesiredReplicas: desired,
		LastScaleTime:  hpa.Status.LastScaleTime,
		CurrentMetrics: statuses,
		Conditions:     hpa.Status.Conditions,
	}
	if rescale {
		t := api.NewTime(now.UTC().Truncate(time.Second))
		hpa.Status.LastScaleTime = &t
	}
}

// updateStatusIfNeeded writes the status when it changed.
func (c *Controller) updateStatusIfNeeded(ctx context.Context, original []byte, hpa *api.HorizontalPodAutoscaler) error {
	if bytes.Equal(original, statusJSON(hpa)) {
		return nil
	}
	if err := c.updateStatus(ctx, hpa); err != nil {
		c.recorder.Event(hpa, eventWarning, "FailedUpdateStatus", err.Error())
		return fmt.Errorf("failed to update status for %s: %w", hpa.Name, err)
	}
	return nil
}

func statusJSON(hpa *api.HorizontalPodAutoscaler) []byte {
	b, _ := json.Marshal(hpa.Status)
	return b
}

// deepCopyHPA copies an HPA from the informer's cache (a JSON round trip).
func deepCopyHPA(in *api.HorizontalPodAutoscaler) *api.HorizontalPodAutoscaler {
	b, _ := json.Marshal(in)
	out := &api.HorizontalPodAutoscaler{}
	_ = json.Unmarshal(b, out)
	return out
}

func milliQuantity(v int64) *api.Quantity {
	return resource.NewMilliQuantity(v, resource.DecimalSI)
}
