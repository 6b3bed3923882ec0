package e2e

// Resource usage on the lab (issue 10, the kubelet's part): a testserver
// pod burning CPU (its /burn) and holding memory (its /alloc) shows in the
// kubelet's /stats/summary with a CPU rate well above an idle testserver's
// and a working set of at least what it holds; the node (the lab node's
// own cgroup parent) at least as much as its pods.
//
// Traffic safety: the load and the summary requests go from inside the
// lab's node namespace (ip netns exec … curl); the test process talks only
// to the apiserver on loopback.

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"minik8s/kubelet/network"
	"minik8s/pkg/api"
)

const (
	statsPrefix = "mk8m"
	statsNet3   = "192.168.96"
)

// nodeSummary fetches a node's /stats/summary from inside its namespace,
// as the apiserver does: HTTPS verified with the cluster CA, presenting
// the apiserver's kubelet client certificate.
func (cl *cluster) nodeSummary(ctx context.Context, n *clusterNode) (*api.Summary, error) {
	out, err := nodeExec(ctx, n.Name, "curl", "-sS", "-m", "10", "-f", "--cacert", cl.pki.CAFile(),
		"--cert", cl.pki.File("apiserver-kubelet-client.crt"), "--key", cl.pki.File("apiserver-kubelet-client.key"),
		fmt.Sprintf("https://%s:10250/stats/summary", n.IP))
	if err != nil {
		return nil, fmt.Errorf("curl: %v: %s", err, out)
	}
	var s api.Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		return nil, fmt.Errorf("decoding %q: %w", tail(out, 300), err)
	}
	return &s, nil
}

// podStats is the named pod's stats in s, or nil.
func podStats(s *api.Summary, name string) *api.PodStats {
	for i := range s.Pods {
		if s.Pods[i].PodRef.Name == name && s.Pods[i].PodRef.Namespace == "default" {
			return &s.Pods[i]
		}
	}
	return nil
}

// containerRate is the pod's only container's CPU rate and working set
// (ok: both are there).
func containerRate(p *api.PodStats) (nanoCores, workingSet uint64, ok bool) {
	if p == nil || len(p.Containers) != 1 {
		return 0, 0, false
	}
	c := p.Containers[0]
	if c.CPU == nil || c.CPU.UsageNanoCores == nil || c.Memory == nil || c.Memory.WorkingSetBytes == nil {
		return 0, 0, false
	}
	return *c.CPU.UsageNanoCores, *c.Memory.WorkingSetBytes, true
}

