package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"minik8s/kubelet"
	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
)

// startWithHousekeeping runs a kubelet as start does, with the usage
// sampled every interval.
func (h *kubeletHarness) startWithHousekeeping(interval time.Duration) {
	h.t.Helper()
	opts := kubelet.DefaultOptions()
	opts.NodeName, opts.NodeIP, opts.Port = "node1", "127.0.0.1", 0
	opts.RootDir = h.rootDir
	opts.RelistInterval = 100 * time.Millisecond
	opts.SyncInterval = time.Second
	opts.HousekeepingInterval = interval
	k, err := kubelet.New(opts, h.c, h.rt)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.k, h.cancel, h.done = k, cancel, make(chan error, 1)
	go func() { h.done <- k.Run(ctx) }()
}

// getSummary fetches the kubelet's /stats/summary on loopback.
func getSummary(k *kubelet.Kubelet) (*api.Summary, error) {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/stats/summary?only_cpu_and_memory=true", k.Port()))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		return nil, fmt.Errorf("%s (%s): %s", resp.Status, resp.Header.Get("Content-Type"), b)
	}
	var s api.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", b, err)
	}
	return &s, nil
}

// TestKubeletStatsSummary: a fake-runtime kubelet serves /stats/summary
// with the usage the fake reports for each container (SetUsage): CPU rates
// over the sampling window, cumulative counters fresh at each request, the
// pod as the sum of its containers and the node as the sum of its pods.
func TestKubeletStatsSummary(t *testing.T) {
	h := newKubeletHarness(t)
	h.rt.SetUsage("default", "busy", "writer", fake.Usage{CPUNanos: 5e9, NanoCores: 250e6, MemoryWorkingSet: 50 << 20})
	h.rt.SetUsage("default", "busy", "server", fake.Usage{CPUNanos: 1e9, MemoryWorkingSet: 10 << 20, MemoryUsage: 12 << 20})
	h.startWithHousekeeping(500 * time.Millisecond)
	p := h.createPod(twoContainerPod("busy"))
	h.waitPod("busy", "Running", running)

	var s *api.Summary
	waitUntil(t, 20*time.Second, "the pod's CPU rates in /stats/summary", func() (bool, string) {
		got, err := getSummary(h.k)
		if err != nil {
			return false, err.Error()
		}
		s = got
		if len(got.Pods) != 1 || got.Pods[0].CPU == nil || got.Pods[0].CPU.UsageNanoCores == nil || len(got.Pods[0].Containers) != 2 ||
			got.Pods[0].Containers[0].CPU.UsageNanoCores == nil || got.Pods[0].Containers[1].CPU.UsageNanoCores == nil {
			return false, string(mustJSON(t, got))
		}
		return true, ""
	})
	if s.Node.NodeName != "node1" || s.Node.CPU == nil || s.Node.Memory == nil {
		t.Fatalf("node: %s", mustJSON(t, s.Node))
	}
	ps := s.Pods[0]
	if ps.PodRef != (api.PodReference{Name: "busy", Namespace: "default", UID: p.UID}) || ps.StartTime.IsZero() {
		t.Errorf("podRef %+v startTime %v", ps.PodRef, ps.StartTime)
	}
	byName := map[string]api.ContainerStats{}
	for _, c := range ps.Containers {
		byName[c.Name] = c
	}
	w, srv := byName["writer"], byName["server"]
	if w.StartTime.IsZero() || srv.StartTime.IsZero() {
		t.Errorf("container start times: %s", mustJSON(t, ps.Containers))
	}
	// A quarter of a core, within what the fake's 10 ms clock steps allow
	// over a 500 ms window; the idle container has no CPU.
	if r := *w.CPU.UsageNanoCores; r < 200e6 || r > 300e6 {
		t.Errorf("writer usageNanoCores %d, want about 250e6", r)
	}
	if r := *srv.CPU.UsageNanoCores; r != 0 {
		t.Errorf("server usageNanoCores %d, want 0", r)
	}
	if *w.CPU.UsageCoreNanoSeconds <= 5e9 || *srv.CPU.UsageCoreNanoSeconds != 1e9 {
		t.Errorf("counters: writer %d (want > 5e9), server %d (want 1e9)", *w.CPU.UsageCoreNanoSeconds, *srv.CPU.UsageCoreNanoSeconds)
	}
	if *w.Memory.WorkingSetBytes != 50<<20 || *w.Memory.UsageBytes != 50<<20 || *srv.Memory.WorkingSetBytes != 10<<20 || *srv.Memory.UsageBytes != 12<<20 {
		t.Errorf("memory: writer %s server %s", mustJSON(t, w.Memory), mustJSON(t, srv.Memory))
	}
	if *ps.Memory.WorkingSetBytes != 60<<20 || *s.Node.Memory.WorkingSetBytes != 60<<20 {
		t.Errorf("pod and node working set %d, %d, want 60 MiB each", *ps.Memory.WorkingSetBytes, *s.Node.Memory.WorkingSetBytes)
	}
	if *ps.CPU.UsageCoreNanoSeconds != *w.CPU.UsageCoreNanoSeconds+*srv.CPU.UsageCoreNanoSeconds {
		t.Errorf("pod counter %d, want the sum of its containers'", *ps.CPU.UsageCoreNanoSeconds)
	}

	// The counters are read at each request: they grow between two.
	time.Sleep(300 * time.Millisecond)
	s2, err := getSummary(h.k)
	if err != nil {
		t.Fatal(err)
	}
	var w2 uint64
	for _, c := range s2.Pods[0].Containers {
		if c.Name == "writer" {
			w2 = *c.CPU.UsageCoreNanoSeconds
		}
	}
	if w2 <= *w.CPU.UsageCoreNanoSeconds {
		t.Errorf("writer counter did not grow between two requests: %d then %d", *w.CPU.UsageCoreNanoSeconds, w2)
	}

	// A deleted pod leaves the summary.
	grace := int64(0)
	if err := h.c.Pods("default").Delete(context.Background(), "busy", &api.DeleteOptions{GracePeriodSeconds: &grace}); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 20*time.Second, "the pod gone from /stats/summary", func() (bool, string) {
		got, err := getSummary(h.k)
		if err != nil {
			return false, err.Error()
		}
		return len(got.Pods) == 0, string(mustJSON(t, got.Pods))
	})
}
