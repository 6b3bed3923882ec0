package metrics

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func at(sec float64) time.Time { return t0.Add(time.Duration(sec * float64(time.Second))) }

func TestRate(t *testing.T) {
	start := at(-100)
	tests := []struct {
		name       string
		prev, last Point
		want       Usage
		ok         bool
	}{
		{"15s at half a core", Point{At: at(0), StartTime: start, CPU: 1e9}, Point{At: at(15), StartTime: start, CPU: 1e9 + 7.5e9, Memory: 1 << 20},
			Usage{Timestamp: at(15), Window: 15 * time.Second, NanoCores: 5e8, Memory: 1 << 20}, true},
		{"idle", Point{At: at(0), StartTime: start, CPU: 42}, Point{At: at(10), StartTime: start, CPU: 42, Memory: 7},
			Usage{Timestamp: at(10), Window: 10 * time.Second, NanoCores: 0, Memory: 7}, true},
		{"uneven window", Point{At: at(0), StartTime: start}, Point{At: at(2.5), StartTime: start, CPU: 1e6},
			Usage{Timestamp: at(2.5), Window: 2500 * time.Millisecond, NanoCores: 400000}, true},
		{"counter reset", Point{At: at(0), StartTime: start, CPU: 5e9}, Point{At: at(15), StartTime: start, CPU: 1e9}, Usage{}, false},
		{"restarted", Point{At: at(0), StartTime: start, CPU: 1e9}, Point{At: at(15), StartTime: at(5), CPU: 2e9}, Usage{}, false},
		{"zero window", Point{At: at(0), StartTime: start, CPU: 1}, Point{At: at(0), StartTime: start, CPU: 2}, Usage{}, false},
		{"backwards", Point{At: at(5), StartTime: start, CPU: 1}, Point{At: at(0), StartTime: start, CPU: 2}, Usage{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := rate(tt.prev, tt.last)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("rate = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestUsageResourceList(t *testing.T) {
	tests := []struct {
		u         Usage
		cpu, mem  string
		milli, mb int64
	}{
		{Usage{NanoCores: 12345678, Memory: 27734016}, "12345678n", "27084Ki", 13, 26},
		{Usage{NanoCores: 0, Memory: 0}, "0", "0", 0, 0},
		{Usage{NanoCores: 2e9, Memory: 1000}, "2", "1k", 2000, 0},
		{Usage{NanoCores: 250e6, Memory: 1 << 30}, "250m", "1Gi", 250, 1024},
	}
	for _, tt := range tests {
		rl := tt.u.ResourceList()
		cpu, mem := rl["cpu"], rl["memory"]
		if cpu.String() != tt.cpu || mem.String() != tt.mem {
			t.Errorf("%+v: cpu %s memory %s; want %s %s", tt.u, cpu.String(), mem.String(), tt.cpu, tt.mem)
		}
		if cpu.MilliValue() != tt.milli || mem.Value()/(1<<20) != tt.mb {
			t.Errorf("%+v: %dm %dMi; want %dm %dMi", tt.u, cpu.MilliValue(), mem.Value()/(1<<20), tt.milli, tt.mb)
		}
	}
}

func u64(v uint64) *uint64 { return &v }

func cstats(name string, cpu, mem *uint64) api.ContainerStats {
	c := api.ContainerStats{Name: name, StartTime: api.NewTime(t0.Add(-time.Hour))}
	if cpu != nil {
		c.CPU = &api.CPUStats{UsageCoreNanoSeconds: cpu}
	}
	if mem != nil {
		c.Memory = &api.MemoryStats{WorkingSetBytes: mem}
	}
	return c
}

func TestPodPoints(t *testing.T) {
	tests := []struct {
		name       string
		containers []api.ContainerStats
		want       int
		ok         bool
	}{
		{"two complete", []api.ContainerStats{cstats("a", u64(1), u64(2)), cstats("b", u64(3), u64(4))}, 2, true},
		{"no cpu counter", []api.ContainerStats{cstats("a", u64(1), u64(2)), cstats("b", nil, u64(4))}, 0, false},
		{"no working set", []api.ContainerStats{cstats("a", u64(1), nil)}, 0, false},
		{"no containers", nil, 0, false},
	}
	for _, tt := range tests {
		got, ok := podPoints(api.PodStats{Containers: tt.containers}, t0)
		if ok != tt.ok || len(got) != tt.want {
			t.Errorf("%s: %d points, %v; want %d, %v", tt.name, len(got), ok, tt.want, tt.ok)
		}
	}
}
