package podautoscaler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"minik8s/controller/podautoscaler/metrics"
	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
	"minik8s/pkg/client/record"
	"minik8s/pkg/labels"
)

// fakeScales is a target's scale subresource.
type fakeScales struct {
	replicas int32
	selector string
	getErr   error
	setErr   error
	writes   []int32
}

func (f *fakeScales) GetScale(_ context.Context, info *api.ResourceInfo, ns, name string) (*api.Scale, error) {
	if f.getErr != nil {
		return nil, f.getErr
	}
	return &api.Scale{ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns},
		Spec: api.ScaleSpec{Replicas: f.replicas}, Status: api.ScaleStatus{Replicas: f.replicas, Selector: f.selector}}, nil
}

func (f *fakeScales) UpdateScale(_ context.Context, info *api.ResourceInfo, ns string, s *api.Scale) (*api.Scale, error) {
	if f.setErr != nil {
		return nil, f.setErr
	}
	f.replicas = s.Spec.Replicas
	f.writes = append(f.writes, s.Spec.Replicas)
	return s, nil
}

// harness drives reconcileAutoscaler with a fake clock: the target has
// `scales.replicas` pods requesting requestMilli cpu each, all ready and
// started long ago, each using usage() millicores.
type harness struct {
	t            *testing.T
	now          time.Time
	ctl          *Controller
	scales       *fakeScales
	hpa          *api.HorizontalPodAutoscaler
	events       *record.FakeRecorder
	requestMilli int64
	noRequests   bool
	usage        func() int64
	memory       int64 // bytes per pod
	metricsErr   error
	statusWrites int
}

func newHarness(t *testing.T, hpa *api.HorizontalPodAutoscaler, replicas int32) *harness {
	h := &harness{t: t, now: testNow, hpa: hpa, requestMilli: 100, events: record.NewFakeRecorder(1000),
		scales: &fakeScales{replicas: replicas, selector: "app=web"}}
	cfg := DefaultConfig()
	cfg.Now = func() time.Time { return h.now }
	ctl := newController(cfg, h.events)
	ctl.scales = h.scales
	ctl.updateStatus = func(_ context.Context, o *api.HorizontalPodAutoscaler) error {
		h.statusWrites++
		h.hpa = deepCopyHPA(o)
		return nil
	}
	ctl.listPods = func(ns string, sel labels.Selector) []*api.Pod { return h.pods() }
	ctl.metrics = metrics.FuncClient(func(_ context.Context, ns string, sel labels.Selector) (*api.PodMetricsList, error) {
		if h.metricsErr != nil {
			return nil, h.metricsErr
		}
		list := &api.PodMetricsList{}
		for _, p := range h.pods() {
			list.Items = append(list.Items, api.PodMetrics{ObjectMeta: api.ObjectMeta{Name: p.Name, Namespace: ns},
				Timestamp: api.NewTime(h.now), Window: api.Duration{Duration: 15 * time.Second},
				Containers: []api.ContainerMetrics{{Name: "app", Usage: api.ResourceList{
					"cpu":    *resource.NewMilliQuantity(h.usage(), resource.DecimalSI),
					"memory": *resource.NewQuantity(h.memory, resource.BinarySI)}}}})
		}
		return list, nil
	})
	h.ctl = ctl
	return h
}

func (h *harness) pods() []*api.Pod {
	var out []*api.Pod
	started := api.NewTime(testNow.Add(-time.Hour))
	for i := range int(h.scales.replicas) {
		ctr := api.Container{Name: "app"}
		if !h.noRequests {
			ctr.Resources.Requests = api.ResourceList{"cpu": *resource.NewMilliQuantity(h.requestMilli, resource.DecimalSI)}
		}
		out = append(out, &api.Pod{ObjectMeta: api.ObjectMeta{Name: fmt.Sprintf("web-%d", i), Namespace: "default", Labels: map[string]string{"app": "web"}},
			Spec: api.PodSpec{Containers: []api.Container{ctr}},
			Status: api.PodStatus{Phase: api.PodRunning, StartTime: &started,
				Conditions: []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: started}}}})
	}
	return out
}

