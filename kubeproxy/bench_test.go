package kubeproxy

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"minik8s/pkg/api"
)

// benchState is n Services of one port, each with 5 endpoints.
func benchState(n int) ([]*api.Service, []*api.EndpointSlice) {
	var svcs []*api.Service
	var slices []*api.EndpointSlice
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc%d", i)
		svc := testService(name, fmt.Sprintf("10.96.%d.%d", i/250, i%250+1), "TCP", 80)
		svc.ResourceVersion = "1"
		svcs = append(svcs, svc)
		var ips []string
		for j := 0; j < 5; j++ {
			k := i*5 + j
			ips = append(ips, fmt.Sprintf("10.244.%d.%d", k/250, k%250+1))
		}
		sl := testSlice(name, "TCP", 8080, ips...)
		sl.ResourceVersion = "1"
		slices = append(slices, sl)
	}
	return svcs, slices
}

// BenchmarkSync5000 is the proxier's own cost of a sync at 5 000 Services
// x 5 endpoints (no iptables: the Fake): a full sync, and a partial sync
// after one endpoint changed. go test -run '^$' -bench Sync5000 ./kubeproxy/
func BenchmarkSync5000(b *testing.B) {
	svcs, slices := benchState(5000)
	ctx := context.Background()
	b.Run("full", func(b *testing.B) {
		cpu0 := cpuTime()
		defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op") }()
		for i := 0; i < b.N; i++ {
			p := newTestProxier(newTestFW(), nil)
			if err := p.syncFrom(ctx, svcs, slices, ""); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(p.Stats().LastPayload)), "payload-bytes")
		}
	})
	b.Run("partial", func(b *testing.B) {
		p := newTestProxier(newTestFW(), nil)
		if err := p.syncFrom(ctx, svcs, slices, ""); err != nil {
			b.Fatal(err)
		}
		changed := append([]*api.EndpointSlice(nil), slices...)
		b.ResetTimer()
		cpu0 := cpuTime()
		defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op") }()
		for i := 0; i < b.N; i++ {
			changed[7] = testSlice("svc7", "TCP", 8080, fmt.Sprintf("10.250.0.%d", i%2+1))
			changed[7].ResourceVersion = fmt.Sprint(i + 2)
			if err := p.syncFrom(ctx, svcs, changed, ""); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(p.Stats().LastPayload)), "payload-bytes")
		}
	})
}

// cpuTime is the process's user and system CPU time so far (the figure
// that does not depend on how loaded the machine is).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
