package apiserver

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"minik8s/pkg/api"
)

// TestServedVersionRoutes: a path of a served version routes to the
// storage version's info with the served one as the view; a storage
// version's path has no view.
func TestServedVersionRoutes(t *testing.T) {
	var got *route
	e := (&Server{}).newRouter(func(w http.ResponseWriter, r *http.Request, rt route, _ *subresource) { got = &rt })
	for _, tc := range []struct {
		path, view, sub string
	}{
		{"/apis/autoscaling/v1/namespaces/a/horizontalpodautoscalers/h", "autoscaling/v1", ""},
		{"/apis/autoscaling/v1/namespaces/a/horizontalpodautoscalers/h/status", "autoscaling/v1", "status"},
		{"/apis/autoscaling/v1/horizontalpodautoscalers", "autoscaling/v1", ""},
		{"/apis/autoscaling/v2/namespaces/a/horizontalpodautoscalers/h", "", ""},
	} {
		got = nil
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", tc.path, nil))
		if got == nil {
			t.Fatalf("%s not routed", tc.path)
		}
		view := ""
		if got.view != nil {
			view = got.view.APIVersion()
		}
		if got.info.APIVersion() != "autoscaling/v2" || view != tc.view || got.sub != tc.sub || got.served().APIVersion() != firstNonEmpty(tc.view, "autoscaling/v2") {
			t.Errorf("%s: info %s view %q sub %q", tc.path, got.info.APIVersion(), view, got.sub)
		}
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestServedVersionConversion: the route converts both ways; a storage
// version's route passes objects through.
func TestServedVersionConversion(t *testing.T) {
	v1, err := api.ForKind("autoscaling/v1", "HorizontalPodAutoscaler")
	if err != nil {
		t.Fatal(err)
	}
	rt := routeFor(v1)
	stored := &api.HorizontalPodAutoscaler{TypeMeta: api.TypeMeta{APIVersion: "autoscaling/v2", Kind: "HorizontalPodAutoscaler"},
		ObjectMeta: api.ObjectMeta{Name: "h", ResourceVersion: "7"}, Spec: api.HorizontalPodAutoscalerSpec{MaxReplicas: 3}}
	out, err := rt.toServed(stored)
	if err != nil {
		t.Fatal(err)
	}
	h1, ok := out.(*api.HorizontalPodAutoscalerV1)
	if !ok || h1.APIVersion != "autoscaling/v1" || h1.ResourceVersion != "7" || h1.Spec.MaxReplicas != 3 {
		t.Fatalf("toServed: %#v", out)
	}
	back, err := rt.toStorage(h1)
	if err != nil || back.(*api.HorizontalPodAutoscaler).Spec.MaxReplicas != 3 {
		t.Fatalf("toStorage: %v %v", back, err)
	}
	if _, err := rt.toStorage(stored); err == nil {
		t.Error("a v2 object converted as v1")
	}
	v2 := routeFor(v1.Storage())
	if o, _ := v2.toServed(stored); o != api.Object(stored) {
		t.Error("storage route converted")
	}
}

// TestDiscoveryListsServedVersions: the autoscaling group lists v2 then
// v1, v2 preferred; each version lists the resource.
func TestDiscoveryListsServedVersions(t *testing.T) {
	for _, g := range groups() {
		if g.Name != "autoscaling" {
			continue
		}
		if len(g.Versions) != 2 || g.Versions[0].Version != "v2" || g.Versions[1].Version != "v1" || g.PreferredVersion.Version != "v2" {
			t.Errorf("autoscaling: %+v", g)
		}
	}
	res, ok := resourceList("autoscaling", "v1")
	if !ok || len(res) != 2 || res[0].Name != "horizontalpodautoscalers" || res[1].Name != "horizontalpodautoscalers/status" || res[0].ShortNames[0] != "hpa" {
		t.Errorf("autoscaling/v1 resources: %+v", res)
	}
}
