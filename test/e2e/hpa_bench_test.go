package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"minik8s/apiserver/metrics"
	"minik8s/controller"
	"minik8s/pkg/api"
)

// BenchmarkHPAResponse prints the time from a load change to the HPA's new
// desired replica count on the seeds' example (`make bench`, root only;
// lab mk8h, as TestHPA), beside its floor in the same run: the time until
// the metrics API first shows the pods above the target (utilization over
// 40 % × (1 + tolerance)), the earliest any sync could decide. The decision
// target is one sync period plus one metrics window after the load starts.
func BenchmarkHPAResponse(b *testing.B) {
	if os.Geteuid() != 0 || testing.Short() {
		b.Skip("needs root (network namespaces)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	h := setupHPA(ctx, b)

	loadStart, stopLoad := h.startLoad(ctx, b)
	defer stopLoad()
	overC := make(chan time.Time, 1)
	pollCtx, stopPoll := context.WithCancel(ctx)
	go func() {
		defer close(overC)
		for pollCtx.Err() == nil {
			if u, ok := h.utilization(pollCtx); ok && u > 44 {
				overC <- time.Now()
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
	}()
	upAt, desired := h.waitScaleUp(ctx, b, 4*time.Minute)
	stopPoll()
	over, ok := <-overC
	if !ok || over.After(upAt) {
		over = upAt // the poller missed it: no floor below the decision
	}
	sync := controller.DefaultOptions().HPASyncPeriod
	res := metrics.DefaultResolution
	up, floor := upAt.Sub(loadStart).Seconds(), over.Sub(loadStart).Seconds()
	b.ReportMetric(up, "s-load-to-desired")
	b.ReportMetric(floor, "s-load-to-metrics")
	fmt.Printf("hpa: load start to desiredReplicas %d: %.1f s; metrics API above the target after %.1f s (floor), decision %.1f s later; target <= sync period %v + metrics resolution %v = %v\n",
		desired, up, floor, up-floor, sync, res, sync+res)
}

// utilization is deployment1's average cpu utilization (percent of the
// pods' 400m requests) in the metrics API (ok: some pod has metrics).
func (h *hpaLab) utilization(ctx context.Context) (float64, bool) {
	body, err := h.cl.c.Do(ctx, "GET", "/apis/metrics.k8s.io/v1beta1/namespaces/"+hpaNS+"/pods?labelSelector="+url.QueryEscape("app=app2"), nil, nil)
	if err != nil {
		return 0, false
	}
	var l api.PodMetricsList
	if err := json.Unmarshal(body, &l); err != nil || len(l.Items) == 0 {
		return 0, false
	}
	var milli int64
	for _, p := range l.Items {
		for _, c := range p.Containers {
			if q, ok := c.Usage["cpu"]; ok {
				milli += q.MilliValue()
			}
		}
	}
	return float64(milli) / float64(400*len(l.Items)) * 100, true
}