// sync runs one reconcile at the current fake time.
func (h *harness) sync() error {
	return h.ctl.reconcileAutoscaler(context.Background(), h.hpa, "default/"+h.hpa.Name)
}

func (h *harness) drainEvents() []string {
	var out []string
	for {
		select {
		case e := <-h.events.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

func (h *harness) condition(t string) api.HorizontalPodAutoscalerCondition {
	for _, c := range h.hpa.Status.Conditions {
		if c.Type == t {
			return c
		}
	}
	h.t.Fatalf("no %s condition in %+v", t, h.hpa.Status.Conditions)
	return api.HorizontalPodAutoscalerCondition{}
}

// seedHPA is examples/hpa-scaledown-behavior.yaml, the seeds' HPA, in
// namespace default.
func seedHPA() *api.HorizontalPodAutoscaler {
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "hpa-scaledown-behavior.yaml"))
	if err != nil {
		panic(err)
	}
	objs, err := decode.DecodeAll(data)
	if err != nil || len(objs) != 1 {
		panic(fmt.Sprintf("example: %v, %d objects", err, len(objs)))
	}
	hpa := objs[0].(*api.HorizontalPodAutoscaler)
	hpa.Namespace = "default"
	return hpa
}

// TestSeedScaleUpThenTenPercentPerMinute is the seeds' HPA (min 3, max 6,
// 40% cpu, scale down by at most 10% per 60 s) synced every 15 s on a fake
// clock: load scales it to 6 at once (limited by maxReplicas); when the
// load stops, nothing happens for the 300 s stabilization window, then one
// pod per minute goes (10% of 6 is 0.6: int32(6*0.9) = 5), down to 3.
func TestSeedScaleUpThenTenPercentPerMinute(t *testing.T) {
	h := newHarness(t, seedHPA(), 3)
	load := int64(90) // 90% of the 100m request
	h.usage = func() int64 { return load }
	if err := h.sync(); err != nil {
		t.Fatal(err)
	}
	if h.scales.replicas != 6 {
		t.Fatalf("replicas after load = %d, want 6", h.scales.replicas)
	}
	ev := h.drainEvents()
	if len(ev) != 1 || ev[0] != "Normal SuccessfulRescale New size: 6; reason: cpu resource utilization (percentage of request) above target" {
		t.Fatalf("events %q", ev)
	}
	if c := h.condition(ScalingLimited); c.Status != api.ConditionTrue || c.Reason != "TooManyReplicas" {
		t.Errorf("ScalingLimited = %+v", c)
	}
	if c := h.condition(AbleToScale); c.Reason != "SucceededRescale" {
		t.Errorf("AbleToScale = %+v", c)
	}
	if h.hpa.Status.DesiredReplicas != 6 || h.hpa.Status.CurrentReplicas != 3 || h.hpa.Status.LastScaleTime == nil {
		t.Errorf("status %+v", h.hpa.Status)
	}
	cm := h.hpa.Status.CurrentMetrics
	if len(cm) != 1 || *cm[0].Resource.Current.AverageUtilization != 90 || cm[0].Resource.Current.AverageValue.MilliValue() != 90 {
		t.Errorf("currentMetrics %+v", cm)
	}

	// Sync every 15 s; the load stops at 60 s.
	changes := map[int]int32{} // second → new count
	prev := h.scales.replicas
	for s := 15; s <= 600; s += 15 {
		h.now = testNow.Add(time.Duration(s) * time.Second)
		if s == 60 {
			load = 5
		}
		if err := h.sync(); err != nil {
			t.Fatal(err)
		}
		if h.scales.replicas != prev {
			changes[s], prev = h.scales.replicas, h.scales.replicas
		}
	}
	// The last recommendation of 6 or more was at 45 s; it leaves the 300 s
	// window at 345 s. Then 6→5, and each later step waits for the
	// previous one to leave the 60 s period.
	want := map[int]int32{345: 5, 405: 4, 465: 3}
	if fmt.Sprint(changes) != fmt.Sprint(want) {
		t.Errorf("scale-downs at %v, want %v", changes, want)
	}
	ev = h.drainEvents()
	if len(ev) != 3 || ev[0] != "Normal SuccessfulRescale New size: 5; reason: All metrics below target" {
		t.Errorf("events %q", ev)
	}
	if c := h.condition(ScalingLimited); c.Status != api.ConditionTrue || c.Reason != "TooFewReplicas" {
		t.Errorf("at the end ScalingLimited = %+v", c)
	}
}

// TestNoBehaviorDefaults: without behavior, the downscale stabilization
// (5m) holds the count, scale-up is limited to max(2x, 4) per sync.
func TestNoBehaviorDefaults(t *testing.T) {
	hpa := seedHPA()
	hpa.Spec.Behavior = nil
	hpa.Spec.MinReplicas, hpa.Spec.MaxReplicas = ptr(int32(1)), 20
	h := newHarness(t, hpa, 1)
	load := int64(1000) // 10x the request at 40% → 25 wanted
	h.usage = func() int64 { return load }
	steps := []int32{}
	for s := 0; s <= 30; s += 15 {
		h.now = testNow.Add(time.Duration(s) * time.Second)
		if err := h.sync(); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, h.scales.replicas)
	}
	if fmt.Sprint(steps) != "[4 8 16]" {
		t.Errorf("scale-up steps %v, want [4 8 16]", steps)
	}
	if c := h.condition(ScalingLimited); c.Reason != "ScaleUpLimit" || c.Status != api.ConditionTrue {
		t.Errorf("ScalingLimited = %+v", c)
	}
	// The load drops: 16 pods at 10% of the request want 4, but the
	// highest recommendation of the last 5 minutes (from the load) wins,
	// so the count still goes to maxReplicas.
	load = 10
	h.now = h.now.Add(15 * time.Second)
	if err := h.sync(); err != nil {
		t.Fatal(err)
	}
	if h.scales.replicas != 20 {
		t.Fatalf("replicas %d inside the stabilization window, want 20", h.scales.replicas)
	}
	if c := h.condition(AbleToScale); c.Reason != "SucceededRescale" {
		t.Errorf("AbleToScale = %+v", c)
	}
	h.now = h.now.Add(15 * time.Second)
	if err := h.sync(); err != nil {
		t.Fatal(err)
	}
	if c := h.condition(AbleToScale); c.Reason != "ScaleDownStabilized" || h.scales.replicas != 20 {
		t.Errorf("replicas %d, AbleToScale = %+v", h.scales.replicas, c)
	}
	// Five minutes after the last high recommendation only low ones are
	// left: 20 pods at 10% against 40% → ceil(0.25*20) = 5.
	h.now = h.now.Add(5 * time.Minute)
	if err := h.sync(); err != nil {
		t.Fatal(err)
	}
	if h.scales.replicas != 5 {
		t.Errorf("after the window replicas = %d, want 5", h.scales.replicas)
	}
}

