package podautoscaler

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"minik8s/controller/podautoscaler/metrics"
	"minik8s/pkg/api"
)

// The cases of Kubernetes' replica_calculator_test.go, same inputs and
// expectations, with its testing periods (cpu initialization 2m, initial
// readiness delay 10s) and a fixed clock.
var (
	testNow     = time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	testCalc    = ReplicaCalculator{CPUInitializationPeriod: 2 * time.Minute, DelayOfInitialReadinessStatus: 10 * time.Second, Now: func() time.Time { return testNow }}
	defaultTols = Tolerances{Down: 0.1, Up: 0.1}
)

func hot() api.Time  { return api.NewTime(testNow) }
func cool() api.Time { return api.NewTime(testNow.Add(-3 * time.Minute)) }

// calcCase is one replicaCalcTestCase: pods test-pod-N with two containers
// each requesting requests[N]; levels[N] is each container's usage.
type calcCase struct {
	name             string
	currentReplicas  int32
	expectedReplicas int32
	expectedError    string

	resource          string
	requests          []string
	levels            [][]int64 // per pod, per container (milli)
	podNames          []string  // metric pod names, when not test-pod-N
	targetUtilization int32
	expectedUtil      int32
	expectedValue     int64

	readiness []string
	startTime []api.Time
	phase     []string
	deleted   []bool
}

func perContainer(levels ...int64) [][]int64 {
	out := make([][]int64, len(levels))
	for i, l := range levels {
		out[i] = []int64{l, l}
	}
	return out
}

func ones(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "1.0"
	}
	return out
}

func (tc calcCase) pods() []*api.Pod {
	n := int(tc.currentReplicas)
	if len(tc.phase) > n {
		n = len(tc.phase)
	}
	var pods []*api.Pod
	for i := range n {
		ready := api.ConditionTrue
		if i < len(tc.readiness) {
			ready = tc.readiness[i]
		}
		var start api.Time
		if tc.startTime != nil {
			start = tc.startTime[i]
		}
		phase := api.PodRunning
		if tc.phase != nil {
			phase = tc.phase[i]
		}
		p := &api.Pod{
			ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("test-pod-%d", i), Namespace: "test-namespace", Labels: map[string]string{"name": "test-pod"}},
			Spec:       api.PodSpec{Containers: []api.Container{{Name: "container1"}, {Name: "container2"}}},
			Status: api.PodStatus{Phase: phase, StartTime: &start,
				Conditions: []api.PodCondition{{Type: api.PodReady, Status: ready}}},
		}
		if tc.deleted != nil && tc.deleted[i] {
			t := api.NewTime(testNow)
			p.DeletionTimestamp = &t
		}
		if i < len(tc.requests) {
			for c := range p.Spec.Containers {
				p.Spec.Containers[c].Resources.Requests = api.ResourceList{tc.resource: resource.MustParse(tc.requests[i])}
			}
		}
		pods = append(pods, p)
	}
	return pods
}

// metrics is what the metrics client returns for the levels: per-pod sums
// sampled at the zero time over a minute, as the Kubernetes fake does.
func (tc calcCase) metrics() metrics.PodMetricsInfo {
	out := metrics.PodMetricsInfo{}
	for i, lv := range tc.levels {
		name := fmt.Sprintf("test-pod-%d", i)
		if i < len(tc.podNames) {
			name = tc.podNames[i]
		}
		var sum int64
		for _, v := range lv {
			sum += v
		}
		out[name] = metrics.PodMetric{Value: sum, Window: time.Minute}
	}
	return out
}

