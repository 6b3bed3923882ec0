package api

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func hpaV2Fixture() *HorizontalPodAutoscaler {
	mem := resource.MustParse("100Mi")
	curMem := resource.MustParse("10Mi")
	curCPU := resource.MustParse("170m")
	t0 := Time{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	return &HorizontalPodAutoscaler{
		TypeMeta:   TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: ObjectMeta{Name: "web", Namespace: "default", Annotations: map[string]string{"a": "b"}},
		Spec: HorizontalPodAutoscalerSpec{
			ScaleTargetRef: CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
			MinReplicas:    ptrTo(int32(3)),
			MaxReplicas:    6,
			Metrics: []MetricSpec{
				{Type: ResourceMetricSourceType, Resource: &ResourceMetricSource{Name: "memory", Target: MetricTarget{Type: AverageValueMetricType, AverageValue: &mem}}},
				cpuUtilizationMetric(40),
			},
			Behavior: &HorizontalPodAutoscalerBehavior{
				ScaleUp: &HPAScalingRules{StabilizationWindowSeconds: ptrTo(int32(0)), SelectPolicy: ptrTo("Max"),
					Policies: []HPAScalingPolicy{{Type: "Pods", Value: 4, PeriodSeconds: 15}, {Type: "Percent", Value: 100, PeriodSeconds: 15}}},
				ScaleDown: &HPAScalingRules{StabilizationWindowSeconds: ptrTo(int32(300)), SelectPolicy: ptrTo("Max"),
					Policies: []HPAScalingPolicy{{Type: "Percent", Value: 10, PeriodSeconds: 60}}},
			},
		},
		Status: HorizontalPodAutoscalerStatus{
			ObservedGeneration: ptrTo(int64(2)),
			LastScaleTime:      &t0,
			CurrentReplicas:    3, DesiredReplicas: 6,
			CurrentMetrics: []MetricStatus{
				{Type: ResourceMetricSourceType, Resource: &ResourceMetricStatus{Name: "memory", Current: MetricValueStatus{AverageValue: &curMem}}},
				{Type: ResourceMetricSourceType, Resource: &ResourceMetricStatus{Name: "cpu", Current: MetricValueStatus{AverageUtilization: ptrTo(int32(85)), AverageValue: &curCPU}}},
			},
			Conditions: []HorizontalPodAutoscalerCondition{
				{Type: "AbleToScale", Status: "True", LastTransitionTime: t0, Reason: "SucceededRescale", Message: "the HPA controller was able to update the target scale to 6"},
			},
		},
	}
}

func TestHPAToV1(t *testing.T) {
	in := hpaV2Fixture()
	in.Annotations[HPAMetricSpecsAnnotation] = "stale" // a client's copy: replaced
	out, err := HPAToV1(in)
	if err != nil {
		t.Fatal(err)
	}
	if out.APIVersion != "autoscaling/v1" || *out.Spec.TargetCPUUtilizationPercentage != 40 || *out.Spec.MinReplicas != 3 || out.Spec.MaxReplicas != 6 {
		t.Errorf("spec: %+v %+v", out.TypeMeta, out.Spec)
	}
	if out.Status.CurrentCPUUtilizationPercentage == nil || *out.Status.CurrentCPUUtilizationPercentage != 85 || out.Status.DesiredReplicas != 6 || out.Status.CurrentReplicas != 3 {
		t.Errorf("status: %+v", out.Status)
	}
	want := map[string]string{
		"a":                         "b",
		HPAMetricSpecsAnnotation:    `[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}}]`,
		HPAMetricStatusesAnnotation: `[{"type":"Resource","resource":{"name":"memory","currentAverageValue":"10Mi"}},{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":85,"currentAverageValue":"170m"}}]`,
		// Kubernetes marshals its internal type here: Go field names.
		HPABehaviorSpecsAnnotation: `{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}]},"ScaleDown":{"StabilizationWindowSeconds":300,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":10,"PeriodSeconds":60}]}}`,
		HPAConditionsAnnotation:    `[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-02T03:04:05Z","reason":"SucceededRescale","message":"the HPA controller was able to update the target scale to 6"}]`,
	}
	if !reflect.DeepEqual(out.Annotations, want) {
		t.Errorf("annotations:\n got %q\nwant %q", out.Annotations, want)
	}
	if in.Annotations[HPAMetricSpecsAnnotation] != "stale" || len(in.Annotations) != 2 {
		t.Errorf("input changed: %v", in.Annotations)
	}
	// The metric annotations are what k8s.io/api's v1 types read and write.
	for _, key := range []string{HPAMetricSpecsAnnotation, HPAMetricStatusesAnnotation} {
		var theirs any = &[]autoscalingv1.MetricSpec{}
		if key == HPAMetricStatusesAnnotation {
			theirs = &[]autoscalingv1.MetricStatus{}
		}
		d := json.NewDecoder(bytes.NewReader([]byte(want[key])))
		d.DisallowUnknownFields()
		if err := d.Decode(theirs); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if b, _ := json.Marshal(theirs); string(b) != want[key] {
			t.Errorf("%s: k8s.io/api writes %s", key, b)
		}
	}
}

func TestHPAV1RoundTrip(t *testing.T) {
	in := hpaV2Fixture()
	v1, err := HPAToV1(in)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v1) // through JSON, as a client holds it
	var back HorizontalPodAutoscalerV1
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	got := HPAFromV1(&back)
	// JSON, not DeepEqual: quantities and times keep parse caches.
	if g, w := mustJSON(t, got), mustJSON(t, in); g != w {
		t.Errorf("round trip:\n got %s\nwant %s", g, w)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHPAFromV1(t *testing.T) {
	mem := resource.MustParse("1Gi")
	tests := []struct {
		name        string
		in          HorizontalPodAutoscalerV1
		wantMetrics []MetricSpec
		wantAnn     map[string]string
		behavior    bool
	}{
		{name: "no target: cpu 80% made explicit",
			in:          HorizontalPodAutoscalerV1{Spec: HorizontalPodAutoscalerSpecV1{MaxReplicas: 3}},
			wantMetrics: []MetricSpec{cpuUtilizationMetric(80)}},
		{name: "cpu target",
			in:          HorizontalPodAutoscalerV1{Spec: HorizontalPodAutoscalerSpecV1{MaxReplicas: 3, TargetCPUUtilizationPercentage: ptrTo(int32(40))}},
			wantMetrics: []MetricSpec{cpuUtilizationMetric(40)}},
		{name: "annotated metrics first, then the cpu target",
			in: HorizontalPodAutoscalerV1{ObjectMeta: ObjectMeta{Annotations: map[string]string{"keep": "1",
				HPAMetricSpecsAnnotation: `[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"1Gi"}}]`}},
				Spec: HorizontalPodAutoscalerSpecV1{MaxReplicas: 3, TargetCPUUtilizationPercentage: ptrTo(int32(40))}},
			wantMetrics: []MetricSpec{{Type: "Resource", Resource: &ResourceMetricSource{Name: "memory", Target: MetricTarget{Type: AverageValueMetricType, AverageValue: &mem}}}, cpuUtilizationMetric(40)},
			wantAnn:     map[string]string{"keep": "1"}},
		{name: "malformed annotations are dropped",
			in: HorizontalPodAutoscalerV1{ObjectMeta: ObjectMeta{Annotations: map[string]string{
				HPAMetricSpecsAnnotation: `{`, HPABehaviorSpecsAnnotation: `[]`, HPAConditionsAnnotation: `x`, HPAMetricStatusesAnnotation: `1`}},
				Spec: HorizontalPodAutoscalerSpecV1{MaxReplicas: 3}},
			wantMetrics: []MetricSpec{cpuUtilizationMetric(80)},
			wantAnn:     map[string]string{}},
		{name: "behavior",
			in: HorizontalPodAutoscalerV1{ObjectMeta: ObjectMeta{Annotations: map[string]string{
				HPABehaviorSpecsAnnotation: `{"ScaleUp":null,"ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":"Min","Policies":[{"Type":"Pods","Value":1,"PeriodSeconds":60}]}}`}},
				Spec: HorizontalPodAutoscalerSpecV1{MaxReplicas: 3}},
			wantMetrics: []MetricSpec{cpuUtilizationMetric(80)},
			wantAnn:     map[string]string{}, behavior: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := HPAFromV1(&tc.in)
			if out.APIVersion != "autoscaling/v2" {
				t.Errorf("apiVersion %q", out.APIVersion)
			}
			if !reflect.DeepEqual(out.Spec.Metrics, tc.wantMetrics) {
				g, _ := json.Marshal(out.Spec.Metrics)
				t.Errorf("metrics %s", g)
			}
			if tc.wantAnn != nil && !reflect.DeepEqual(out.Annotations, tc.wantAnn) {
				t.Errorf("annotations %v, want %v", out.Annotations, tc.wantAnn)
			}
			if got := out.Spec.Behavior != nil; got != tc.behavior {
				t.Fatalf("behavior %+v", out.Spec.Behavior)
			}
			if tc.behavior {
				d := out.Spec.Behavior.ScaleDown
				if out.Spec.Behavior.ScaleUp != nil || *d.StabilizationWindowSeconds != 60 || *d.SelectPolicy != "Min" || d.Policies[0] != (HPAScalingPolicy{Type: "Pods", Value: 1, PeriodSeconds: 60}) {
					t.Errorf("behavior %+v", d)
				}
			}
		})
	}
}

func TestOtherVersionsStorage(t *testing.T) {
	for _, r := range OtherVersions {
		s := r.Storage()
		if s == r || s.Convert != nil || s.Group != r.Group || s.Resource != r.Resource {
			t.Errorf("%s: storage %s", r.APIVersion(), s.APIVersion())
		}
	}
	info, err := ForKind("autoscaling/v1", "HorizontalPodAutoscaler")
	if err != nil || info.Convert == nil {
		t.Fatalf("ForKind autoscaling/v1: %v", err)
	}
	obj, err := info.Convert.FromStorage(hpaV2Fixture())
	if err != nil {
		t.Fatal(err)
	}
	back, err := info.Convert.ToStorage(obj)
	if err != nil || back.GetTypeMeta().APIVersion != "autoscaling/v2" {
		t.Fatalf("ToStorage: %v %v", back, err)
	}
	if _, err := info.Convert.ToStorage(&Pod{}); err == nil {
		t.Error("a Pod converted")
	}
}