func TestConditionsAndEvents(t *testing.T) {
	cases := []struct {
		name         string
		prepare      func(h *harness)
		replicas     int32
		wantErr      bool
		wantCondType string
		wantStatus   string
		wantReason   string
		wantMsgHas   string
		wantEvent    string
		wantReplicas int32
	}{
		{name: "missing requests", prepare: func(h *harness) { h.noRequests = true }, replicas: 3, wantErr: true,
			wantCondType: ScalingActive, wantStatus: api.ConditionFalse, wantReason: "FailedGetResourceMetric",
			wantMsgHas: "missing request for cpu in container app of Pod web-0",
			wantEvent:  "Warning FailedGetResourceMetric failed to get cpu utilization: missing request for cpu in container app of Pod web-0", wantReplicas: 3},
		{name: "metrics unavailable", prepare: func(h *harness) { h.metricsErr = errors.New("the server could not find the requested resource") }, replicas: 3, wantErr: true,
			wantCondType: ScalingActive, wantStatus: api.ConditionFalse, wantReason: "FailedGetResourceMetric",
			wantMsgHas: "unable to get metrics for resource cpu: unable to fetch metrics from resource metrics API",
			wantEvent:  "Warning FailedGetResourceMetric failed to get cpu utilization: unable to get metrics for resource cpu", wantReplicas: 3},
		{name: "unknown kind", prepare: func(h *harness) { h.hpa.Spec.ScaleTargetRef.Kind = "Frobnicator" }, replicas: 3, wantErr: true,
			wantCondType: AbleToScale, wantStatus: api.ConditionFalse, wantReason: "FailedGetScale",
			wantMsgHas: `unable to determine resource for scale target reference: no matches for kind "Frobnicator" in group "apps"`,
			wantEvent:  "Warning FailedGetScale unable to determine resource", wantReplicas: 3},
		{name: "another version of the kind", prepare: func(h *harness) { h.hpa.Spec.ScaleTargetRef.APIVersion = "apps/v1beta2" }, replicas: 3,
			wantCondType: AbleToScale, wantStatus: api.ConditionTrue, wantReason: "SucceededRescale", wantReplicas: 6},
		{name: "invalid apiVersion", prepare: func(h *harness) { h.hpa.Spec.ScaleTargetRef.APIVersion = "apps/v1/x" }, replicas: 3, wantErr: true,
			wantCondType: AbleToScale, wantStatus: api.ConditionFalse, wantReason: "FailedGetScale",
			wantMsgHas: "invalid API version in scale target reference", wantEvent: "Warning FailedGetScale invalid API version", wantReplicas: 3},
		{name: "scale read fails", prepare: func(h *harness) { h.scales.getErr = errors.New(`deployments.apps "deployment1" not found`) }, replicas: 3, wantErr: true,
			wantCondType: AbleToScale, wantStatus: api.ConditionFalse, wantReason: "FailedGetScale",
			wantMsgHas: "failed to query scale subresource for Deployment/default/deployment1", wantEvent: "Warning FailedGetScale failed to query", wantReplicas: 3},
		{name: "scale write fails", prepare: func(h *harness) { h.scales.setErr = errors.New("conflict") }, replicas: 3, wantErr: true,
			wantCondType: AbleToScale, wantStatus: api.ConditionFalse, wantReason: "FailedUpdateScale",
			wantMsgHas: "the HPA controller was unable to update the target scale: conflict",
			wantEvent:  "Warning FailedRescale New size: 6; reason: cpu resource utilization (percentage of request) above target; error: conflict", wantReplicas: 3},
		{name: "target scaled to zero", replicas: 0, wantCondType: ScalingActive, wantStatus: api.ConditionFalse, wantReason: "ScalingDisabled",
			wantMsgHas: "scaling is disabled since the replica count of the target is zero", wantReplicas: 0},
		{name: "below minReplicas", replicas: 1, wantCondType: AbleToScale, wantStatus: api.ConditionTrue, wantReason: "SucceededRescale",
			wantEvent: "Normal SuccessfulRescale New size: 3; reason: Current number of replicas below Spec.MinReplicas", wantReplicas: 3},
		{name: "above maxReplicas", replicas: 9, wantCondType: AbleToScale, wantStatus: api.ConditionTrue, wantReason: "SucceededRescale",
			wantEvent: "Normal SuccessfulRescale New size: 6; reason: Current number of replicas above Spec.MaxReplicas", wantReplicas: 6},
		{name: "missing selector", prepare: func(h *harness) { h.scales.selector = "" }, replicas: 3, wantErr: true,
			wantCondType: ScalingActive, wantStatus: api.ConditionFalse, wantReason: "InvalidSelector",
			wantMsgHas: "the HPA target's scale is missing a selector", wantEvent: "Warning SelectorRequired selector is required", wantReplicas: 3},
		{name: "valid metric", replicas: 3, wantCondType: ScalingActive, wantStatus: api.ConditionTrue, wantReason: "ValidMetricFound",
			wantMsgHas: "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)", wantReplicas: 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, seedHPA(), tc.replicas)
			h.usage = func() int64 { return 90 }
			if tc.prepare != nil {
				tc.prepare(h)
			}
			err := h.sync()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			c := h.condition(tc.wantCondType)
			if c.Status != tc.wantStatus || c.Reason != tc.wantReason || !strings.Contains(c.Message, tc.wantMsgHas) {
				t.Errorf("%s = %+v", tc.wantCondType, c)
			}
			if h.scales.replicas != tc.wantReplicas {
				t.Errorf("replicas %d, want %d", h.scales.replicas, tc.wantReplicas)
			}
			ev := h.drainEvents()
			if tc.wantEvent != "" && (len(ev) == 0 || !strings.HasPrefix(ev[0], tc.wantEvent)) {
				t.Errorf("events %q, want one starting %q", ev, tc.wantEvent)
			}
		})
	}
}

