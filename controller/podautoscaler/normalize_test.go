package podautoscaler

import (
	"testing"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

func ptr[T any](v T) *T { return &v }

// generateScalingRules is Kubernetes' test helper: a Pods policy and a
// Percent policy (either left out when its value is 0), select Max.
func generateScalingRules(pods, podsPeriod, percent, percentPeriod, window int32) *api.HPAScalingRules {
	r := &api.HPAScalingRules{StabilizationWindowSeconds: ptr(window), SelectPolicy: ptr(api.MaxChangePolicySelect)}
	if pods != 0 {
		r.Policies = append(r.Policies, api.HPAScalingPolicy{Type: api.PodsScalingPolicy, Value: pods, PeriodSeconds: podsPeriod})
	}
	if percent != 0 {
		r.Policies = append(r.Policies, api.HPAScalingPolicy{Type: api.PercentScalingPolicy, Value: percent, PeriodSeconds: percentPeriod})
	}
	return r
}

// generateEventsUniformDistribution spreads the events over the last
// periodSeconds, each in the middle of its segment.
func generateEventsUniformDistribution(raw []int32, periodSeconds int) []timestampedScaleEvent {
	out := make([]timestampedScaleEvent, len(raw))
	seg := float64(periodSeconds) / float64(len(raw))
	for i, e := range raw {
		ago := float64(periodSeconds) - seg*float64(i+1) + seg/2
		out[i] = timestampedScaleEvent{replicaChange: e, timestamp: testNow.Add(-time.Duration(ago * float64(time.Second)))}
	}
	return out
}

// TestScalingWithRules is Kubernetes' table of the same name
// (convertDesiredReplicasWithBehaviorRate).
func TestScalingWithRules(t *testing.T) {
	cases := []struct {
		name               string
		up, down           []timestampedScaleEvent
		min, max           int32
		upRules, downRules *api.HPAScalingRules
		current, desired   int32
		want               int32
		wantCondition      string
	}{
		{name: "prenormalized desired replicas within range", current: 5, desired: 7, min: 3, max: 8, want: 7, wantCondition: "DesiredWithinRange"},
		{name: "prenormalized desired replicas < minReplicas", current: 3, desired: 1, min: 2, max: 8, want: 2, wantCondition: "TooFewReplicas"},
		{name: "prenormalized desired replicas within range when minReplicas is 0", current: 1, desired: 0, min: 0, max: 10, want: 0, wantCondition: "DesiredWithinRange"},
		{name: "maxReplicas is the limit because maxReplicas < scaleUpLimit", current: 20, desired: 1000, min: 1, max: 10, want: 10, wantCondition: "TooManyReplicas"},
		{name: "desired replica count is more than the maximum replica count", current: 100, desired: 1000, min: 100, max: 150, want: 150, wantCondition: "TooManyReplicas"},
		{name: "scaleUpLimit is the limit because scaleUpLimit < maxReplicas with user policies", current: 3, desired: 1000, min: 1, max: 2000,
			upRules: generateScalingRules(0, 0, 1, 60, 0), want: 4, wantCondition: "ScaleUpLimit"},
		{name: "scaleDownLimit is the limit because scaleDownLimit > minReplicas with user defined policies", current: 1000, desired: 3, min: 3, max: 2000,
			downRules: generateScalingRules(20, 60, 0, 0, 0), want: 980, wantCondition: "ScaleDownLimit"},
		{name: "scaleUp with default behavior", min: 1, max: 1000, current: 10, desired: 50, want: 20, wantCondition: "ScaleUpLimit"},
		{name: "scaleUp with pods policy larger than percent policy", min: 1, max: 1000, upRules: generateScalingRules(100, 60, 100, 60, 0),
			current: 10, desired: 500, want: 110, wantCondition: "ScaleUpLimit"},
		{name: "scaleUp with percent policy larger than pods policy", min: 1, max: 1000, upRules: generateScalingRules(2, 60, 100, 60, 0),
			current: 10, desired: 500, want: 20, wantCondition: "ScaleUpLimit"},
		{name: "scaleUp with spec MaxReplicas limitation with large pod policy", min: 1, max: 1000, upRules: generateScalingRules(100, 60, 0, 0, 0),
			current: 10, desired: 50, want: 50, wantCondition: "DesiredWithinRange"},
		{name: "scaleUp with spec MaxReplicas limitation with large percent policy", min: 1, max: 1000, upRules: generateScalingRules(10000, 60, 0, 0, 0),
			current: 10, desired: 50, want: 50, wantCondition: "DesiredWithinRange"},
		{name: "scaleUp with pod policy limitation", min: 1, max: 1000, upRules: generateScalingRules(30, 60, 0, 0, 0),
			current: 10, desired: 50, want: 40, wantCondition: "ScaleUpLimit"},
		{name: "scaleUp with percent policy limitation", min: 1, max: 1000, upRules: generateScalingRules(0, 0, 200, 60, 0),
			current: 10, desired: 50, want: 30, wantCondition: "ScaleUpLimit"},
		{name: "scaleDown with percent policy larger than pod policy", min: 1, max: 1000, downRules: generateScalingRules(20, 60, 1, 60, 300),
			current: 100, desired: 2, want: 80, wantCondition: "ScaleDownLimit"},
		{name: "scaleDown with pod policy larger than percent policy", min: 1, max: 1000, downRules: generateScalingRules(2, 60, 1, 60, 300),
			current: 100, desired: 2, want: 98, wantCondition: "ScaleDownLimit"},
		{name: "scaleDown with spec MinReplicas=nil limitation with large pod policy", min: 1, max: 1000, downRules: generateScalingRules(100, 60, 0, 0, 300),
			current: 10, desired: 0, want: 1, wantCondition: "TooFewReplicas"},
		{name: "scaleDown with spec MinReplicas limitation with large percent policy", min: 5, max: 1000, downRules: generateScalingRules(0, 0, 100, 60, 300),
			current: 10, desired: 2, want: 5, wantCondition: "TooFewReplicas"},
		{name: "scaleDown with pod policy limitation", min: 1, max: 1000, downRules: generateScalingRules(5, 60, 0, 0, 300),
			current: 10, desired: 2, want: 5, wantCondition: "ScaleDownLimit"},
		{name: "scaleDown with percent policy limitation", min: 1, max: 1000, downRules: generateScalingRules(0, 0, 50, 60, 300),
			current: 10, desired: 5, want: 5, wantCondition: "DesiredWithinRange"},
		{name: "scaleUp with spec MaxReplicas limitation with large pod policy and events", up: generateEventsUniformDistribution([]int32{1, 5, 9}, 120),
			min: 1, max: 200, upRules: generateScalingRules(300, 60, 0, 0, 0), current: 100, desired: 500, want: 200, wantCondition: "TooManyReplicas"},
		{name: "scaleUp with spec MaxReplicas limitation with large percent policy and events", up: generateEventsUniformDistribution([]int32{1, 5, 9}, 120),
			min: 1, max: 200, upRules: generateScalingRules(0, 0, 10000, 60, 0), current: 100, desired: 500, want: 200, wantCondition: "TooManyReplicas"},
		{name: "scaleUp with currentReplicas limitation with rate.PeriodSeconds with a lot of recent scale up events", up: generateEventsUniformDistribution([]int32{1, 5, 9}, 120),
			min: 1, max: 1000, upRules: generateScalingRules(5, 120, 0, 0, 0), current: 100, desired: 500, want: 100, wantCondition: "ScaleUpLimit"},
		{name: "scaleUp with pod policy and previous scale up events", up: generateEventsUniformDistribution([]int32{1, 5, 9}, 120),
			min: 1, max: 1000, upRules: generateScalingRules(150, 120, 0, 0, 0), current: 100, desired: 500, want: 235, wantCondition: "ScaleUpLimit"},
		{name: "scaleUp with percent policy and previous scale up events", up: generateEventsUniformDistribution([]int32{1, 5, 9}, 120),
			min: 1, max: 1000, upRules: generateScalingRules(0, 0, 200, 120, 0), current: 100, desired: 500, want: 255, wantCondition: "ScaleUpLimit"},
		{name: "scaleDown with default policy and previous events", down: generateEventsUniformDistribution([]int32{1, 5, 9}, 120),
			min: 1, max: 1000, current: 10, desired: 5, want: 5, wantCondition: "DesiredWithinRange"},
		{name: "scaleDown with spec MinReplicas=nil limitation with large pod policy and previous events", down: generateEventsUniformDistribution([]int32{1, 5, 9}, 120),
			min: 1, max: 1000, downRules: generateScalingRules(115, 120, 0, 0, 300), current: 100, desired: 0, want: 1, wantCondition: "TooFewReplicas"},
		{name: "scaleDown with spec MinReplicas limitation with large pod policy and previous events", down: generateEventsUniformDistribution([]int32{1, 5, 9}, 120),
			min: 5, max: 1000, downRules: generateScalingRules(130, 120, 0, 0, 300), current: 100, desired: 0, want: 5, wantCondition: "TooFewReplicas"},
		{name: "scaleDown with spec MinReplicas limitation with large percent policy and previous events", down: generateEventsUniformDistribution([]int32{1, 5, 9}, 120),
			min: 5, max: 1000, downRules: generateScalingRules(0, 0, 100, 120, 300), current: 100, desired: 2, want: 5, wantCondition: "TooFewReplicas"},
		{name: "scaleDown with pod policy limitation and previous events", down: generateEventsUniformDistribution([]int32{1, 5, 9}, 120),
			min: 1, max: 1000, downRules: generateScalingRules(5, 120, 0, 0, 300), current: 100, desired: 2, want: 100, wantCondition: "ScaleDownLimit"},
		{name: "scaleDown with percent policy limitation and previous events", down: generateEventsUniformDistribution([]int32{2, 4, 6}, 120),
			min: 1, max: 1000, downRules: generateScalingRules(0, 0, 50, 120, 300), current: 100, desired: 0, want: 56, wantCondition: "ScaleDownLimit"},
		{name: "scaleDown with previous events preventing further scale down", down: generateEventsUniformDistribution([]int32{10, 10, 10}, 120),
			min: 1, max: 1000, downRules: generateScalingRules(0, 0, 10, 120, 300), current: 100, desired: 0, want: 100, wantCondition: "ScaleDownLimit"},
		{name: "scaleDown with with previous events still allowing more scale down", down: generateEventsUniformDistribution([]int32{10, 10, 10}, 120),
			min: 1, max: 1000, downRules: generateScalingRules(0, 0, 1000, 120, 300), current: 10, desired: 5, want: 5, wantCondition: "DesiredWithinRange"},
		{name: "check 'outdated' flag for events for one behavior for up", up: generateEventsUniformDistribution([]int32{8, 12, 9, 11}, 120),
			min: 1, max: 1000, upRules: generateScalingRules(1000, 60, 0, 0, 0), current: 100, desired: 200, want: 200, wantCondition: "DesiredWithinRange"},
		{name: "check that events were not marked 'outdated' for two different policies in the behavior for up", up: generateEventsUniformDistribution([]int32{8, 12, 9, 11}, 120),
			min: 1, max: 1000, upRules: generateScalingRules(1000, 120, 100, 60, 0), current: 100, desired: 200, want: 200, wantCondition: "DesiredWithinRange"},
		{name: "check that events were marked 'outdated' for two different policies in the behavior for up", up: generateEventsUniformDistribution([]int32{8, 12, 9, 11}, 120),
			min: 1, max: 1000, upRules: generateScalingRules(1000, 30, 100, 60, 0), current: 100, desired: 200, want: 200, wantCondition: "DesiredWithinRange"},
		{name: "check 'outdated' flag for events for one behavior for down", down: generateEventsUniformDistribution([]int32{8, 12, 9, 11}, 120),
			min: 1, max: 1000, downRules: generateScalingRules(1000, 60, 0, 0, 300), current: 100, desired: 5, want: 5, wantCondition: "DesiredWithinRange"},
		{name: "check that events were not marked 'outdated' for two different policies in the behavior for down", down: generateEventsUniformDistribution([]int32{8, 12, 9, 11}, 120),
			min: 1, max: 1000, downRules: generateScalingRules(1000, 120, 100, 60, 300), current: 100, desired: 5, want: 5, wantCondition: "DesiredWithinRange"},
		{name: "check that events were marked 'outdated' for two different policies in the behavior for down", down: generateEventsUniformDistribution([]int32{8, 12, 9, 11}, 120),
			min: 1, max: 1000, downRules: generateScalingRules(1000, 30, 100, 60, 300), current: 100, desired: 5, want: 5, wantCondition: "DesiredWithinRange"},
		// Kubernetes' newer cases: scale events of the other direction count
		// in the period start (calculateScale{Up,Down}Limit*).
		{name: "scaleUp after recent scale down events starts from the higher count", down: generateEventsUniformDistribution([]int32{4}, 30),
			min: 1, max: 1000, upRules: generateScalingRules(4, 60, 0, 0, 0), current: 10, desired: 30, want: 18, wantCondition: "ScaleUpLimit"},
		{name: "scaleDown after recent scale up events starts from the lower count", up: generateEventsUniformDistribution([]int32{4}, 30),
			min: 1, max: 1000, downRules: generateScalingRules(2, 60, 0, 0, 300), current: 10, desired: 1, want: 4, wantCondition: "ScaleDownLimit"},
		// selectPolicy.
		{name: "scaleUp selectPolicy Min picks the smallest change", min: 1, max: 1000,
			upRules: withSelect(generateScalingRules(2, 60, 50, 60, 0), api.MinChangePolicySelect), current: 10, desired: 100, want: 12, wantCondition: "ScaleUpLimit"},
		{name: "scaleUp selectPolicy Disabled keeps the count", min: 1, max: 1000,
			upRules: withSelect(generateScalingRules(2, 60, 50, 60, 0), api.DisabledPolicySelect), current: 10, desired: 100, want: 10, wantCondition: "ScaleUpLimit"},
		{name: "scaleDown selectPolicy Min picks the smallest change", min: 1, max: 1000,
			downRules: withSelect(generateScalingRules(2, 60, 50, 60, 0), api.MinChangePolicySelect), current: 10, desired: 1, want: 8, wantCondition: "ScaleDownLimit"},
		{name: "scaleDown selectPolicy Disabled keeps the count", min: 1, max: 1000,
			downRules: withSelect(generateScalingRules(2, 60, 50, 60, 0), api.DisabledPolicySelect), current: 10, desired: 1, want: 10, wantCondition: "ScaleDownLimit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := validation.EffectiveBehavior(&api.HorizontalPodAutoscalerSpec{Behavior: &api.HorizontalPodAutoscalerBehavior{ScaleUp: tc.upRules, ScaleDown: tc.downRules}})
			arg := normalizationArg{ScaleUpBehavior: b.ScaleUp, ScaleDownBehavior: b.ScaleDown, MinReplicas: tc.min, MaxReplicas: tc.max,
				CurrentReplicas: tc.current, DesiredReplicas: tc.desired}
			got, cond, _ := convertDesiredReplicasWithBehaviorRate(arg, tc.up, tc.down, testNow)
			if got != tc.want || cond != tc.wantCondition {
				t.Errorf("got %d (%s), want %d (%s)", got, cond, tc.want, tc.wantCondition)
			}
		})
	}
}

