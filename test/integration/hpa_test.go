package integration

// The HorizontalPodAutoscaler controller against the apiserver, the
// Deployment and ReplicaSet controllers, the scheduler and two fake-runtime
// kubelets, with a fake resource metrics source whose per-pod cpu usage
// the test sets: a Deployment scales up to the computed count (bounded by
// maxReplicas) and back down no faster than its scale-down policy allows,
// with the status and SuccessfulRescale events Kubernetes writes; a
// ReplicaSet is a target too; pods without cpu requests are reported in
// the ScalingActive condition.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"minik8s/apiserver"
	apimetrics "minik8s/apiserver/metrics"
	"minik8s/apiserver/testserver"
	"minik8s/controller"
	"minik8s/controller/podautoscaler"
	"minik8s/controller/podautoscaler/metrics"
	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/pkg/labels"
	"minik8s/scheduler"
)

// fakeUsage is the metrics source: every pod the selector matches uses
// the same cpu (millicores), sampled now over a 1 s window.
type fakeUsage struct {
	c     *mkclient.Client
	milli atomic.Int64
}

func (f *fakeUsage) list(ctx context.Context, ns string, sel labels.Selector) (*api.PodMetricsList, error) {
	pods, _, err := f.c.Pods(ns).List(ctx, mkclient.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, err
	}
	now := api.NewTime(time.Now())
	out := &api.PodMetricsList{}
	for _, p := range pods {
		if p.Status.Phase != api.PodRunning {
			continue // metrics-server has no sample yet
		}
		out.Items = append(out.Items, api.PodMetrics{ObjectMeta: api.ObjectMeta{Name: p.Name, Namespace: ns, Labels: p.Labels},
			Timestamp: now, Window: api.Duration{Duration: time.Second},
			Containers: []api.ContainerMetrics{{Name: "app", Usage: api.ResourceList{"cpu": *resource.NewMilliQuantity(f.milli.Load(), resource.DecimalSI)}}}})
	}
	return out, nil
}

// startHPAController runs the HPA controller (1 s sync period) with the
// fake metrics until the test ends.
func startHPAController(t *testing.T, c *mkclient.Client, usage *fakeUsage) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f := cache.NewSharedInformerFactory(c, time.Minute)
	rec := record.NewRecorder(c, api.EventSource{Component: "horizontal-pod-autoscaler"})
	cfg := podautoscaler.DefaultConfig()
	cfg.SyncPeriod = time.Second
	cfg.Metrics = metrics.FuncClient(usage.list)
	ctl := podautoscaler.New(c, f, rec, cfg)
	f.Start(ctx)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = rec.Run(ctx) }()
	go func() { defer wg.Done(); _ = ctl.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		f.Shutdown()
	})
}

func webTemplate(app string, withRequests bool) api.PodTemplateSpec {
	ctr := api.Container{Name: "app", Image: "minik8s/testserver:latest"}
	if withRequests {
		ctr.Resources.Requests = api.ResourceList{"cpu": resource.MustParse("100m")}
	}
	return api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": app}},
		Spec: api.PodSpec{Containers: []api.Container{ctr}}}
}

func hpaFor(name, kind, apiVersion string, min, max, cpuPercent int32, b *api.HorizontalPodAutoscalerBehavior) *api.HorizontalPodAutoscaler {
	return &api.HorizontalPodAutoscaler{
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"},
		Spec: api.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: api.CrossVersionObjectReference{APIVersion: apiVersion, Kind: kind, Name: name},
			MinReplicas:    &min, MaxReplicas: max,
			Metrics: []api.MetricSpec{{Type: api.ResourceMetricSourceType, Resource: &api.ResourceMetricSource{Name: "cpu",
				Target: api.MetricTarget{Type: api.UtilizationMetricType, AverageUtilization: &cpuPercent}}}},
			Behavior: b,
		},
	}
}

func hpaCondition(h *api.HorizontalPodAutoscaler, typ string) api.HorizontalPodAutoscalerCondition {
	for _, c := range h.Status.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return api.HorizontalPodAutoscalerCondition{}
}