func TestGetResourceReplicas(t *testing.T) {
	F, T := api.ConditionFalse, api.ConditionTrue
	R, P, Fd := api.PodRunning, api.PodPending, api.PodFailed
	cases := []calcCase{
		{name: "disjoint resources metrics", currentReplicas: 1, expectedError: "no metrics returned matched known pods",
			requests: ones(1), levels: perContainer(100), podNames: []string{"an-older-pod-name"}, targetUtilization: 100},
		{name: "scale up", currentReplicas: 3, expectedReplicas: 5, requests: ones(3), levels: perContainer(300, 500, 700),
			targetUtilization: 30, expectedUtil: 50, expectedValue: 2 * 500},
		{name: "scale up unready less scale", currentReplicas: 3, expectedReplicas: 4, readiness: []string{F, T, T},
			requests: ones(3), levels: perContainer(300, 500, 700), targetUtilization: 30, expectedUtil: 60, expectedValue: 2 * 600},
		{name: "scale up hot cpu less scale", currentReplicas: 3, expectedReplicas: 4, startTime: []api.Time{hot(), cool(), cool()},
			requests: ones(3), levels: perContainer(300, 500, 700), targetUtilization: 30, expectedUtil: 60, expectedValue: 2 * 600},
		{name: "scale up unready no scale", currentReplicas: 3, expectedReplicas: 3, readiness: []string{T, F, F},
			requests: ones(3), levels: perContainer(400, 500, 700), targetUtilization: 30, expectedUtil: 40, expectedValue: 2 * 400},
		{name: "scale hot cpu no scale", currentReplicas: 3, expectedReplicas: 3, readiness: []string{T, F, F}, startTime: []api.Time{cool(), hot(), hot()},
			requests: ones(3), levels: perContainer(400, 500, 700), targetUtilization: 30, expectedUtil: 40, expectedValue: 2 * 400},
		{name: "scale up ignores failed pods", currentReplicas: 2, expectedReplicas: 4, readiness: []string{T, T, F, F}, phase: []string{R, R, Fd, Fd},
			requests: ones(4), levels: perContainer(500, 700), targetUtilization: 30, expectedUtil: 60, expectedValue: 2 * 600},
		{name: "scale up ignores deletion pods", currentReplicas: 2, expectedReplicas: 4, readiness: []string{T, T, F, F}, phase: []string{R, R, R, R},
			deleted: []bool{false, false, true, true}, requests: ones(4), levels: perContainer(500, 700), targetUtilization: 30, expectedUtil: 60, expectedValue: 2 * 600},
		{name: "scale down", currentReplicas: 5, expectedReplicas: 3, requests: ones(5), levels: perContainer(100, 300, 500, 250, 250),
			targetUtilization: 50, expectedUtil: 28, expectedValue: 2 * 280},
		{name: "scale down exclude unready pods", currentReplicas: 5, expectedReplicas: 2, readiness: []string{T, T, T, F, F},
			requests: ones(5), levels: perContainer(100, 300, 500, 250, 250), targetUtilization: 50, expectedUtil: 30, expectedValue: 2 * 300},
		{name: "scale down exclude unscheduled pods", currentReplicas: 5, expectedReplicas: 1, readiness: []string{T, F, F, F, F}, phase: []string{R, P, P, P, P},
			requests: ones(5), levels: perContainer(100), targetUtilization: 50, expectedUtil: 10, expectedValue: 2 * 100},
		{name: "scale down ignore hot cpu pods", currentReplicas: 5, expectedReplicas: 2, startTime: []api.Time{cool(), cool(), cool(), hot(), hot()},
			requests: ones(5), levels: perContainer(100, 300, 500, 250, 250), targetUtilization: 50, expectedUtil: 30, expectedValue: 2 * 300},
		{name: "scale down ignores failed pods", currentReplicas: 5, expectedReplicas: 3, readiness: []string{T, T, T, T, T, F, F}, phase: []string{R, R, R, R, R, Fd, Fd},
			requests: ones(7), levels: perContainer(100, 300, 500, 250, 250), targetUtilization: 50, expectedUtil: 28, expectedValue: 2 * 280},
		{name: "scale down ignores deletion pods", currentReplicas: 5, expectedReplicas: 3, readiness: []string{T, T, T, T, T, F, F}, phase: []string{R, R, R, R, R, R, R},
			deleted: []bool{false, false, false, false, false, true, true}, requests: ones(7), levels: perContainer(100, 300, 500, 250, 250),
			targetUtilization: 50, expectedUtil: 28, expectedValue: 2 * 280},
		{name: "tolerance", currentReplicas: 3, expectedReplicas: 3, requests: []string{"0.9", "1.0", "1.1"}, levels: perContainer(1010, 1030, 1020),
			targetUtilization: 100, expectedUtil: 102, expectedValue: 2 * 1020},
		{name: "superfluous metrics", currentReplicas: 4, expectedReplicas: 24, requests: ones(4), levels: perContainer(4000, 9500, 3000, 7000, 3200, 2000),
			targetUtilization: 100, expectedUtil: 587, expectedValue: 2 * 5875},
		{name: "missing metrics", currentReplicas: 4, expectedReplicas: 3, requests: ones(4), levels: perContainer(400, 95),
			targetUtilization: 100, expectedUtil: 24, expectedValue: 495},
		{name: "empty cpu request", currentReplicas: 1, expectedError: "missing request for", requests: nil, levels: perContainer(200), targetUtilization: 100},
		{name: "missing metrics no change eq", currentReplicas: 2, expectedReplicas: 2, requests: ones(2), levels: perContainer(1000),
			targetUtilization: 100, expectedUtil: 100, expectedValue: 2 * 1000},
		{name: "missing metrics no change gt", currentReplicas: 2, expectedReplicas: 2, requests: ones(2), levels: perContainer(1900),
			targetUtilization: 100, expectedUtil: 190, expectedValue: 2 * 1900},
		{name: "missing metrics no change lt", currentReplicas: 2, expectedReplicas: 2, requests: ones(2), levels: perContainer(600),
			targetUtilization: 100, expectedUtil: 60, expectedValue: 2 * 600},
		{name: "missing metrics unready change", currentReplicas: 3, expectedReplicas: 3, readiness: []string{F, T, T},
			requests: ones(3), levels: perContainer(100, 450), targetUtilization: 50, expectedUtil: 45, expectedValue: 2 * 450},
		{name: "missing metrics hot cpu no change", currentReplicas: 3, expectedReplicas: 3, startTime: []api.Time{hot(), cool(), cool()},
			requests: ones(3), levels: perContainer(100, 450), targetUtilization: 50, expectedUtil: 45, expectedValue: 2 * 450},
		{name: "missing metrics unready scale up", currentReplicas: 3, expectedReplicas: 4, readiness: []string{F, T, T},
			requests: ones(3), levels: perContainer(100, 2000), targetUtilization: 50, expectedUtil: 200, expectedValue: 2 * 2000},
		{name: "missing metrics hot cpu scale up", currentReplicas: 3, expectedReplicas: 4, readiness: []string{F, T, T}, startTime: []api.Time{hot(), cool(), cool()},
			requests: ones(3), levels: perContainer(100, 2000), targetUtilization: 50, expectedUtil: 200, expectedValue: 2 * 2000},
		{name: "missing metrics unready scale down", currentReplicas: 4, expectedReplicas: 3, readiness: []string{F, T, T, T},
			requests: ones(4), levels: perContainer(100, 100, 100), targetUtilization: 50, expectedUtil: 10, expectedValue: 2 * 100},
		{name: "missing metrics scale down target over 100", currentReplicas: 4, expectedReplicas: 2, readiness: []string{F, T, T, T},
			requests: []string{"1.0", "1.0", "2.0", "2.0"}, levels: perContainer(200, 100, 100), targetUtilization: 300, expectedUtil: 6, expectedValue: 2 * 100},
		{name: "during rolling update with max surge", currentReplicas: 2, expectedReplicas: 2, phase: []string{R, R, R},
			requests: ones(3), levels: perContainer(100, 100), targetUtilization: 50, expectedUtil: 10, expectedValue: 2 * 100},
	}
	cases = append(cases, computedToleranceCases()...)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.resource == "" {
				tc.resource = "cpu"
			}
			n, util, raw, err := testCalc.GetResourceReplicas(tc.currentReplicas, tc.targetUtilization, tc.resource, defaultTols, tc.pods(), tc.metrics())
			if tc.expectedError != "" {
				if err == nil || !strings.Contains(err.Error(), tc.expectedError) {
					t.Fatalf("err = %v, want one containing %q", err, tc.expectedError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.expectedReplicas || util != tc.expectedUtil || raw != tc.expectedValue {
				t.Errorf("got replicas %d, utilization %d, raw %d; want %d, %d, %d", n, util, raw, tc.expectedReplicas, tc.expectedUtil, tc.expectedValue)
			}
		})
	}
}