func withSelect(r *api.HPAScalingRules, sel string) *api.HPAScalingRules {
	r.SelectPolicy = &sel
	return r
}

// TestCalculateLimits are Kubernetes' TestCalculateScaleUpLimitWithScalingRules
// and TestCalculateScaleDownLimitWithBehaviors (select Min).
func TestCalculateLimits(t *testing.T) {
	rules := withSelect(generateScalingRules(2, 60, 50, 60, 300), api.MinChangePolicySelect)
	if got := calculateScaleUpLimitWithScalingRules(1, nil, nil, rules, testNow); got != 2 {
		t.Errorf("scale-up limit = %d, want 2", got)
	}
	if got := calculateScaleDownLimitWithBehaviors(5, nil, nil, rules, testNow); got != 3 {
		t.Errorf("scale-down limit = %d, want 3", got)
	}
}

// TestConvertDesiredReplicasWithRules is the no-behavior conversion.
func TestConvertDesiredReplicasWithRules(t *testing.T) {
	for _, tc := range []struct {
		name                       string
		current, desired, min, max int32
		want                       int32
		wantCondition              string
	}{
		{"within range", 5, 7, 3, 8, 7, "DesiredWithinRange"},
		{"prenormalized desired replicas < minReplicas", 3, 1, 2, 8, 2, "TooFewReplicas"},
		{"prenormalized desired zeroed replicas within range", 1, 0, 0, 10, 0, "DesiredWithinRange"},
		{"maxReplicas is the limit because maxReplicas < scaleUpLimit", 20, 1000, 1, 10, 10, "TooManyReplicas"},
		{"scaleUpLimit is the limit because scaleUpLimit < maxReplicas", 3, 1000, 1, 2000, calculateScaleUpLimit(3), "ScaleUpLimit"},
		{"scale-up limit is 4 from 1 replica", 1, 10, 1, 20, 4, "ScaleUpLimit"},
	} {
		got, cond, _ := convertDesiredReplicasWithRules(tc.current, tc.desired, tc.min, tc.max)
		if got != tc.want || cond != tc.wantCondition {
			t.Errorf("%s: got %d (%s), want %d (%s)", tc.name, got, cond, tc.want, tc.wantCondition)
		}
	}
}