// TestLargestProposalWins: with cpu and memory metrics, the larger
// proposal is taken and named in the event; AverageValue metrics report
// their average.
func TestLargestProposalWins(t *testing.T) {
	hpa := seedHPA()
	hpa.Spec.Metrics = append(hpa.Spec.Metrics, api.MetricSpec{Type: api.ResourceMetricSourceType, Resource: &api.ResourceMetricSource{
		Name: "cpu", Target: api.MetricTarget{Type: api.AverageValueMetricType, AverageValue: resource.NewMilliQuantity(20, resource.DecimalSI)}}})
	h := newHarness(t, hpa, 3)
	h.usage = func() int64 { return 50 } // utilization 50% vs 40 → 4; average 50m vs 20m → 8 (capped at 6)
	if err := h.sync(); err != nil {
		t.Fatal(err)
	}
	if h.scales.replicas != 6 {
		t.Fatalf("replicas %d", h.scales.replicas)
	}
	ev := h.drainEvents()
	if len(ev) != 1 || ev[0] != "Normal SuccessfulRescale New size: 6; reason: cpu resource above target" {
		t.Errorf("events %q", ev)
	}
	cm := h.hpa.Status.CurrentMetrics
	if len(cm) != 2 || *cm[0].Resource.Current.AverageUtilization != 50 || cm[1].Resource.Current.AverageValue.MilliValue() != 50 || cm[1].Resource.Current.AverageUtilization != nil {
		t.Errorf("currentMetrics %+v", cm)
	}
}