// computedToleranceCases are TestReplicaCalcComputedToleranceAlgImplementation:
// a target just past the tolerance scales down; one just inside does not.
func computedToleranceCases() []calcCase {
	startPods := int32(10)
	used := int64(startPods * 150)
	requested := int32(2 * used)
	requestedToUsed := float64(requested / int32(used))
	perPod := requested / startPods
	base := calcCase{
		currentReplicas: startPods,
		levels:          perContainer(used/10, used/10, used/10, used/10, used/10, used/10, used/10, used/10, used/10, used/10),
		expectedUtil:    int32(used*100) / requested,
		expectedValue:   2 * used / 10,
	}
	for _, d := range []int32{100, -100, 10, -10, 2, -2, 1, -1, 0, 0} {
		base.requests = append(base.requests, fmt.Sprintf("%dm", perPod+d))
	}
	target := math.Abs(1/(requestedToUsed*(1-0.1))) + .01
	over := base
	over.name = "computed tolerance: scale"
	over.targetUtilization = int32(target * 100)
	ratio := float64(used) / (float64(requested) * target)
	over.expectedReplicas = int32(math.Ceil(ratio * float64(startPods)))
	within := base
	within.name = "computed tolerance: within"
	within.targetUtilization = int32((math.Abs(1/(requestedToUsed*(1-0.1))) + .004) * 100)
	within.expectedReplicas = startPods
	return []calcCase{over, within}
}

