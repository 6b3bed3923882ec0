package stats

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

const (
	benchPods       = 30
	benchContainers = 2 // per pod
	benchInterval   = 10 * time.Second
	benchScrape     = 15 * time.Second // metrics-server's --metric-resolution in its manifests
	benchRounds     = 100
)

// benchSetup makes 30 pods of 2 containers: real cgroups in this
// machine's hierarchies when root (removed afterwards), else a fixture
// tree of the same shape with this machine's v1 files' contents where
// readable. It returns the provider, the pods and what the tree is.
func benchSetup(b *testing.B) (*CgroupProvider, []Pod, string) {
	b.Helper()
	top := fmt.Sprintf("/minik8s-statsbench-%d", os.Getpid())
	var pods []Pod
	paths := []string{top}
	for i := 0; i < benchPods; i++ {
		pod := Pod{Name: fmt.Sprintf("pod%02d", i), Namespace: "default", UID: fmt.Sprintf("uid%02d", i), StartTime: time.Now()}
		paths = append(paths, top+"/pod"+pod.UID)
		for j := 0; j < benchContainers; j++ {
			c := Container{Name: fmt.Sprintf("c%d", j), ID: fmt.Sprintf("%064d", i*benchContainers+j), StartTime: time.Now()}
			pod.Containers = append(pod.Containers, c)
			paths = append(paths, top+"/pod"+pod.UID+"/"+c.ID)
		}
		pods = append(pods, pod)
	}
	if os.Geteuid() == 0 {
		p := NewCgroupProvider(top, "/")
		if _, err := p.Read(context.Background(), nil); err == nil {
			makeCgroups(b, p, paths)
			kind := "real-v1"
			if p.layout.v2 {
				kind = "real-v2"
			}
			return p, pods, kind
		}
	}
	root := b.TempDir()
	stat, err := os.ReadFile("/sys/fs/cgroup/memory/memory.stat")
	if err != nil {
		stat = []byte(v1MemoryStat)
	}
	files := map[string]string{}
	for _, path := range append(paths, "") {
		files[filepath.Join("cpuacct", path, "cpuacct.usage")] = "123456789012\n"
		files[filepath.Join("memory", path, "memory.usage_in_bytes")] = "987654321\n"
		files[filepath.Join("memory", path, "memory.stat")] = string(stat)
	}
	writeTree(b, root, files)
	p := &CgroupProvider{FSRoot: root, Meminfo: "/proc/meminfo", PodsRoot: top, NodeCgroup: "/"}
	return p, pods, "fixture-v1"
}

// readFiles is the floor: the files a collection reads, read raw.
func readFiles(p *CgroupProvider, pods []Pod) []string {
	cg := []string{""}
	for _, pod := range pods {
		dir := p.PodsRoot + "/pod" + pod.UID
		cg = append(cg, dir)
		for _, c := range pod.Containers {
			cg = append(cg, dir+"/"+c.ID)
		}
	}
	var files []string
	for _, c := range cg {
		if p.layout.v2 {
			files = append(files, p.FSRoot+c+"/cpu.stat", p.FSRoot+c+"/memory.stat")
			if c == "" {
				files = append(files, p.Meminfo)
			} else {
				files = append(files, p.FSRoot+c+"/memory.current")
			}
			continue
		}
		files = append(files, p.layout.cpuacct+c+"/cpuacct.usage", p.layout.memory+c+"/memory.usage_in_bytes", p.layout.memory+c+"/memory.stat")
	}
	return files
}

// cost runs f rounds times and returns the process CPU time (user+system)
// and the bytes and objects allocated, per round.
func cost(rounds int, f func()) (cpu time.Duration, allocBytes, allocs uint64) {
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	var r0, r1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
	for i := 0; i < rounds; i++ {
		f()
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
	runtime.ReadMemStats(&m1)
	used := time.Duration(r1.Utime.Nano()+r1.Stime.Nano()-r0.Utime.Nano()-r0.Stime.Nano()) * time.Nanosecond
	return used / time.Duration(rounds), (m1.TotalAlloc - m0.TotalAlloc) / uint64(rounds), (m1.Mallocs - m0.Mallocs) / uint64(rounds)
}

// BenchmarkStatsCollection prints what metrics collection costs a node
// at 30 pods of 2 containers (`make bench`; issue 10's target: under 2%
// of one core): the CPU time of one background sample (every
// --housekeeping-interval, 10 s) and of one /stats/summary (a fresh read,
// the summary and its JSON; one per scrape, 15 s assumed), against the
// floor of reading the same cgroup files raw; the resulting share of one
// core; bytes allocated per collection and the collector's retained state.
// Real cgroups when root, else a fixture tree.
func BenchmarkStatsCollection(b *testing.B) {
	p, pods, kind := benchSetup(b)
	ctx := context.Background()
	c := &Collector{Provider: p, Pods: func() []Pod { return pods }, NodeName: "bench", MemoryCapacity: 8 << 30, Interval: benchInterval}

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < 2; i++ {
		if err := c.Sample(ctx); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	retained := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if s, err := c.Summary(ctx); err != nil || len(s.Pods) != benchPods || len(s.Pods[0].Containers) != benchContainers || s.Pods[0].CPU.UsageNanoCores == nil {
		b.Fatalf("summary: %v, %v", s, err)
	}
	files := readFiles(p, pods)

	b.ResetTimer()
	var sample, summary, floor time.Duration
	var sampleBytes, sampleAllocs, summaryBytes uint64
	for i := 0; i < b.N; i++ {
		sample, sampleBytes, sampleAllocs = cost(benchRounds, func() {
			if err := c.Sample(ctx); err != nil {
				b.Fatal(err)
			}
		})
		summary, summaryBytes, _ = cost(benchRounds, func() {
			s, err := c.Summary(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if err := json.NewEncoder(io.Discard).Encode(s); err != nil {
				b.Fatal(err)
			}
		})
		floor, _, _ = cost(benchRounds, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			for _, f := range files {
				if _, err := p.file(f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.StopTimer()
	perSecond := float64(sample)/benchInterval.Seconds() + float64(summary)/benchScrape.Seconds()
	percent := perSecond / float64(time.Second) * 100
	labels := fmt.Sprintf("{pods=%d,containers=%d,cgroups=%s}", benchPods, benchPods*benchContainers, kind)
	b.ReportMetric(float64(sample.Microseconds()), "sample-us")
	b.ReportMetric(percent, "core-%")
	fmt.Printf("stats_sample_cpu_us%s %.0f (floor: the same %d files read raw, %.0f us)\n", labels, us(sample), len(files), us(floor))
	fmt.Printf("stats_summary_cpu_us%s %.0f (a /stats/summary: fresh read, summary, JSON)\n", labels, us(summary))
	fmt.Printf("stats_collections_per_sec%s %.3f (a sample every %v, a scrape every %v)\n", labels, 1/benchInterval.Seconds()+1/benchScrape.Seconds(), benchInterval, benchScrape)
	fmt.Printf("stats_cpu_percent_of_one_core%s %.4f (target < 2; floor %.4f)\n", labels, percent,
		(float64(floor)/benchInterval.Seconds()+float64(floor)/benchScrape.Seconds())/float64(time.Second)*100)
	fmt.Printf("stats_sample_alloc_bytes%s %d (%d allocations; a summary allocates %d bytes)\n", labels, sampleBytes, sampleAllocs, summaryBytes)
	fmt.Printf("stats_collector_retained_bytes%s %d (the sampler's last samples and rates)\n", labels, retained)
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