// TestStatusWrittenOnlyOnChange: a sync that changes nothing writes no status.
func TestStatusWrittenOnlyOnChange(t *testing.T) {
	h := newHarness(t, seedHPA(), 3)
	h.usage = func() int64 { return 40 }
	if err := h.sync(); err != nil {
		t.Fatal(err)
	}
	n := h.statusWrites
	h.now = h.now.Add(15 * time.Second)
	if err := h.sync(); err != nil {
		t.Fatal(err)
	}
	if h.statusWrites != n {
		t.Errorf("status written %d times, want %d", h.statusWrites, n)
	}
}

// TestAmbiguousSelector: a second HPA over the same pods is refused, as in
// Kubernetes, and so is the first on its next sync.
func TestAmbiguousSelector(t *testing.T) {
	h := newHarness(t, seedHPA(), 3)
	h.usage = func() int64 { return 40 }
	if err := h.sync(); err != nil {
		t.Fatal(err)
	}
	first := h.hpa
	second := seedHPA()
	second.Name = "hpa2"
	h.hpa = second
	if err := h.sync(); err == nil {
		t.Fatal("no error for a second HPA over the same pods")
	}
	c := h.condition(ScalingActive)
	if c.Status != api.ConditionFalse || c.Reason != "AmbiguousSelector" ||
		c.Message != "pods by selector app=web are controlled by multiple HPAs: [default/hpa1 default/hpa2]" {
		t.Errorf("ScalingActive = %+v", c)
	}
	h.hpa = first
	if err := h.sync(); err == nil || h.condition(ScalingActive).Reason != "AmbiguousSelector" {
		t.Errorf("first HPA: err %v, ScalingActive %+v", err, h.condition(ScalingActive))
	}
	h.ctl.forget("default/hpa2")
	if err := h.sync(); err != nil || h.condition(ScalingActive).Reason != "ValidMetricFound" {
		t.Errorf("after the second is deleted: err %v, ScalingActive %+v", err, h.condition(ScalingActive))
	}
}

