package podautoscaler

import (
	"math"
	"time"

	"minik8s/pkg/api"
)

// Kubernetes' limit on scale-up when an HPA has no behavior: at most
// double the replicas, or 4, whichever is more, per sync.
const (
	scaleUpLimitFactor  = 2.0
	scaleUpLimitMinimum = 4.0
)

// timestampedRecommendation is one unstabilized recommendation.
type timestampedRecommendation struct {
	recommendation int32
	timestamp      time.Time
}

// timestampedScaleEvent is one rescale; outdated ones (older than the
// longest policy period) are reused for the next event.
type timestampedScaleEvent struct {
	replicaChange int32 // absolute
	timestamp     time.Time
	outdated      bool
}

// normalizationArg is what normalizing with behavior needs.
type normalizationArg struct {
	ScaleUpBehavior, ScaleDownBehavior *api.HPAScalingRules
	MinReplicas, MaxReplicas           int32
	CurrentReplicas, DesiredReplicas   int32
}

// stabilizeRecommendation is the no-behavior stabilization: the highest
// recommendation within window (the downscale stabilization). It records
// desired, reusing an entry older than the window.
func stabilizeRecommendation(recs []timestampedRecommendation, desired int32, window time.Duration, now time.Time) (int32, []timestampedRecommendation) {
	maxRec := desired
	oldIndex := -1
	cutoff := now.Add(-window)
	for i, r := range recs {
		if r.timestamp.Before(cutoff) {
			oldIndex = i
		} else if r.recommendation > maxRec {
			maxRec = r.recommendation
		}
	}
	return maxRec, recordRecommendation(recs, oldIndex, timestampedRecommendation{desired, now})
}

func recordRecommendation(recs []timestampedRecommendation, reuse int, r timestampedRecommendation) []timestampedRecommendation {
	if reuse >= 0 {
		recs[reuse] = r
		return recs
	}
	return append(recs, r)
}

// stabilizeRecommendationWithBehaviors bounds the recommendation by the
// lowest one within the scale-up window and the highest within the
// scale-down window, records the unstabilized one (reusing an entry older
// than both windows), and names the stabilization reason.
func stabilizeRecommendationWithBehaviors(recs []timestampedRecommendation, a normalizationArg, now time.Time) (int32, string, string, []timestampedRecommendation) {
	upRec, downRec := a.DesiredReplicas, a.DesiredReplicas
	upCutoff := now.Add(-time.Duration(*a.ScaleUpBehavior.StabilizationWindowSeconds) * time.Second)
	downCutoff := now.Add(-time.Duration(*a.ScaleDownBehavior.StabilizationWindowSeconds) * time.Second)
	oldIndex := -1
	for i, r := range recs {
		if r.timestamp.After(upCutoff) {
			upRec = min(r.recommendation, upRec)
		}
		if r.timestamp.After(downCutoff) {
			downRec = max(r.recommendation, downRec)
		}
		if r.timestamp.Before(upCutoff) && r.timestamp.Before(downCutoff) {
			oldIndex = i
		}
	}
	rec := a.CurrentReplicas
	if rec < upRec {
		rec = upRec
	}
	if rec > downRec {
		rec = downRec
	}
	recs = recordRecommendation(recs, oldIndex, timestampedRecommendation{a.DesiredReplicas, now})
	if a.DesiredReplicas >= a.CurrentReplicas {
		return rec, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation", recs
	}
	return rec, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation", recs
}

// convertDesiredReplicasWithBehaviorRate applies the policies' rate limits
// and min/max replicas to the stabilized recommendation.
func convertDesiredReplicasWithBehaviorRate(a normalizationArg, up, down []timestampedScaleEvent, now time.Time) (int32, string, string) {
	switch {
	case a.DesiredReplicas > a.CurrentReplicas:
		limit := calculateScaleUpLimitWithScalingRules(a.CurrentReplicas, up, down, a.ScaleUpBehavior, now)
		if limit < a.CurrentReplicas {
			limit = a.CurrentReplicas // no further scale-up until old events expire
		}
		maxAllowed, reason, msg := a.MaxReplicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count"
		if maxAllowed > limit {
			maxAllowed, reason, msg = limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
		}
		if a.DesiredReplicas > maxAllowed {
			return maxAllowed, reason, msg
		}
	case a.DesiredReplicas < a.CurrentReplicas:
		limit := calculateScaleDownLimitWithBehaviors(a.CurrentReplicas, up, down, a.ScaleDownBehavior, now)
		if limit > a.CurrentReplicas {
			limit = a.CurrentReplicas // no further scale-down until old events expire
		}
		minAllowed, reason, msg := a.MinReplicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
		if minAllowed < limit {
			minAllowed, reason, msg = limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate"
		}
		if a.DesiredReplicas < minAllowed {
			return minAllowed, reason, msg
		}
	}
	return a.DesiredReplicas, "DesiredWithinRange", "the desired count is within the acceptable range"
}

// convertDesiredReplicasWithRules is the no-behavior limit: min/max
// replicas and at most max(2*current, 4) on a scale-up.
func convertDesiredReplicasWithRules(current, desired, minReplicas, maxReplicas int32) (int32, string, string) {
	scaleUpLimit := calculateScaleUpLimit(current)
	maxAllowed, reason, msg := maxReplicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count"
	if maxReplicas > scaleUpLimit {
		maxAllowed, reason, msg = scaleUpLimit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"
	}
	if desired < minReplicas {
		return minReplicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
	}
	if desired > maxAllowed {
		return maxAllowed, reason, msg
	}
	return desired, "DesiredWithinRange", "the desired count is within the acceptable range"
}

