package metrics

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestStorePodUsage(t *testing.T) {
	start := at(-100)
	key := PodKey{Namespace: "default", Name: "web"}
	pt := func(sec float64, cpu uint64) Point {
		return Point{At: at(sec), StartTime: start, CPU: cpu, Memory: 100}
	}
	batch := func(cs map[string]Point) Batch {
		return Batch{Pods: map[PodKey]map[string]Point{key: cs}}
	}
	tests := []struct {
		name    string
		batches []Batch
		ok      bool
		want    map[string]uint64 // container -> nanocores
		window  time.Duration
	}{
		{"first point only", []Batch{batch(map[string]Point{"a": pt(0, 0)})}, false, nil, 0},
		{"two points", []Batch{batch(map[string]Point{"a": pt(0, 0)}), batch(map[string]Point{"a": pt(15, 15e8)})},
			true, map[string]uint64{"a": 1e8}, 15 * time.Second},
		{"three points: the last two count", []Batch{
			batch(map[string]Point{"a": pt(0, 0)}), batch(map[string]Point{"a": pt(15, 15e9)}), batch(map[string]Point{"a": pt(30, 15e9+3e9)}),
		}, true, map[string]uint64{"a": 2e8}, 15 * time.Second},
		{"counter reset skips", []Batch{batch(map[string]Point{"a": pt(0, 5e9)}), batch(map[string]Point{"a": pt(15, 1e9)})}, false, nil, 0},
		{"after a reset two new points count", []Batch{
			batch(map[string]Point{"a": pt(0, 5e9)}), batch(map[string]Point{"a": pt(15, 1e9)}), batch(map[string]Point{"a": pt(30, 1e9+15e9)}),
		}, true, map[string]uint64{"a": 1e9}, 15 * time.Second},
		{"restart skips", []Batch{
			batch(map[string]Point{"a": pt(0, 1e9)}),
			batch(map[string]Point{"a": {At: at(15), StartTime: at(10), CPU: 2e9}}),
		}, false, nil, 0},
		{"new container without a previous point leaves the pod out", []Batch{
			batch(map[string]Point{"a": pt(0, 0)}), batch(map[string]Point{"a": pt(15, 0), "b": pt(15, 0)}),
		}, false, nil, 0},
		{"both containers", []Batch{
			batch(map[string]Point{"a": pt(0, 0), "b": pt(0, 0)}), batch(map[string]Point{"a": pt(10, 1e9), "b": pt(10, 5e9)}),
		}, true, map[string]uint64{"a": 1e8, "b": 5e8}, 10 * time.Second},
		{"missing from a scrape is forgotten", []Batch{
			batch(map[string]Point{"a": pt(0, 0)}), {}, batch(map[string]Point{"a": pt(30, 0)}),
		}, false, nil, 0},
		{"same scrape time again keeps the pair", []Batch{
			batch(map[string]Point{"a": pt(0, 0)}), batch(map[string]Point{"a": pt(15, 15e8)}), batch(map[string]Point{"a": pt(15, 15e8)}),
		}, true, map[string]uint64{"a": 1e8}, 15 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewStore()
			for _, b := range tt.batches {
				s.Add(b)
			}
			got, ok := s.PodUsage(key)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, tt.ok, got)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("containers = %+v, want %v", got, tt.want)
			}
			for _, c := range got {
				if c.NanoCores != tt.want[c.Name] || c.Window != tt.window || c.Memory != 100 {
					t.Errorf("%s = %+v, want %d nanocores over %v", c.Name, c.Usage, tt.want[c.Name], tt.window)
				}
			}
		})
	}
}

func TestStoreNodeUsage(t *testing.T) {
	s := NewStore()
	start := at(-1000)
	s.Add(Batch{Nodes: map[string]Point{"n1": {At: at(0), StartTime: start, CPU: 1e12, Memory: 1 << 30}}})
	if _, ok := s.NodeUsage("n1"); ok {
		t.Fatal("usage after one point")
	}
	s.Add(Batch{Nodes: map[string]Point{"n1": {At: at(15), StartTime: start, CPU: 1e12 + 30e9, Memory: 2 << 30}}})
	u, ok := s.NodeUsage("n1")
	if !ok || u.NanoCores != 2e9 || u.Memory != 2<<30 || u.Window != 15*time.Second || !u.Timestamp.Equal(at(15)) {
		t.Fatalf("usage = %+v, %v", u, ok)
	}
	if _, ok := s.NodeUsage("n2"); ok {
		t.Fatal("usage of an unknown node")
	}
}

func TestStoreMetrics(t *testing.T) {
	s := NewStore()
	start := at(-100)
	pods := func(sec float64, cpu uint64) map[PodKey]map[string]Point {
		p := Point{At: at(sec), StartTime: start, CPU: cpu, Memory: 4096}
		return map[PodKey]map[string]Point{
			{Namespace: "ns", Name: "run"}:     {"c": p},
			{Namespace: "ns", Name: "pending"}: {"c": p},
		}
	}
	nodes := func(sec float64) map[string]Point {
		return map[string]Point{"n1": {At: at(sec), StartTime: start, Memory: 1 << 20}}
	}
	s.Add(Batch{Nodes: nodes(0), Pods: pods(0, 0)})
	s.Add(Batch{Nodes: nodes(15), Pods: pods(15, 3e9)})
	now := at(20)
	podObjs := []*api.Pod{
		{ObjectMeta: api.ObjectMeta{Name: "run", Namespace: "ns", Labels: map[string]string{"app": "x"}}, Status: api.PodStatus{Phase: api.PodRunning}},
		{ObjectMeta: api.ObjectMeta{Name: "pending", Namespace: "ns"}, Status: api.PodStatus{Phase: api.PodPending}},
		{ObjectMeta: api.ObjectMeta{Name: "unknown", Namespace: "ns"}, Status: api.PodStatus{Phase: api.PodRunning}},
	}
	pms := s.PodMetrics(podObjs, now)
	if len(pms) != 1 || pms[0].Name != "run" || pms[0].Labels["app"] != "x" || pms[0].Kind != "PodMetrics" ||
		pms[0].APIVersion != "metrics.k8s.io/v1beta1" || !pms[0].Timestamp.Equal(at(15)) || pms[0].Window.Duration != 15*time.Second ||
		!pms[0].CreationTimestamp.Equal(now) {
		t.Fatalf("pod metrics = %+v", pms)
	}
	cpu, mem := pms[0].Containers[0].Usage["cpu"], pms[0].Containers[0].Usage["memory"]
	if pms[0].Containers[0].Name != "c" || cpu.String() != "200m" || mem.String() != "4Ki" {
		t.Fatalf("container = %+v", pms[0].Containers)
	}
	nms := s.NodeMetrics([]*api.Node{{ObjectMeta: api.ObjectMeta{Name: "n1"}}, {ObjectMeta: api.ObjectMeta{Name: "n2"}}}, now)
	if len(nms) != 1 || nms[0].Name != "n1" || nms[0].Kind != "NodeMetrics" || nms[0].Window.Duration != 15*time.Second {
		t.Fatalf("node metrics = %+v", nms)
	}
}
