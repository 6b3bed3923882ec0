package metrics

import (
	"math"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"minik8s/pkg/api"
)

// Point is one sample of a node or container: the cumulative CPU counter
// and the memory working set, read at scrape time At.
type Point struct {
	At        time.Time // scrape time, on the scraper's clock (monotonic reading kept)
	StartTime time.Time // start of the container or node: a later one means a restart
	CPU       uint64    // cumulative CPU time, core-nanoseconds
	Memory    uint64    // working set, bytes
}

// Usage is what two consecutive points say: CPU rate over Window ending at
// Timestamp, and the latest memory.
type Usage struct {
	Timestamp time.Time
	Window    time.Duration
	NanoCores uint64
	Memory    uint64
}

// rate computes the usage between prev and last. It fails (false) when
// the container or node restarted in between (a later start time or a
// counter that went down) or the window is not positive.
func rate(prev, last Point) (Usage, bool) {
	if last.StartTime.After(prev.StartTime) || last.CPU < prev.CPU {
		return Usage{}, false
	}
	window := last.At.Sub(prev.At)
	if window <= 0 {
		return Usage{}, false
	}
	cores := float64(last.CPU-prev.CPU) / window.Seconds()
	return Usage{Timestamp: last.At, Window: window, NanoCores: uint64(cores), Memory: last.Memory}, true
}

// ResourceList renders usage as metrics-server does: cpu in nanocores
// ("12345678n"), memory in bytes with binary suffixes ("27084Ki").
func (u Usage) ResourceList() api.ResourceList {
	return api.ResourceList{
		"cpu":    uint64Quantity(u.NanoCores, resource.DecimalSI, -9),
		"memory": uint64Quantity(u.Memory, resource.BinarySI, 0),
	}
}

// uint64Quantity is a Quantity of val at scale; a value beyond int64
// loses one decimal digit of precision.
func uint64Quantity(val uint64, format resource.Format, scale resource.Scale) resource.Quantity {
	var q resource.Quantity
	if val > math.MaxInt64 {
		q = *resource.NewScaledQuantity(int64(val/10), scale+1)
	} else {
		q = *resource.NewScaledQuantity(int64(val), scale)
	}
	q.Format = format
	return q
}

// nodePoint is the point of a node's stats, false if cpu or memory is missing.
func nodePoint(ns api.NodeStats, at time.Time) (Point, bool) {
	return statsPoint(ns.StartTime, ns.CPU, ns.Memory, at)
}

func statsPoint(start api.Time, cpu *api.CPUStats, mem *api.MemoryStats, at time.Time) (Point, bool) {
	if cpu == nil || cpu.UsageCoreNanoSeconds == nil || mem == nil || mem.WorkingSetBytes == nil {
		return Point{}, false
	}
	return Point{At: at, StartTime: start.Time, CPU: *cpu.UsageCoreNanoSeconds, Memory: *mem.WorkingSetBytes}, true
}

// podPoints are the container points of a pod's stats; false when any
// container lacks cpu or memory (metrics-server drops partial pods) or
// the pod has no containers.
func podPoints(ps api.PodStats, at time.Time) (map[string]Point, bool) {
	if len(ps.Containers) == 0 {
		return nil, false
	}
	out := make(map[string]Point, len(ps.Containers))
	for _, c := range ps.Containers {
		p, ok := statsPoint(c.StartTime, c.CPU, c.Memory, at)
		if !ok {
			return nil, false
		}
		out[c.Name] = p
	}
	return out, true
}
