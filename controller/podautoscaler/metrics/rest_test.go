package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/client"
	"minik8s/pkg/labels"
)

// podMetricsJSON is what metrics-server (and our apiserver) answer.
const podMetricsJSON = `{"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1","metadata":{},"items":[
 {"metadata":{"name":"web-1","namespace":"default","labels":{"app":"web"}},"timestamp":"2026-12-02T06:00:00Z","window":"15s",
  "containers":[{"name":"app","usage":{"cpu":"250m","memory":"10Mi"}},{"name":"sidecar","usage":{"cpu":"50m","memory":"1Mi"}}]},
 {"metadata":{"name":"web-2","namespace":"default","labels":{"app":"web"}},"timestamp":"2026-12-02T06:00:05Z","window":"15s",
  "containers":[{"name":"app","usage":{"cpu":"1","memory":"20Mi"}}]},
 {"metadata":{"name":"web-3","namespace":"default","labels":{"app":"web"}},"timestamp":"2026-12-02T06:00:05Z","window":"15s",
  "containers":[{"name":"app","usage":{"memory":"20Mi"}}]},
 {"metadata":{"name":"web-4","namespace":"default","labels":{"app":"web"}},"timestamp":"2026-12-02T06:00:05Z","window":"15s","containers":[]}
]}`

func TestRESTClientGetResourceMetric(t *testing.T) {
	var gotPath, gotQuery string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotPath, gotQuery = r.URL.Path, r.URL.Query().Get("labelSelector")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(podMetricsJSON))
	}))
	defer srv.Close()
	c, err := client.New(&client.Config{Server: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	sel, _ := labels.Parse("app=web,tier!=db")
	m, ts, err := NewRESTClient(c).GetResourceMetric(context.Background(), "cpu", "default", sel)
	if err != nil {
		t.Fatal(err)
	}
	if gotPath != "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods" || gotQuery != sel.String() {
		t.Errorf("requested %s ? labelSelector=%q", gotPath, gotQuery)
	}
	// web-1 sums its containers; web-3 lacks cpu and web-4 has no
	// containers, so neither has a metric.
	want := PodMetricsInfo{
		"web-1": {Timestamp: time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC), Window: 15 * time.Second, Value: 300},
		"web-2": {Timestamp: time.Date(2026, 12, 2, 6, 0, 5, 0, time.UTC), Window: 15 * time.Second, Value: 1000},
	}
	if len(m) != len(want) {
		t.Fatalf("got %+v, want %+v", m, want)
	}
	for k, v := range want {
		if g := m[k]; g.Value != v.Value || g.Window != v.Window || !g.Timestamp.Equal(v.Timestamp) {
			t.Errorf("%s = %+v, want %+v", k, g, v)
		}
	}
	if !ts.Equal(want["web-1"].Timestamp) {
		t.Errorf("timestamp %v", ts)
	}
	mem, _, err := NewRESTClient(c).GetResourceMetric(context.Background(), "memory", "default", sel)
	if err != nil || mem["web-3"].Value != 20*1024*1024*1000 || len(mem) != 3 {
		t.Errorf("memory %+v, %v", mem, err)
	}
}

func TestRESTClientErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		code    int
		body    string
		wantErr string
	}{
		{"empty list", 200, `{"kind":"PodMetricsList","items":[]}`, "no metrics returned from resource metrics API"},
		{"not served", 404, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","code":404}`,
			"unable to fetch metrics from resource metrics API: the server could not find the requested resource"},
		{"garbage", 200, `{"items":`, "unable to fetch metrics from resource metrics API: decode PodMetricsList"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.code)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			c, _ := client.New(&client.Config{Server: srv.URL})
			_, _, err := NewRESTClient(c).GetResourceMetric(context.Background(), "cpu", "default", labels.Everything())
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestGetResourceUtilizationRatio(t *testing.T) {
	m := PodMetricsInfo{"a": {Value: 300}, "b": {Value: 500}, "stranger": {Value: 9000}}
	ratio, util, raw, err := GetResourceUtilizationRatio(m, map[string]int64{"a": 1000, "b": 1000}, 50)
	if err != nil || util != 40 || ratio != 0.8 || raw != 400 {
		t.Errorf("got %v %d %d %v", ratio, util, raw, err)
	}
	if _, _, _, err := GetResourceUtilizationRatio(PodMetricsInfo{"x": {Value: 1}}, map[string]int64{"a": 1}, 50); err == nil {
		t.Error("no error for metrics of unknown pods")
	}
	if r, u := GetMetricUsageRatio(PodMetricsInfo{"a": {Value: 20000}, "b": {Value: 10000}}, 10000); r != 1.5 || u != 15000 {
		t.Errorf("usage ratio %v %d", r, u)
	}
}
