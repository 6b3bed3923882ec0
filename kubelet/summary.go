package kubelet

// Resource usage: the stats collector's wiring and /stats/summary.

import (
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/kubelet/stats"
	"minik8s/pkg/api"
)

// newCollector is the kubelet's stats collector: usage from k.Stats (the
// runtime's ContainerStats when none was set), pods from the runtime
// cache, CPU rates sampled every --housekeeping-interval.
func (k *Kubelet) newCollector() *stats.Collector {
	p := k.Stats
	if p == nil {
		p = &stats.RuntimeProvider{Runtime: k.rt, Now: k.now}
	}
	start := time.Now()
	if k.opts.NodeStatsCgroup == "/" {
		if boot, ok := bootTime(); ok {
			start = boot // cAdvisor's root container started at boot
		}
	}
	return &stats.Collector{
		Provider:       p,
		Pods:           k.statsPods,
		NodeName:       k.opts.NodeName,
		NodeStartTime:  start,
		MemoryCapacity: uint64(max(k.sys.MemoryBytes, 0)),
		Interval:       k.opts.HousekeepingInterval,
	}
}

// statsPods are the pods with a ready sandbox in the runtime cache, each
// with its newest running container of every name. A pod's start time is
// its status.startTime when the informer has it, else its sandbox's.
func (k *Kubelet) statsPods() []stats.Pod {
	k.cache.mu.Lock()
	pods := make([]stats.Pod, 0, len(k.cache.pods))
	for uid, pr := range k.cache.pods {
		sb := pr.sandbox()
		if sb == nil || sb.State != runtime.SandboxReady {
			continue
		}
		p := stats.Pod{Name: sb.Name, Namespace: sb.Namespace, UID: uid, StartTime: sb.CreatedAt}
		seen := map[string]bool{}
		for _, c := range pr.Containers { // newest first
			if seen[c.Name] {
				continue
			}
			seen[c.Name] = true
			if c.State == runtime.ContainerRunning {
				p.Containers = append(p.Containers, stats.Container{Name: c.Name, ID: c.ID, StartTime: c.StartedAt})
			}
		}
		pods = append(pods, p)
	}
	k.cache.mu.Unlock()
	if k.informer != nil {
		for i := range pods {
			if obj, ok := k.informer.Store().GetByName(pods[i].Namespace, pods[i].Name); ok {
				if pod := obj.(*api.Pod); pod.UID == pods[i].UID && pod.Status.StartTime != nil {
					pods[i].StartTime = pod.Status.StartTime.Time
				}
			}
		}
	}
	return pods
}

// serveStatsSummary serves the Summary API (stats/v1alpha1): usage read
// now, CPU rates from the last two samples. ?only_cpu_and_memory=true (as
// metrics-server asks) is accepted: the summary has nothing else.
func (k *Kubelet) serveStatsSummary(w http.ResponseWriter, r *http.Request) {
	if k.collector == nil {
		http.Error(w, "stats are not collected yet", http.StatusServiceUnavailable)
		return
	}
	s, err := k.collector.Summary(r.Context())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
}

// bootTime is btime of /proc/stat.
func bootTime() (time.Time, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return time.Unix(s, 0), true
			}
		}
	}
	return time.Time{}, false
}