// hpaEvents lists the HPA's events of reason as their messages.
func hpaEvents(t *testing.T, c *mkclient.Client, name, reason string) []string {
	t.Helper()
	evs, _, err := c.Events("default").List(context.Background(), mkclient.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		if e.InvolvedObject.Kind == "HorizontalPodAutoscaler" && e.InvolvedObject.Name == name && e.Reason == reason {
			out = append(out, e.Message)
		}
	}
	return out
}

func TestHPA(t *testing.T) {
	ts := testserver.Start(t)
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startFakeKubelet(t, c, "node1")
	startFakeKubelet(t, c, "node2")
	startControllerManagerWith(t, ts.URL, func(o *controller.Options) { o.HPAController = false })
	sopts := scheduler.DefaultOptions()
	sopts.APIServer, sopts.LeaderElect = ts.URL, false
	startScheduler(t, sopts)
	usage := &fakeUsage{c: c}
	startHPAController(t, c, usage)

	t.Run("deployment up and down on schedule", func(t *testing.T) {
		two := int32(2)
		d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default"},
			Spec: api.DeploymentSpec{Replicas: &two, Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
				Template: webTemplate("web", true)}}
		if _, err := c.Deployments("default").Create(ctx, d); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 30*time.Second, "web 2/2 ready", func() (bool, string) {
			got, err := c.Deployments("default").Get(ctx, "web")
			return err == nil && got.Status.ReadyReplicas == 2, fmt.Sprintf("%+v %v", got.Status, err)
		})
		// 100m per pod against 50% of 100m wants twice the pods: 2 → 4,
		// then (the new pods ready) 4 → 8, which maxReplicas makes 5.
		usage.milli.Store(100)
		behavior := &api.HorizontalPodAutoscalerBehavior{ScaleDown: &api.HPAScalingRules{
			StabilizationWindowSeconds: new(int32),
			Policies:                   []api.HPAScalingPolicy{{Type: api.PodsScalingPolicy, Value: 1, PeriodSeconds: 4}},
		}}
		if _, err := c.HorizontalPodAutoscalers("default").Create(ctx, hpaFor("web", "Deployment", "apps/v1", 1, 5, 50, behavior)); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 30*time.Second, "web scaled up", func() (bool, string) {
			got, err := c.Deployments("default").Get(ctx, "web")
			return err == nil && *got.Spec.Replicas >= 4, fmt.Sprintf("replicas %v %v", got.Spec.Replicas, err)
		})
		waitUntil(t, 30*time.Second, "web 5/5 ready and the HPA status", func() (bool, string) {
			got, _ := c.Deployments("default").Get(ctx, "web")
			h, _ := c.HorizontalPodAutoscalers("default").Get(ctx, "web")
			return *got.Spec.Replicas == 5 && got.Status.ReadyReplicas == 5 && h.Status.CurrentReplicas == 5 && h.Status.DesiredReplicas == 5,
				fmt.Sprintf("deployment %d/%d, hpa %+v", got.Status.ReadyReplicas, *got.Spec.Replicas, h.Status)
		})
		h, _ := c.HorizontalPodAutoscalers("default").Get(ctx, "web")
		if cm := h.Status.CurrentMetrics; len(cm) != 1 || cm[0].Resource.Name != "cpu" || *cm[0].Resource.Current.AverageUtilization != 100 {
			t.Errorf("currentMetrics %+v", cm)
		}
		if h.Status.LastScaleTime == nil {
			t.Error("no lastScaleTime")
		}
		if c := hpaCondition(h, "ScalingActive"); c.Status != "True" || c.Reason != "ValidMetricFound" {
			t.Errorf("ScalingActive %+v", c)
		}
		if c := hpaCondition(h, "ScalingLimited"); c.Status != "True" || c.Reason != "TooManyReplicas" {
			t.Errorf("ScalingLimited %+v", c)
		}
		waitUntil(t, 10*time.Second, "the scale-up events", func() (bool, string) {
			ev := hpaEvents(t, c, "web", "SuccessfulRescale")
			for _, m := range ev {
				if strings.HasPrefix(m, "New size: ") && strings.HasSuffix(m, "; reason: cpu resource utilization (percentage of request) above target") {
					return true, ""
				}
			}
			return false, fmt.Sprint(ev)
		})

		// The load drops to 10%: 1 pod is enough, but the policy removes at
		// most one pod per 4 s. (Scale-up events within the period would
		// lower its starting count, as in Kubernetes, so let them age out.)
		time.Sleep(5 * time.Second)
		usage.milli.Store(10)
		type change struct {
			at       time.Time
			replicas int32
		}
		var changes []change
		last := int32(5)
		waitUntil(t, 60*time.Second, "web scaled down to 1", func() (bool, string) {
			got, err := c.Deployments("default").Get(ctx, "web")
			if err != nil {
				return false, err.Error()
			}
			if r := *got.Spec.Replicas; r != last {
				changes = append(changes, change{time.Now(), r})
				last = r
			}
			return last == 1, fmt.Sprintf("replicas %d", last)
		})
		want := []int32{4, 3, 2, 1}
		if len(changes) != len(want) {
			t.Fatalf("scale-down steps %+v, want one pod at a time %v", changes, want)
		}
		for i, ch := range changes {
			if ch.replicas != want[i] {
				t.Errorf("step %d to %d, want %d", i, ch.replicas, want[i])
			}
			if i > 0 {
				if gap := ch.at.Sub(changes[i-1].at); gap < 3500*time.Millisecond {
					t.Errorf("step %d came %v after the previous one; the policy allows one pod per 4s", i, gap)
				}
			}
		}
		downs := hpaEvents(t, c, "web", "SuccessfulRescale")
		found := false
		for _, m := range downs {
			found = found || m == "New size: 4; reason: All metrics below target"
		}
		if !found {
			t.Errorf("events %q lack %q", downs, "New size: 4; reason: All metrics below target")
		}
	})

	t.Run("replicaset target", func(t *testing.T) {
		usage.milli.Store(60)
		one := int32(1)
		rs := &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "rs", Namespace: "default"},
			Spec: api.ReplicaSetSpec{Replicas: &one, Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "rs"}}, Template: webTemplate("rs", true)}}
		if _, err := c.ReplicaSets("default").Create(ctx, rs); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 30*time.Second, "rs 1/1 ready", func() (bool, string) {
			got, err := c.ReplicaSets("default").Get(ctx, "rs")
			return err == nil && got.Status.ReadyReplicas == 1, fmt.Sprintf("%+v %v", got.Status, err)
		})
		// 60% against 20%: ceil(3 * 1) = 3.
		if _, err := c.HorizontalPodAutoscalers("default").Create(ctx, hpaFor("rs", "ReplicaSet", "apps/v1", 1, 10, 20, nil)); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 30*time.Second, "rs scaled to 3", func() (bool, string) {
			got, err := c.ReplicaSets("default").Get(ctx, "rs")
			h, _ := c.HorizontalPodAutoscalers("default").Get(ctx, "rs")
			return err == nil && *got.Spec.Replicas == 3 && h.Status.DesiredReplicas == 3, fmt.Sprintf("replicas %d, hpa %+v", *got.Spec.Replicas, h.Status)
		})
		if ev := hpaEvents(t, c, "rs", "SuccessfulRescale"); len(ev) == 0 || ev[0] != "New size: 3; reason: cpu resource utilization (percentage of request) above target" {
			t.Errorf("events %q", ev)
		}
	})

	t.Run("missing requests", func(t *testing.T) {
		one := int32(1)
		d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "norequests", Namespace: "default"},
			Spec: api.DeploymentSpec{Replicas: &one, Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "norequests"}},
				Template: webTemplate("norequests", false)}}
		if _, err := c.Deployments("default").Create(ctx, d); err != nil {
			t.Fatal(err)
		}
		if _, err := c.HorizontalPodAutoscalers("default").Create(ctx, hpaFor("norequests", "Deployment", "apps/v1", 1, 3, 50, nil)); err != nil {
			t.Fatal(err)
		}
		waitUntil(t, 30*time.Second, "ScalingActive False for the missing request", func() (bool, string) {
			h, err := c.HorizontalPodAutoscalers("default").Get(ctx, "norequests")
			if err != nil {
				return false, err.Error()
			}
			cond := hpaCondition(h, "ScalingActive")
			return cond.Status == "False" && cond.Reason == "FailedGetResourceMetric" && strings.Contains(cond.Message, "missing request for cpu in container app of Pod norequests-"),
				fmt.Sprintf("%+v", cond)
		})
		waitUntil(t, 10*time.Second, "the FailedGetResourceMetric event", func() (bool, string) {
			ev := hpaEvents(t, c, "norequests", "FailedGetResourceMetric")
			for _, m := range ev {
				if strings.HasPrefix(m, "failed to get cpu utilization: missing request for cpu in container app of Pod norequests-") {
					return true, ""
				}
			}
			return false, fmt.Sprint(ev)
		})
	})
}