// TestScheduleResync: each HPA has at most one pending periodic sync.
func TestScheduleResync(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SyncPeriod = 20 * time.Millisecond
	ctl := newController(cfg, record.NewFakeRecorder(1))
	defer ctl.queue.ShutDown()
	for range 3 {
		ctl.scheduleResync("default/hpa1")
	}
	deadline := time.Now().Add(5 * time.Second)
	for ctl.queue.Len() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(60 * time.Millisecond) // any extra timer would have fired
	if n := ctl.queue.Len(); n != 1 {
		t.Fatalf("queue length %d, want 1", n)
	}
	ctl.mu.Lock()
	pending := ctl.pending["default/hpa1"]
	ctl.mu.Unlock()
	if pending {
		t.Error("still pending after firing")
	}
	key, _ := ctl.queue.Get()
	ctl.queue.Done(key)
	ctl.scheduleResync(key) // a new period can be scheduled again
	deadline = time.Now().Add(5 * time.Second)
	for ctl.queue.Len() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if ctl.queue.Len() != 1 {
		t.Error("rescheduling after the first resync did not queue the key")
	}
}

// TestMemoryAverageValue: a memory AverageValue metric beside cpu; the
// larger proposal (memory) wins and names the metric.
func TestMemoryAverageValue(t *testing.T) {
	hpa := seedHPA()
	hpa.Spec.Metrics = append(hpa.Spec.Metrics, api.MetricSpec{Type: api.ResourceMetricSourceType, Resource: &api.ResourceMetricSource{
		Name: "memory", Target: api.MetricTarget{Type: api.AverageValueMetricType, AverageValue: ptr(resource.MustParse("100Mi"))}}})
	h := newHarness(t, hpa, 3)
	h.usage = func() int64 { return 40 } // cpu at target: 3
	h.memory = 150 << 20                 // 150Mi against 100Mi: ceil(1.5*3) = 5
	if err := h.sync(); err != nil {
		t.Fatal(err)
	}
	if h.scales.replicas != 5 {
		t.Fatalf("replicas %d, want 5", h.scales.replicas)
	}
	if ev := h.drainEvents(); len(ev) != 1 || ev[0] != "Normal SuccessfulRescale New size: 5; reason: memory resource above target" {
		t.Errorf("events %q", ev)
	}
	cm := h.hpa.Status.CurrentMetrics
	if len(cm) != 2 || cm[1].Resource.Name != "memory" || cm[1].Resource.Current.AverageValue.Value() != 150<<20 {
		t.Errorf("currentMetrics %+v", cm)
	}
	if c := h.condition(ScalingActive); c.Message != "the HPA was able to successfully calculate a replica count from memory resource" {
		t.Errorf("ScalingActive %+v", c)
	}
}