// TestGetRawResourceReplicas: AverageValue targets, the plain-metric
// cases of Kubernetes (pods metrics: one value per pod) on memory, where
// readiness does not matter, plus cpu, where it does.
func TestGetRawResourceReplicas(t *testing.T) {
	F, T := api.ConditionFalse, api.ConditionTrue
	R := api.PodRunning
	cases := []struct {
		name            string
		resource        string
		current, want   int32
		levels          []int64
		target          int64
		wantUsage       int64
		readiness       []string
		startTime       []api.Time
		phase           []string
		wantErrContains string
	}{
		{name: "scale up", resource: "memory", current: 3, want: 4, levels: []int64{20000, 10000, 30000}, target: 15000, wantUsage: 20000},
		{name: "scale up unready hot cpu no less scale", resource: "memory", current: 3, want: 6, readiness: []string{T, T, F},
			startTime: []api.Time{cool(), cool(), hot()}, levels: []int64{50000, 10000, 30000}, target: 15000, wantUsage: 30000},
		{name: "scale up unready hot cpu scale would scale down", resource: "memory", current: 3, want: 7, readiness: []string{F, T, F},
			startTime: []api.Time{hot(), cool(), hot()}, levels: []int64{50000, 15000, 30000}, target: 15000, wantUsage: 31666},
		{name: "scale down", resource: "memory", current: 5, want: 3, levels: []int64{12000, 12000, 12000, 12000, 12000}, target: 20000, wantUsage: 12000},
		{name: "tolerance", resource: "memory", current: 3, want: 3, levels: []int64{20000, 21000, 21000}, target: 20000, wantUsage: 20666},
		{name: "missing metrics no change eq", resource: "memory", current: 5, want: 5, levels: []int64{20000, 19000, 21000}, target: 20000, wantUsage: 20000},
		{name: "during rolling update with max surge", resource: "memory", current: 2, want: 2, phase: []string{R, R, R}, levels: []int64{10000, 10000}, target: 17000, wantUsage: 10000},
		// cpu: the unready pod is left out of the average and counts as 0 on a
		// scale-up: (50000+0+0)/3 against 15000 → ceil(1.11*3) = 4.
		{name: "cpu unready pods count as zero on a scale-up", resource: "cpu", current: 3, want: 4, readiness: []string{T, F, F},
			levels: []int64{50000, 10000, 30000}, target: 15000, wantUsage: 50000},
		{name: "no metrics for ready pods", resource: "cpu", current: 2, readiness: []string{F, F}, levels: []int64{100, 100}, target: 100,
			wantErrContains: "did not receive metrics for targeted pods"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cc := calcCase{currentReplicas: tc.current, readiness: tc.readiness, startTime: tc.startTime, phase: tc.phase}
			m := metrics.PodMetricsInfo{}
			for i, v := range tc.levels {
				m[fmt.Sprintf("test-pod-%d", i)] = metrics.PodMetric{Value: v, Window: time.Minute}
			}
			n, usage, err := testCalc.GetRawResourceReplicas(tc.current, tc.target, tc.resource, defaultTols, cc.pods(), m)
			if tc.wantErrContains != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErrContains) {
					t.Fatalf("err = %v, want %q", err, tc.wantErrContains)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.want || usage != tc.wantUsage {
				t.Errorf("got %d replicas, usage %d; want %d, %d", n, usage, tc.want, tc.wantUsage)
			}
		})
	}
}

