package integration

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// TestHPAServedAsV1AndV2: one stored HorizontalPodAutoscaler is served as
// autoscaling/v2 and autoscaling/v1, converted on the way in and out
// (create, get, list, watch, update, status, patch, delete), with what v1
// cannot hold in Kubernetes' round-trip annotations; discovery lists both
// versions with v2 preferred.
func TestHPAServedAsV1AndV2(t *testing.T) {
	ts := testserver.Start(t)
	v1 := ts.URL + "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
	v2 := ts.URL + "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"

	group := decodeInto[map[string]any](t, mustDo(t, 200, "GET", ts.URL+"/apis/autoscaling", "", ""))
	if b, _ := json.Marshal(group); !strings.Contains(string(b), `"preferredVersion":{"groupVersion":"autoscaling/v2","version":"v2"},"versions":[{"groupVersion":"autoscaling/v2","version":"v2"},{"groupVersion":"autoscaling/v1","version":"v1"}]`) {
		t.Errorf("group discovery: %s", b)
	}
	res := string(mustDo(t, 200, "GET", ts.URL+"/apis/autoscaling/v1", "", ""))
	if !strings.Contains(res, `"groupVersion":"autoscaling/v1"`) || !strings.Contains(res, `"name":"horizontalpodautoscalers/status"`) {
		t.Errorf("v1 resources: %s", res)
	}

	w1 := startWatch(t, v1+"?watch=true")

	// Created as v2 with what v1 cannot say.
	mustDo(t, 201, "POST", v2, "application/json", `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},
		"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":3,"maxReplicas":6,
		"metrics":[{"type":"Resource","resource":{"name":"memory","target":{"type":"AverageValue","averageValue":"100Mi"}}},
		           {"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":40}}}],
		"behavior":{"scaleDown":{"policies":[{"type":"Percent","value":10,"periodSeconds":60}]}}}}`)
	ev, _ := w1.next(false)
	got := decodeInto[api.HorizontalPodAutoscalerV1](t, ev.Object)
	if ev.Type != api.Added || got.APIVersion != "autoscaling/v1" || got.Spec.TargetCPUUtilizationPercentage == nil || *got.Spec.TargetCPUUtilizationPercentage != 40 {
		t.Fatalf("v1 watch: %s %s", ev.Type, ev.Object)
	}

	get1 := decodeInto[api.HorizontalPodAutoscalerV1](t, mustDo(t, 200, "GET", v1+"/web", "", ""))
	if get1.Kind != "HorizontalPodAutoscaler" || get1.APIVersion != "autoscaling/v1" || *get1.Spec.MinReplicas != 3 {
		t.Errorf("v1 get: %+v", get1)
	}
	if a := get1.Annotations[api.HPAMetricSpecsAnnotation]; a != `[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"100Mi"}}]` {
		t.Errorf("metrics annotation %q", a)
	}
	// The behavior as stored: defaulted (scale-up rules, scale-down select policy; its window is the controller's).
	if a := get1.Annotations[api.HPABehaviorSpecsAnnotation]; a != `{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}]},"ScaleDown":{"StabilizationWindowSeconds":null,"SelectPolicy":"Max","Policies":[{"Type":"Percent","Value":10,"PeriodSeconds":60}]}}` {
		t.Errorf("behavior annotation %q", a)
	}
	list := decodeInto[api.List[api.HorizontalPodAutoscalerV1]](t, mustDo(t, 200, "GET", v1, "", ""))
	if list.Kind != "HorizontalPodAutoscalerList" || list.APIVersion != "autoscaling/v1" || len(list.Items) != 1 || list.Items[0].APIVersion != "autoscaling/v1" {
		t.Errorf("v1 list: %+v", list)
	}

	// A v1 update (as a v1 client does: read, change, write back) keeps
	// the memory metric and the behavior.
	get1.Spec.TargetCPUUtilizationPercentage = ptr32(50)
	body, _ := json.Marshal(get1)
	upd := decodeInto[api.HorizontalPodAutoscalerV1](t, mustDo(t, 200, "PUT", v1+"/web", "application/json", string(body)))
	if *upd.Spec.TargetCPUUtilizationPercentage != 50 {
		t.Errorf("v1 update answer: %+v", upd.Spec)
	}
	ev, _ = w1.next(false)
	if ev.Type != api.Modified || !strings.Contains(string(ev.Object), `"targetCPUUtilizationPercentage":50`) {
		t.Errorf("v1 watch after update: %s %s", ev.Type, ev.Object)
	}
	h := decodeInto[api.HorizontalPodAutoscaler](t, mustDo(t, 200, "GET", v2+"/web", "", ""))
	if len(h.Spec.Metrics) != 2 || h.Spec.Metrics[0].Resource.Name != "memory" || *h.Spec.Metrics[1].Resource.Target.AverageUtilization != 50 ||
		h.Spec.Behavior == nil || h.Spec.Behavior.ScaleDown.Policies[0].Value != 10 || h.Generation != 2 {
		t.Errorf("v2 after the v1 update: %+v", h.Spec)
	}
	if _, ok := h.Annotations[api.HPAMetricSpecsAnnotation]; ok {
		t.Errorf("round-trip annotation stored: %v", h.Annotations)
	}

	// Status written as v2 reads as v1 (currentCPUUtilizationPercentage and annotations).
	mustDo(t, 200, "PATCH", v2+"/web/status", "application/merge-patch+json", `{"status":{"currentReplicas":3,"desiredReplicas":4,
		"currentMetrics":[{"type":"Resource","resource":{"name":"memory","current":{"averageValue":"10Mi"}}},
		                  {"type":"Resource","resource":{"name":"cpu","current":{"averageUtilization":85,"averageValue":"170m"}}}],
		"conditions":[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"ReadyForNewScale","message":"recommended size matches current size"}]}}`)
	st := decodeInto[api.HorizontalPodAutoscalerV1](t, mustDo(t, 200, "GET", v1+"/web/status", "", ""))
	if st.Status.CurrentCPUUtilizationPercentage == nil || *st.Status.CurrentCPUUtilizationPercentage != 85 || st.Status.DesiredReplicas != 4 ||
		!strings.Contains(st.Annotations[api.HPAConditionsAnnotation], `"reason":"ReadyForNewScale"`) ||
		!strings.Contains(st.Annotations[api.HPAMetricStatusesAnnotation], `"currentAverageValue":"170m"`) {
		t.Errorf("v1 status: %+v %v", st.Status, st.Annotations)
	}

	// A v1 merge patch.
	mustDo(t, 200, "PATCH", v1+"/web", "application/merge-patch+json", `{"spec":{"maxReplicas":8}}`)
	h = decodeInto[api.HorizontalPodAutoscaler](t, mustDo(t, 200, "GET", v2+"/web", "", ""))
	if h.Spec.MaxReplicas != 8 || len(h.Spec.Metrics) != 2 || h.Status.DesiredReplicas != 4 || len(h.Status.Conditions) != 1 {
		t.Errorf("v2 after the v1 patch: %+v %+v", h.Spec, h.Status)
	}

	// Created as v1 without a target: the v2 object has cpu 80% explicitly.
	mustDo(t, 201, "POST", v1, "application/json", `{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"plain"},
		"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"plain"},"maxReplicas":4}}`)
	p := decodeInto[api.HorizontalPodAutoscaler](t, mustDo(t, 200, "GET", v2+"/plain", "", ""))
	if len(p.Spec.Metrics) != 1 || p.Spec.Metrics[0].Resource.Name != "cpu" || *p.Spec.Metrics[0].Resource.Target.AverageUtilization != 80 || *p.Spec.MinReplicas != 1 {
		t.Errorf("v1 created: %+v", p.Spec)
	}
	// Validation speaks of the stored fields; a v2 body on the v1 path is refused.
	code, b := do(t, "POST", v1, "application/json", `{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"bad"},
		"spec":{"scaleTargetRef":{"kind":"Deployment","name":"x"},"maxReplicas":2,"targetCPUUtilizationPercentage":0}}`)
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(b), "spec.metrics[0].resource.target.averageUtilization") {
		t.Errorf("invalid v1: %d %s", code, b)
	}
	code, b = do(t, "POST", v1, "application/json", `{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"bad"},"spec":{"maxReplicas":2}}`)
	if code != http.StatusBadRequest {
		t.Errorf("v2 body on the v1 path: %d %s", code, b)
	}
	code, b = do(t, "POST", v1+"?fieldValidation=Strict", "application/json", `{"apiVersion":"autoscaling/v1","kind":"HorizontalPodAutoscaler","metadata":{"name":"bad"},"spec":{"metrics":[],"maxReplicas":2}}`)
	if code != http.StatusBadRequest || !strings.Contains(string(b), "spec.metrics") {
		t.Errorf("a v2 field in a v1 body: %d %s", code, b)
	}

	del := decodeInto[api.HorizontalPodAutoscalerV1](t, mustDo(t, 200, "DELETE", v1+"/web", "", ""))
	if del.APIVersion != "autoscaling/v1" || del.Name != "web" {
		t.Errorf("v1 delete answer: %+v", del.TypeMeta)
	}
	for ev, _ = w1.next(false); ev.Type != api.Deleted; ev, _ = w1.next(false) {
	}
	if !strings.Contains(string(ev.Object), `"apiVersion":"autoscaling/v1"`) {
		t.Errorf("v1 DELETED event: %s", ev.Object)
	}
}

func ptr32(v int32) *int32 { return &v }