// TestStabilizeRecommendation is Kubernetes' TestNormalizeDesiredReplicas
// (no behavior: the downscale stabilization window, 5m).
func TestStabilizeRecommendation(t *testing.T) {
	ago := func(d time.Duration) time.Time { return testNow.Add(-d) }
	for _, tc := range []struct {
		name    string
		recs    []timestampedRecommendation
		desired int32
		want    int32
		wantLen int
	}{
		{"empty log", nil, 5, 5, 1},
		{"stabilize", []timestampedRecommendation{{4, ago(2 * time.Minute)}, {5, ago(time.Minute)}}, 3, 5, 3},
		{"no stabilize", []timestampedRecommendation{{1, ago(2 * time.Minute)}, {2, ago(time.Minute)}}, 3, 3, 3},
		{"no stabilize - old recommendations", []timestampedRecommendation{{10, ago(10 * time.Minute)}, {9, ago(9 * time.Minute)}}, 3, 3, 2},
		{"stabilize - old recommendations", []timestampedRecommendation{{10, ago(10 * time.Minute)}, {4, ago(time.Minute)}, {5, ago(2 * time.Minute)}, {9, ago(9 * time.Minute)}}, 3, 5, 4},
	} {
		got, recs := stabilizeRecommendation(tc.recs, tc.desired, 5*time.Minute, testNow)
		if got != tc.want || len(recs) != tc.wantLen {
			t.Errorf("%s: got %d with %d recommendations, want %d with %d", tc.name, got, len(recs), tc.want, tc.wantLen)
		}
	}
}