func calculateScaleUpLimit(current int32) int32 {
	return int32(math.Max(scaleUpLimitFactor*float64(current), scaleUpLimitMinimum))
}

// getReplicasChangePerPeriod sums the changes of the events within the
// last periodSeconds.
func getReplicasChangePerPeriod(periodSeconds int32, events []timestampedScaleEvent, now time.Time) int32 {
	cutoff := now.Add(-time.Duration(periodSeconds) * time.Second)
	var n int32
	for _, e := range events {
		if e.timestamp.After(cutoff) {
			n += e.replicaChange
		}
	}
	return n
}

// periodStart is the replica count at the start of a policy's period.
func periodStart(current int32, p api.HPAScalingPolicy, up, down []timestampedScaleEvent, now time.Time) int32 {
	return current - getReplicasChangePerPeriod(p.PeriodSeconds, up, now) + getReplicasChangePerPeriod(p.PeriodSeconds, down, now)
}

// calculateScaleUpLimitWithScalingRules is the most replicas the scale-up
// policies allow now: per policy, the count at the start of its period
// plus Value pods or Value percent (rounded up); Max picks the largest,
// Min the smallest; Disabled allows none.
func calculateScaleUpLimitWithScalingRules(current int32, up, down []timestampedScaleEvent, rules *api.HPAScalingRules, now time.Time) int32 {
	sel := selectPolicy(rules)
	if sel == api.DisabledPolicySelect {
		return current
	}
	result, pick := int32(math.MinInt32), maxInt32
	if sel == api.MinChangePolicySelect {
		result, pick = math.MaxInt32, minInt32
	}
	for _, p := range rules.Policies {
		start := periodStart(current, p, up, down, now)
		var proposed int32
		switch p.Type {
		case api.PodsScalingPolicy:
			proposed = start + p.Value
		case api.PercentScalingPolicy:
			proposed = int32(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		}
		result = pick(result, proposed)
	}
	return result
}

// calculateScaleDownLimitWithBehaviors is the fewest replicas the
// scale-down policies allow now: per policy, the count at the start of its
// period minus Value pods or Value percent (rounded down, so the count
// rounds up); Max picks the largest change (the lowest count), Min the
// smallest; Disabled allows none.
func calculateScaleDownLimitWithBehaviors(current int32, up, down []timestampedScaleEvent, rules *api.HPAScalingRules, now time.Time) int32 {
	sel := selectPolicy(rules)
	if sel == api.DisabledPolicySelect {
		return current
	}
	result, pick := int32(math.MaxInt32), minInt32
	if sel == api.MinChangePolicySelect {
		result, pick = math.MinInt32, maxInt32
	}
	for _, p := range rules.Policies {
		start := periodStart(current, p, up, down, now)
		var proposed int32
		switch p.Type {
		case api.PodsScalingPolicy:
			proposed = start - p.Value
		case api.PercentScalingPolicy:
			proposed = int32(float64(start) * (1 - float64(p.Value)/100))
		}
		result = pick(result, proposed)
	}
	return result
}

func selectPolicy(r *api.HPAScalingRules) string {
	if r.SelectPolicy == nil {
		return api.MaxChangePolicySelect
	}
	return *r.SelectPolicy
}

func maxInt32(a, b int32) int32 { return max(a, b) }
func minInt32(a, b int32) int32 { return min(a, b) }

// getLongestPolicyPeriod is the longest periodSeconds of the rules.
func getLongestPolicyPeriod(r *api.HPAScalingRules) int32 {
	var longest int32
	for _, p := range r.Policies {
		longest = max(longest, p.PeriodSeconds)
	}
	return longest
}

// markScaleEventsOutdated flags the events older than the longest period.
func markScaleEventsOutdated(events []timestampedScaleEvent, longestPeriod int32, now time.Time) {
	cutoff := now.Add(-time.Duration(longestPeriod) * time.Second)
	for i := range events {
		if events[i].timestamp.Before(cutoff) {
			events[i].outdated = true
		}
	}
}

// storeScaleEvent records a rescale from prev to next replicas in the
// events of its direction (only for HPAs with a behavior), reusing an
// outdated entry; it returns the updated up and down events.
func storeScaleEvent(behavior *api.HorizontalPodAutoscalerBehavior, up, down []timestampedScaleEvent, prev, next int32, now time.Time) ([]timestampedScaleEvent, []timestampedScaleEvent) {
	if behavior == nil {
		return up, down
	}
	add := func(events []timestampedScaleEvent, rules *api.HPAScalingRules, change int32) []timestampedScaleEvent {
		var longest int32
		if rules != nil {
			longest = getLongestPolicyPeriod(rules)
		}
		markScaleEventsOutdated(events, longest, now)
		reuse := -1
		for i, e := range events {
			if e.outdated {
				reuse = i
			}
		}
		ev := timestampedScaleEvent{replicaChange: change, timestamp: now}
		if reuse >= 0 {
			events[reuse] = ev
			return events
		}
		return append(events, ev)
	}
	if next > prev {
		return add(up, behavior.ScaleUp, next-prev), down
	}
	return up, add(down, behavior.ScaleDown, prev-next)
}