func TestStatsSummary(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cl := startCluster(ctx, t, clusterConfig{Prefix: statsPrefix, Net3: statsNet3, Nodes: 1})
	cl.startKubelets(ctx, t, network.BackendHostGW)
	n := cl.node(1)

	cl.createPod(ctx, t, webPod("burner", n.Name, 0))
	cl.createPod(ctx, t, webPod("idle", n.Name, 0))
	burner := cl.waitRunning(ctx, t, "burner")
	cl.waitRunning(ctx, t, "idle")
	base := fmt.Sprintf("http://%s:8080", burner.Status.PodIP)
	if out, err := nodeExec(ctx, n.Name, "curl", "-sS", "-m", "20", "-f", base+"/alloc?mb=64"); err != nil {
		t.Fatalf("alloc: %v: %s", err, out)
	}

	// The load: one CPU burnt in 10 s requests, for at most 3 minutes,
	// until the test has seen what it needs.
	loadCtx, stopLoad := context.WithTimeout(ctx, 3*time.Minute)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 18 && loadCtx.Err() == nil; i++ {
			_, _ = nodeExec(loadCtx, n.Name, "curl", "-sS", "-m", "20", base+"/burn?ms=10000")
		}
	}()
	defer func() { stopLoad(); wg.Wait() }()

	var s *api.Summary
	eventuallyOK(t, 150*time.Second, "the burning pod's CPU rate in /stats/summary", func() string {
		got, err := cl.nodeSummary(ctx, n)
		if err != nil {
			return err.Error()
		}
		s = got
		b, bws, ok1 := containerRate(podStats(got, "burner"))
		i, iws, ok2 := containerRate(podStats(got, "idle"))
		if !ok1 || !ok2 {
			return "no rates yet: " + tail(mustJSONString(got.Pods), 600)
		}
		// One CPU busy in the burner, but two cores shared with whatever
		// else the machine runs: at least a twentieth of a core, and ten
		// times the idle testserver's.
		if b < 50e6 || b < 10*i {
			return fmt.Sprintf("burner %d nanocores, idle %d", b, i)
		}
		if bws < 64<<20 || iws == 0 {
			return fmt.Sprintf("working sets: burner %d (holds 64 MiB), idle %d", bws, iws)
		}
		return ""
	})
	stopLoad()
	wg.Wait()

	if s.Node.NodeName != n.Name || s.Node.CPU == nil || s.Node.CPU.UsageNanoCores == nil || s.Node.Memory == nil || s.Node.Memory.AvailableBytes == nil {
		t.Fatalf("node stats: %s", mustJSONString(s.Node))
	}
	bp := podStats(s, "burner")
	if bp.PodRef.UID != burner.UID || bp.StartTime.IsZero() || bp.Containers[0].Name != "web" || bp.Containers[0].StartTime.IsZero() {
		t.Errorf("burner ref and times: %s", mustJSONString(bp))
	}
	if bp.CPU == nil || bp.CPU.UsageNanoCores == nil || bp.Memory == nil {
		t.Fatalf("burner pod stats: %s", mustJSONString(bp))
	}
	c := bp.Containers[0]
	// The pod cgroup holds the container (and the pause); the node's
	// cgroup parent holds the pods: each at least as much as what it holds
	// (rates within one sample; counters read together).
	if *bp.CPU.UsageNanoCores < *c.CPU.UsageNanoCores*9/10 || *s.Node.CPU.UsageNanoCores < *bp.CPU.UsageNanoCores*9/10 {
		t.Errorf("rates: node %d, pod %d, container %d", *s.Node.CPU.UsageNanoCores, *bp.CPU.UsageNanoCores, *c.CPU.UsageNanoCores)
	}
	if *bp.CPU.UsageCoreNanoSeconds < *c.CPU.UsageCoreNanoSeconds || *s.Node.CPU.UsageCoreNanoSeconds < *bp.CPU.UsageCoreNanoSeconds {
		t.Errorf("counters: node %d, pod %d, container %d", *s.Node.CPU.UsageCoreNanoSeconds, *bp.CPU.UsageCoreNanoSeconds, *c.CPU.UsageCoreNanoSeconds)
	}
	if *bp.Memory.WorkingSetBytes < *c.Memory.WorkingSetBytes || *s.Node.Memory.WorkingSetBytes < *bp.Memory.WorkingSetBytes {
		t.Errorf("working sets: node %d, pod %d, container %d", *s.Node.Memory.WorkingSetBytes, *bp.Memory.WorkingSetBytes, *c.Memory.WorkingSetBytes)
	}

	// The cumulative counter is read at each request.
	s2, err := cl.nodeSummary(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if p2 := podStats(s2, "burner"); p2 == nil || *p2.Containers[0].CPU.UsageCoreNanoSeconds <= *c.CPU.UsageCoreNanoSeconds {
		t.Errorf("burner's counter did not grow between two requests: %d, then %s", *c.CPU.UsageCoreNanoSeconds, mustJSONString(p2))
	}
	t.Logf("burner %.2f cores, %d MiB; node %.2f cores, %d MiB working set",
		float64(*c.CPU.UsageNanoCores)/1e9, *c.Memory.WorkingSetBytes>>20, float64(*s.Node.CPU.UsageNanoCores)/1e9, *s.Node.Memory.WorkingSetBytes>>20)
}

func mustJSONString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