// TestStabilizeRecommendationWithBehaviors is Kubernetes'
// TestNormalizeDesiredReplicasWithBehavior.
func TestStabilizeRecommendationWithBehaviors(t *testing.T) {
	ago := func(d time.Duration) time.Time { return testNow.Add(-d) }
	for _, tc := range []struct {
		name             string
		recs             []timestampedRecommendation
		current, desired int32
		want             int32
		wantRecs         []int32
		upWindow, down   int32
		wantReason       string
	}{
		{name: "empty recommendations for scaling down", current: 100, desired: 5, want: 5, wantRecs: []int32{5}, wantReason: "ScaleDownStabilized"},
		{name: "simple scale down stabilization", recs: []timestampedRecommendation{{4, ago(2 * time.Minute)}, {5, ago(time.Minute)}},
			current: 100, desired: 3, want: 5, wantRecs: []int32{4, 5, 3}, down: 180, wantReason: "ScaleDownStabilized"},
		{name: "simple scale up stabilization", recs: []timestampedRecommendation{{4, ago(2 * time.Minute)}, {5, ago(time.Minute)}},
			current: 1, desired: 7, want: 4, wantRecs: []int32{4, 5, 7}, upWindow: 300, wantReason: "ScaleUpStabilized"},
		{name: "no scale down stabilization", recs: []timestampedRecommendation{{1, ago(2 * time.Minute)}, {2, ago(time.Minute)}},
			current: 100, desired: 3, want: 3, wantRecs: []int32{1, 2, 3}, upWindow: 300},
		{name: "no scale up stabilization", recs: []timestampedRecommendation{{4, ago(2 * time.Minute)}, {5, ago(time.Minute)}},
			current: 1, desired: 3, want: 3, wantRecs: []int32{4, 5, 3}, down: 300},
		{name: "no scale down stabilization, reuse recommendation element", recs: []timestampedRecommendation{{10, ago(10 * time.Minute)}, {9, ago(9 * time.Minute)}},
			current: 100, desired: 3, want: 3, wantRecs: []int32{10, 3}},
		{name: "no scale up stabilization, reuse recommendation element", recs: []timestampedRecommendation{{10, ago(10 * time.Minute)}, {9, ago(9 * time.Minute)}},
			current: 1, desired: 100, want: 100, wantRecs: []int32{10, 100}},
		{name: "scale down stabilization, reuse one of obsolete recommendation element",
			recs:    []timestampedRecommendation{{10, ago(10 * time.Minute)}, {4, ago(time.Minute)}, {5, ago(2 * time.Minute)}, {9, ago(9 * time.Minute)}},
			current: 100, desired: 3, want: 5, wantRecs: []int32{10, 4, 5, 3}, down: 180},
		{name: "scale up stabilization, reuse one of obsolete recommendation element",
			recs:    []timestampedRecommendation{{10, ago(100 * time.Minute)}, {6, ago(time.Minute)}, {5, ago(2 * time.Minute)}, {9, ago(3 * time.Minute)}},
			current: 1, desired: 100, want: 5, wantRecs: []int32{100, 6, 5, 9}, upWindow: 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arg := normalizationArg{CurrentReplicas: tc.current, DesiredReplicas: tc.desired,
				ScaleUpBehavior:   &api.HPAScalingRules{StabilizationWindowSeconds: ptr(tc.upWindow)},
				ScaleDownBehavior: &api.HPAScalingRules{StabilizationWindowSeconds: ptr(tc.down)}}
			got, reason, _, recs := stabilizeRecommendationWithBehaviors(append([]timestampedRecommendation(nil), tc.recs...), arg, testNow)
			if got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
			if tc.wantReason != "" && reason != tc.wantReason {
				t.Errorf("reason %s, want %s", reason, tc.wantReason)
			}
			if len(recs) != len(tc.wantRecs) {
				t.Fatalf("recommendations %v, want %v", recs, tc.wantRecs)
			}
			for i, r := range recs {
				if r.recommendation != tc.wantRecs[i] {
					t.Errorf("recommendation %d = %d, want %d", i, r.recommendation, tc.wantRecs[i])
				}
			}
		})
	}
}

