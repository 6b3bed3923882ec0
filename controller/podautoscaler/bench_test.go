package podautoscaler

import (
	"context"
	"testing"
	"time"

	"minik8s/controller/podautoscaler/metrics"
	"minik8s/pkg/api"
	"minik8s/pkg/client/record"
	"minik8s/pkg/labels"
)

// BenchmarkReconcile is the controller's own cost of one sync of an HPA
// whose target has 100 pods (selector, proposal from the pods and their
// metrics, normalization, status comparison); pods and metrics are
// precomputed, I/O faked.
func BenchmarkReconcile(b *testing.B) {
	hpa := seedHPA()
	hpa.Spec.MaxReplicas = 200
	h := newHarness(&testing.T{}, hpa, 100)
	h.ctl.recorder = &record.FakeRecorder{} // drop events
	h.usage = func() int64 { return 40 }
	pods := h.pods()
	list, _ := h.ctl.metrics.(metrics.FuncClient)(context.Background(), "default", nil)
	h.ctl.listPods = func(string, labels.Selector) []*api.Pod { return pods }
	h.ctl.metrics = metrics.FuncClient(func(context.Context, string, labels.Selector) (*api.PodMetricsList, error) { return list, nil })
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h.now = h.now.Add(15 * time.Second)
		if err := h.sync(); err != nil {
			b.Fatal(err)
		}
	}
}