func TestNoPods(t *testing.T) {
	if _, _, _, err := testCalc.GetResourceReplicas(1, 50, "cpu", defaultTols, nil, metrics.PodMetricsInfo{"a": {Value: 1}}); err == nil || err.Error() != errNoPods.Error() {
		t.Fatalf("err = %v", err)
	}
}

// TestGroupPods is Kubernetes' TestGroupPods.
func TestGroupPods(t *testing.T) {
	now := testNow
	at := func(d time.Duration) *api.Time { t := api.NewTime(now.Add(d)); return &t }
	pod := func(name, phase string, start *api.Time, cond ...api.PodCondition) *api.Pod {
		return &api.Pod{ObjectMeta: api.ObjectMeta{Name: name}, Status: api.PodStatus{Phase: phase, StartTime: start, Conditions: cond}}
	}
	readyCond := func(status string, changed time.Duration) api.PodCondition {
		return api.PodCondition{Type: api.PodReady, Status: status, LastTransitionTime: *at(changed)}
	}
	S := api.PodSucceeded
	cases := []struct {
		name                      string
		pods                      []*api.Pod
		metrics                   metrics.PodMetricsInfo
		resource                  string
		ready                     int
		unready, missing, ignored []string
	}{
		{name: "void", metrics: metrics.PodMetricsInfo{}, resource: "cpu"},
		{name: "count in a ready pod - memory", pods: []*api.Pod{pod("bentham", S, nil)},
			metrics: metrics.PodMetricsInfo{"bentham": {Value: 1, Timestamp: now, Window: time.Minute}}, resource: "memory", ready: 1},
		{name: "unready a pod without ready condition - CPU", pods: []*api.Pod{pod("lucretius", S, at(0))},
			metrics: metrics.PodMetricsInfo{"lucretius": {Value: 1}}, resource: "cpu", unready: []string{"lucretius"}},
		{name: "count in a ready pod with fresh metrics during initialization period - CPU",
			pods:    []*api.Pod{pod("bentham", S, at(-time.Minute), readyCond(api.ConditionTrue, -30*time.Second))},
			metrics: metrics.PodMetricsInfo{"bentham": {Value: 1, Timestamp: now, Window: 30 * time.Second}}, resource: "cpu", ready: 1},
		{name: "unready a ready pod without fresh metrics during initialization period - CPU",
			pods:    []*api.Pod{pod("bentham", S, at(-time.Minute), readyCond(api.ConditionTrue, -30*time.Second))},
			metrics: metrics.PodMetricsInfo{"bentham": {Value: 1, Timestamp: now, Window: 60 * time.Second}}, resource: "cpu", unready: []string{"bentham"}},
		{name: "unready an unready pod during initialization period - CPU",
			pods:    []*api.Pod{pod("lucretius", S, at(-10*time.Minute), readyCond(api.ConditionFalse, -9*time.Minute-54*time.Second))},
			metrics: metrics.PodMetricsInfo{"lucretius": {Value: 1}}, resource: "cpu", unready: []string{"lucretius"}},
		{name: "count in a ready pod without fresh metrics after initialization period - CPU",
			pods:    []*api.Pod{pod("bentham", S, at(-3*time.Minute), readyCond(api.ConditionTrue, -3*time.Minute))},
			metrics: metrics.PodMetricsInfo{"bentham": {Value: 1, Timestamp: now.Add(-2 * time.Minute), Window: time.Minute}}, resource: "cpu", ready: 1},
		{name: "count in an unready pod that was ready after initialization period - CPU",
			pods:    []*api.Pod{pod("lucretius", S, at(-10*time.Minute), readyCond(api.ConditionFalse, -9*time.Minute))},
			metrics: metrics.PodMetricsInfo{"lucretius": {Value: 1}}, resource: "cpu", ready: 1},
		{name: "unready pod that has never been ready after initialization period - CPU",
			pods:    []*api.Pod{pod("lucretius", S, at(-10*time.Minute), readyCond(api.ConditionFalse, -9*time.Minute-50*time.Second))},
			metrics: metrics.PodMetricsInfo{"lucretius": {Value: 1}}, resource: "cpu", ready: 1},
		{name: "a missing pod", pods: []*api.Pod{pod("epicurus", S, at(-3*time.Minute))},
			metrics: metrics.PodMetricsInfo{}, resource: "cpu", missing: []string{"epicurus"}},
		{name: "several pods", pods: []*api.Pod{
			pod("lucretius", S, at(0)),
			pod("niccolo", S, at(-3*time.Minute), readyCond(api.ConditionTrue, -3*time.Minute)),
			pod("epicurus", S, at(-3*time.Minute)),
		}, metrics: metrics.PodMetricsInfo{"lucretius": {Value: 1}, "niccolo": {Value: 1}}, resource: "cpu",
			ready: 1, unready: []string{"lucretius"}, missing: []string{"epicurus"}},
		{name: "pending pods are unreadied", pods: []*api.Pod{pod("unscheduled", api.PodPending, nil)},
			metrics: metrics.PodMetricsInfo{}, resource: "cpu", unready: []string{"unscheduled"}},
		{name: "ignore pods with deletion timestamps", pods: func() []*api.Pod {
			p := pod("deleted", api.PodPending, nil)
			p.DeletionTimestamp = at(-time.Hour)
			return []*api.Pod{p}
		}(), metrics: metrics.PodMetricsInfo{"deleted": {Value: 1}}, resource: "cpu", ignored: []string{"deleted"}},
		{name: "ignore pods in a failed state", pods: []*api.Pod{pod("failed", api.PodFailed, nil)},
			metrics: metrics.PodMetricsInfo{"failed": {Value: 1}}, resource: "cpu", ignored: []string{"failed"}},
	}
	set := func(names []string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	eq := func(a, b map[string]bool) bool {
		if len(a) != len(b) {
			return false
		}
		for k := range a {
			if !b[k] {
				return false
			}
		}
		return true
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ready, unready, missing, ignored := testCalc.groupPods(tc.pods, tc.metrics, tc.resource)
			if ready != tc.ready || !eq(unready, set(tc.unready)) || !eq(missing, set(tc.missing)) || !eq(ignored, set(tc.ignored)) {
				t.Errorf("got ready %d unready %v missing %v ignored %v; want %d %v %v %v", ready, unready, missing, ignored, tc.ready, tc.unready, tc.missing, tc.ignored)
			}
		})
	}
}