// TestStoreScaleEvents is Kubernetes' table of the same name.
func TestStoreScaleEvents(t *testing.T) {
	ago := func(s int) time.Time { return testNow.Add(-time.Duration(s) * time.Second) }
	type ev = timestampedScaleEvent
	for _, tc := range []struct {
		name       string
		prev       []ev
		want       []ev // replicaChange and outdated
		rules      *api.HPAScalingRules
		wantChange int32 // within 60s before storing
	}{
		{name: "empty entries with default behavior", want: nil},
		{name: "empty entries with two-policy-behavior", want: []ev{{replicaChange: 5}}, rules: generateScalingRules(10, 60, 100, 60, 0)},
		{name: "one outdated entry to be kept untouched without behavior", prev: []ev{{7, ago(61), false}}, want: []ev{{replicaChange: 7}}},
		{name: "one outdated entry to be replaced with behavior", prev: []ev{{7, ago(61), false}}, want: []ev{{replicaChange: 5}},
			rules: generateScalingRules(10, 60, 100, 60, 0)},
		{name: "one actual entry to be not touched with behavior", prev: []ev{{7, ago(58), false}}, want: []ev{{replicaChange: 7}, {replicaChange: 5}},
			rules: generateScalingRules(10, 60, 100, 60, 0), wantChange: 7},
		{name: "two entries, one of them to be replaced", prev: []ev{{7, ago(61), false}, {6, ago(59), false}}, want: []ev{{replicaChange: 5}, {replicaChange: 6}},
			rules: generateScalingRules(10, 60, 0, 0, 0), wantChange: 6},
		{name: "replace one entry, use policies with different periods",
			prev:  []ev{{8, ago(29), false}, {6, ago(59), false}, {7, ago(61), false}, {9, ago(61), false}},
			want:  []ev{{replicaChange: 8}, {replicaChange: 6}, {replicaChange: 7, outdated: true}, {replicaChange: 5}},
			rules: generateScalingRules(10, 60, 100, 30, 0), wantChange: 14},
		{name: "two entries, both actual", prev: []ev{{7, ago(58), false}, {6, ago(59), false}},
			want: []ev{{replicaChange: 7}, {replicaChange: 6}, {replicaChange: 5}}, rules: generateScalingRules(10, 120, 100, 30, 0), wantChange: 13},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, dir := range []string{"up", "down"} {
				prev := append([]ev(nil), tc.prev...)
				if got := getReplicasChangePerPeriod(60, prev, testNow); got != tc.wantChange {
					t.Errorf("%s: change in 60s = %d, want %d", dir, got, tc.wantChange)
				}
				var b *api.HorizontalPodAutoscalerBehavior
				var got []ev
				if dir == "up" {
					if tc.rules != nil {
						b = &api.HorizontalPodAutoscalerBehavior{ScaleUp: tc.rules}
					}
					got, _ = storeScaleEvent(b, prev, nil, 10, 15, testNow)
				} else {
					if tc.rules != nil {
						b = &api.HorizontalPodAutoscalerBehavior{ScaleDown: tc.rules}
					}
					_, got = storeScaleEvent(b, nil, prev, 10, 5, testNow)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("%s: events %+v, want %+v", dir, got, tc.want)
				}
				for i := range got {
					if got[i].replicaChange != tc.want[i].replicaChange || got[i].outdated != tc.want[i].outdated {
						t.Errorf("%s: event %d = %+v, want %+v", dir, i, got[i], tc.want[i])
					}
				}
			}
		})
	}
}
