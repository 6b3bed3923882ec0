package apiserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"minik8s/pkg/api"
)

// TestNewResourceNeedsOnlyRegistration: a resource added to pkg/api gets
// its routes, the default strategy and discovery with no handler change.
func TestNewResourceNeedsOnlyRegistration(t *testing.T) {
	widget := &api.ResourceInfo{Group: "example.com", Version: "v1", Kind: "Widget", Resource: "widgets", Singular: "widget",
		Namespaced: true, New: func() api.Object { return &api.Endpoints{} }}
	saved := api.Resources
	api.Resources = append(append([]*api.ResourceInfo{}, saved...), widget)
	defer func() { api.Resources = saved }()

	if _, ok := strategyFor(widget).(defaultStrategy); !ok {
		t.Errorf("strategy %T, want the default", strategyFor(widget))
	}
	var got *route
	e := (&Server{}).newRouter(func(w http.ResponseWriter, r *http.Request, rt route, _ *subresource) { got = &rt })
	for _, p := range []string{"/apis/example.com/v1/namespaces/a/widgets/w", "/apis/example.com/v1/widgets"} {
		got = nil
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
		if got == nil || got.info != widget {
			t.Errorf("%s not routed to widgets: %+v", p, got)
		}
	}
	res, ok := resourceList("example.com", "v1")
	if !ok || len(res) != 1 || res[0].Name != "widgets" {
		t.Errorf("discovery: %+v", res)
	}
}

func TestDiscoveryFromStrategies(t *testing.T) {
	res, _ := resourceList("", "v1")
	verbs := map[string][]string{}
	kinds := map[string]string{}
	for _, r := range res {
		verbs[r.Name], kinds[r.Name] = r.Verbs, r.Kind
	}
	for name, want := range map[string][]string{
		"pods/binding": {"create"}, "pods/log": {"get"}, "pods/exec": {"create", "get"},
		"pods/status": {"get", "patch", "update"}, "namespaces/status": {"get", "patch", "update"},
		"namespaces": {"create", "delete", "get", "list", "patch", "update", "watch"},
	} {
		if !reflect.DeepEqual(verbs[name], want) {
			t.Errorf("%s verbs %v, want %v", name, verbs[name], want)
		}
	}
	if kinds["pods/exec"] != "PodExecOptions" || kinds["pods/binding"] != "Binding" {
		t.Errorf("subresource kinds %v", kinds)
	}
	apps, _ := resourceList("apps", "v1")
	for _, r := range apps {
		if r.Name == "deployments/scale" && (r.Kind != "Scale" || r.Group != "autoscaling") {
			t.Errorf("deployments/scale %+v", r)
		}
	}
}

func TestPrepareForCreate(t *testing.T) {
	pod := &api.Pod{Status: api.PodStatus{Phase: api.PodRunning, PodIP: "1.2.3.4"}}
	strategyFor(infoOf(t, "", "pods")).PrepareForCreate(infoOf(t, "", "pods"), pod)
	if !reflect.DeepEqual(pod.Status, api.PodStatus{Phase: api.PodPending}) {
		t.Errorf("pod status %+v", pod.Status)
	}
	d := &api.Deployment{Status: api.DeploymentStatus{Replicas: 3}}
	strategyFor(infoOf(t, "apps", "deployments")).PrepareForCreate(infoOf(t, "apps", "deployments"), d)
	if d.Status.Replicas != 0 {
		t.Errorf("deployment status kept: %+v", d.Status)
	}
	n := &api.Node{Status: api.NodeStatus{Addresses: []api.NodeAddress{{Type: "InternalIP", Address: "10.0.0.1"}}}}
	strategyFor(infoOf(t, "", "nodes")).PrepareForCreate(infoOf(t, "", "nodes"), n)
	if len(n.Status.Addresses) != 1 {
		t.Errorf("node status dropped: %+v", n.Status)
	}
}

func infoOf(t *testing.T, group, resource string) *api.ResourceInfo {
	t.Helper()
	version := "v1"
	info, ok := api.ForResource(group, version, resource)
	if !ok {
		t.Fatalf("no resource %s.%s", resource, group)
	}
	return info
}

func TestKeyLocks(t *testing.T) {
	var k keyLocks
	ctx := context.Background()
	unlock, err := k.lock(ctx, "/a")
	if err != nil {
		t.Fatal(err)
	}
	other, err := k.lock(ctx, "/b")
	if err != nil {
		t.Fatal("another key must not wait:", err)
	}
	other()
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := k.lock(short, "/a"); err == nil {
		t.Fatal("a locked key was locked twice")
	}
	unlock()
	again, err := k.lock(ctx, "/a")
	if err != nil {
		t.Fatal(err)
	}
	again()
	if len(k.locks) != 0 {
		t.Errorf("%d locks left", len(k.locks))
	}
}
