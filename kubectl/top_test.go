package kubectl

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"minik8s/pkg/api"
)

func rl(cpu, mem string) api.ResourceList {
	return api.ResourceList{"cpu": resource.MustParse(cpu), "memory": resource.MustParse(mem)}
}

func TestPrintNodeMetrics(t *testing.T) {
	items := func() []api.NodeMetrics {
		return []api.NodeMetrics{
			{ObjectMeta: api.ObjectMeta{Name: "b"}, Usage: rl("1234567n", "1Gi")},
			{ObjectMeta: api.ObjectMeta{Name: "a"}, Usage: rl("1500m", "2000Mi")},
		}
	}
	tests := []struct {
		name        string
		allocatable map[string]api.ResourceList
		noHeaders   bool
		sortBy      string
		want        string
	}{
		{"percent of allocatable, by name", map[string]api.ResourceList{"a": rl("2", "4Gi"), "b": rl("500m", "1Gi")}, false, "",
			"NAME   CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \n" +
				"a      1500m        75%      2000Mi          48%         \n" +
				"b      2m           0%       1024Mi          100%        \n"},
		{"sorted by cpu, no headers", map[string]api.ResourceList{"a": rl("2", "4Gi"), "b": rl("500m", "1Gi")}, true, "cpu",
			"a     1500m   75%   2000Mi   48%    \n" +
				"b     2m      0%    1024Mi   100%   \n"},
		{"sorted by memory", map[string]api.ResourceList{"a": rl("2", "4Gi"), "b": rl("500m", "1Gi")}, true, "memory",
			"a     1500m   75%   2000Mi   48%    \n" +
				"b     2m      0%    1024Mi   100%   \n"},
		{"no node object: no percentages", map[string]api.ResourceList{"a": rl("2", "4Gi")}, true, "",
			"a     1500m   75%      2000Mi   48%   \n" +
				"b     2m      1024Mi   \n"},
		{"zero allocatable is 0%", map[string]api.ResourceList{"a": rl("0", "0"), "b": rl("1", "1Gi")}, true, "",
			"a     1500m   0%    2000Mi   0%     \n" +
				"b     2m      0%    1024Mi   100%   \n"},
		{"nodes without metrics print <unknown>", map[string]api.ResourceList{"a": rl("2", "4Gi"), "b": rl("1", "1Gi"), "z": rl("1", "1Gi"), "c": rl("1", "1Gi")}, true, "",
			"a     1500m       75%         2000Mi      48%         \n" +
				"b     2m          0%          1024Mi      100%        \n" +
				"c     <unknown>   <unknown>   <unknown>   <unknown>   \n" +
				"z     <unknown>   <unknown>   <unknown>   <unknown>   \n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			printNodeMetrics(&b, items(), tt.allocatable, tt.noHeaders, tt.sortBy)
			if b.String() != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestPrintPodMetrics(t *testing.T) {
	items := func() []api.PodMetrics {
		return []api.PodMetrics{
			{ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "b"}, Containers: []api.ContainerMetrics{
				{Name: "z", Usage: rl("100m", "10Mi")}, {Name: "a", Usage: rl("5m", "300Mi")}}},
			{ObjectMeta: api.ObjectMeta{Name: "db", Namespace: "b"}, Containers: []api.ContainerMetrics{{Name: "db", Usage: rl("50m", "1Gi")}}},
			{ObjectMeta: api.ObjectMeta{Name: "zz", Namespace: "a"}, Containers: []api.ContainerMetrics{{Name: "c", Usage: rl("1", "1Ki")}}},
		}
	}
	tests := []struct {
		name                                      string
		containers, withNamespace, noHeaders, sum bool
		sortBy                                    string
		want                                      string
	}{
		{"by name, summed", false, false, false, false, "",
			"NAME   CPU(cores)   MEMORY(bytes)   \ndb     50m          1024Mi          \nweb    105m         310Mi           \nzz     1000m        0Mi             \n"},
		{"namespaces first", false, true, true, false, "",
			"a     zz    1000m   0Mi      \nb     db    50m     1024Mi   \nb     web   105m    310Mi    \n"},
		{"containers sorted by name", true, false, true, false, "",
			"db    db    50m     1024Mi   \nweb   a     5m      300Mi    \nweb   z     100m    10Mi     \nzz    c     1000m   0Mi      \n"},
		{"containers sorted by cpu", true, false, true, false, "cpu",
			"zz    c     1000m   0Mi      \nweb   z     100m    10Mi     \nweb   a     5m      300Mi    \ndb    db    50m     1024Mi   \n"},
		{"by memory", false, false, true, false, "memory",
			"db    50m     1024Mi   \nweb   105m    310Mi    \nzz    1000m   0Mi      \n"},
		{"sum with headers", false, false, false, true, "",
			"NAME   CPU(cores)   MEMORY(bytes)   \ndb     50m          1024Mi          \nweb    105m         310Mi           \nzz     1000m        0Mi             \n" +
				"       ________     ________        \n       1155m        1334Mi          \n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			printPodMetrics(&b, items(), tt.containers, tt.withNamespace, tt.noHeaders, tt.sortBy, tt.sum)
			if b.String() != tt.want {
				t.Fatalf("got\n%q\nwant\n%q", b.String(), tt.want)
			}
		})
	}
	var b bytes.Buffer
	printPodMetrics(&b, nil, false, false, false, "", true)
	if b.Len() != 0 {
		t.Fatalf("empty list printed %q", b.String())
	}
}

func TestCheckPodAge(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	young := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns", CreationTimestamp: api.NewTime(now.Add(-time.Minute))}}
	old := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "ns", CreationTimestamp: api.NewTime(now.Add(-3 * time.Minute))}}
	if err := checkPodAge(young, now); err != nil {
		t.Fatalf("young pod: %v", err)
	}
	if err := checkPodAge(old, now); err == nil || err.Error() != "Metrics not available for pod ns/p, age: 3m0s" {
		t.Fatalf("old pod: %v", err)
	}
}

func TestTopWithoutMetricsAPI(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"kind":"APIGroupList","apiVersion":"v1","groups":[{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}]}]}`))
	}))
	defer srv.Close()
	for _, args := range [][]string{{"top", "pod"}, {"top", "node"}} {
		wantFail(t, srv.URL, "", "error: Metrics API not available", args...)
	}
	wantFail(t, srv.URL, "", "error: --sort-by accepts only cpu or memory", "top", "node", "--sort-by", "disk")
	_, errOut, err := run(t, srv.URL, "", "top", "pod", "a", "b")
	if err == nil || !strings.HasPrefix(errOut, "error: pod [NAME | -l label]\nSee 'kubectl top pod -h'") {
		t.Fatalf("two names: %v %q", err, errOut)
	}
}