func TestCalculatePodRequests(t *testing.T) {
	req := func(m int64) api.ResourceRequirements {
		return api.ResourceRequirements{Requests: api.ResourceList{"cpu": *resource.NewMilliQuantity(m, resource.DecimalSI)}}
	}
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "test-pod"}, Spec: api.PodSpec{Containers: []api.Container{
		{Name: "container1", Resources: req(100)}, {Name: "container2", Resources: req(50)}}}}
	got, err := calculatePodRequests([]*api.Pod{pod}, "cpu")
	if err != nil || got["test-pod"] != 150 {
		t.Fatalf("got %v, %v; want 150", got, err)
	}
	missing := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "test-pod"}, Spec: api.PodSpec{Containers: []api.Container{{Name: "container1"}}}}
	if _, err := calculatePodRequests([]*api.Pod{missing}, "cpu"); err == nil || err.Error() != "missing request for cpu in container container1 of Pod test-pod" {
		t.Fatalf("err = %v", err)
	}
}

func TestTolerancesWithin(t *testing.T) {
	for _, tc := range []struct {
		tol    Tolerances
		ratio  float64
		within bool
	}{
		{defaultTols, 1.1, true}, {defaultTols, 1.11, false}, {defaultTols, 0.9, true}, {defaultTols, 0.89, false},
		{Tolerances{Down: 0.05, Up: 0.5}, 1.4, true}, {Tolerances{Down: 0.05, Up: 0.5}, 0.94, false},
	} {
		if got := tc.tol.within(tc.ratio); got != tc.within {
			t.Errorf("%+v.within(%v) = %v", tc.tol, tc.ratio, got)
		}
	}
}