// TestHPAThroughMetricsAPI is the whole path in one process: the
// controller-manager's own HPA controller (REST metrics client) reads the
// apiserver's metrics.k8s.io, filled from an injected kubelet summary
// source, and scales a Deployment whose pods use 150% of their request
// against a 50% target: 1 → 3.
func TestHPAThroughMetricsAPI(t *testing.T) {
	fetch := apimetrics.NewFakeFetcher()
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.MetricsFetcher = fetch
		o.MetricsResolution = 200 * time.Millisecond
	})
	c, err := mkclient.New(&mkclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	startFakeKubelet(t, c, "node1")
	startControllerManagerWith(t, ts.URL, func(o *controller.Options) { o.HPASyncPeriod = time.Second })
	sopts := scheduler.DefaultOptions()
	sopts.APIServer, sopts.LeaderElect = ts.URL, false
	startScheduler(t, sopts)

	one := int32(1)
	d := &api.Deployment{ObjectMeta: api.ObjectMeta{Name: "busy", Namespace: "default"},
		Spec: api.DeploymentSpec{Replicas: &one, Selector: &api.LabelSelector{MatchLabels: map[string]string{"app": "busy"}},
			Template: webTemplate("busy", true)}}
	if _, err := c.Deployments("default").Create(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := c.HorizontalPodAutoscalers("default").Create(ctx, hpaFor("busy", "Deployment", "apps/v1", 1, 3, 50, nil)); err != nil {
		t.Fatal(err)
	}
	// Every pod of the Deployment, as it appears, burns 150m.
	var loadAt time.Time
	waitUntil(t, 60*time.Second, "busy scaled to 3 on the metrics API", func() (bool, string) {
		pods, _ := podsOf(t, c, "app=busy")
		for _, p := range pods {
			fetch.SetContainerUsage("node1", "default", p.Name, "app", 150e6, 10<<20)
			if loadAt.IsZero() {
				loadAt = time.Now()
			}
		}
		got, err := c.Deployments("default").Get(ctx, "busy")
		h, _ := c.HorizontalPodAutoscalers("default").Get(ctx, "busy")
		return err == nil && *got.Spec.Replicas == 3, fmt.Sprintf("replicas %d, hpa status %+v", *got.Spec.Replicas, h.Status)
	})
	// The figure: load to decision, with a 1 s sync period and a 200 ms
	// metrics resolution (two scrapes before a pod has a rate).
	t.Logf("load on the pods to the HPA's rescale to 3: %v", time.Since(loadAt).Round(10*time.Millisecond))
	// The status the HPA writes on its syncs after the rescale: every pod,
	// the new ones too, burns 150m of its 100m request. (A sync that
	// finds no metric writes an empty entry, as Kubernetes does, so the
	// status is polled rather than read once.)
	waitUntil(t, 30*time.Second, "currentMetrics at 150% utilization", func() (bool, string) {
		pods, _ := podsOf(t, c, "app=busy")
		for _, p := range pods {
			fetch.SetContainerUsage("node1", "default", p.Name, "app", 150e6, 10<<20)
		}
		h, err := c.HorizontalPodAutoscalers("default").Get(ctx, "busy")
		if err != nil {
			return false, err.Error()
		}
		cm := h.Status.CurrentMetrics
		ok := len(cm) == 1 && cm[0].Resource != nil && cm[0].Resource.Current.AverageUtilization != nil &&
			*cm[0].Resource.Current.AverageUtilization >= 140
		return ok, fmt.Sprintf("currentMetrics %+v", cm)
	})
	if ev := hpaEvents(t, c, "busy", "SuccessfulRescale"); len(ev) == 0 || ev[0] != "New size: 3; reason: cpu resource utilization (percentage of request) above target" {
		t.Errorf("events %q", ev)
	}
}
