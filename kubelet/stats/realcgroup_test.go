package stats

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// hierarchyDirs are the directories a cgroup path is made in: the cpuacct
// and memory hierarchies on v1, the one tree on v2.
func hierarchyDirs(p *CgroupProvider) []string {
	if p.layout.v2 {
		return []string{p.FSRoot}
	}
	return []string{p.layout.cpuacct, p.layout.memory}
}

// makeCgroups makes the cgroups (paths relative to the hierarchy roots,
// parents first) in every hierarchy the provider reads, and removes them
// (children first) when the test ends.
func makeCgroups(tb testing.TB, p *CgroupProvider, paths []string) {
	tb.Helper()
	var made []string
	tb.Cleanup(func() {
		for i := len(made) - 1; i >= 0; i-- {
			if err := syscall.Rmdir(made[i]); err != nil && !os.IsNotExist(err) {
				tb.Errorf("removing cgroup %s: %v", made[i], err)
			}
		}
	})
	for _, h := range hierarchyDirs(p) {
		for _, path := range paths {
			d := filepath.Join(h, path)
			if err := os.Mkdir(d, 0o755); err != nil {
				tb.Fatalf("cgroup %s: %v", d, err)
			}
			made = append(made, d)
		}
	}
}

// realProvider is a provider on this machine's cgroups (its layout is
// found by its first Read), for the root-only tests; it skips without root
// or with -short.
func realProvider(tb testing.TB, podsRoot, nodeCgroup string) *CgroupProvider {
	tb.Helper()
	if testing.Short() || os.Geteuid() != 0 {
		tb.Skip("real cgroups: needs root and no -short")
	}
	if _, err := NewCgroupProvider(podsRoot, "/").Read(context.Background(), nil); err != nil {
		tb.Skipf("no readable cgroups here: %v", err)
	}
	return NewCgroupProvider(podsRoot, nodeCgroup)
}

// TestRealCgroups (root): a process copying zeros (dd, a 4 MiB buffer)
// in a container cgroup of a pod shows up with its CPU rate (at most one
// core: it is one thread), a working set of at least its buffer, and the
// pod and the node at least as much.
func TestRealCgroups(t *testing.T) {
	top := fmt.Sprintf("/minik8s-statstest-%d", os.Getpid())
	p := realProvider(t, top, "/")
	if _, err := p.Read(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	pod, ctr := top+"/podu1", top+"/podu1/c1"
	makeCgroups(t, p, []string{top, pod, ctr})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The shell waits to be moved into the cgroup before dd allocates.
	cmd := exec.CommandContext(ctx, "sh", "-c", "sleep 0.3; exec dd if=/dev/zero of=/dev/null bs=4M")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	for _, h := range hierarchyDirs(p) {
		if err := os.WriteFile(filepath.Join(h, ctr, "cgroup.procs"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
			t.Fatalf("moving dd into %s: %v", ctr, err)
		}
	}
	pods := []Pod{{Name: "p", Namespace: "default", UID: "u1", Containers: []Container{{Name: "dd", ID: "c1"}}}}
	mi, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	capacity, _, err := parseMeminfo(mi)
	if err != nil {
		t.Fatal(err)
	}
	c := &Collector{Provider: p, Pods: func() []Pod { return pods }, NodeName: "n", MemoryCapacity: capacity, Interval: time.Hour}
	time.Sleep(time.Second)
	if err := c.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if err := c.Sample(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := c.Summary(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Pods) != 1 || len(s.Pods[0].Containers) != 1 || s.Node.CPU == nil {
		t.Fatalf("summary: %s", mustJSON(t, s))
	}
	ps, cs := s.Pods[0], s.Pods[0].Containers[0]
	rate := *cs.CPU.UsageNanoCores
	// Two cores shared with other work: dd gets a good part of one, never
	// more than one.
	if rate < 100e6 || rate > 1050e6 {
		t.Errorf("dd's CPU rate %d nanocores, want between 0.1 and 1 core", rate)
	}
	if *ps.CPU.UsageNanoCores < rate*9/10 || *s.Node.CPU.UsageNanoCores < rate*9/10 {
		t.Errorf("pod %d and node %d rates below the container's %d", *ps.CPU.UsageNanoCores, *s.Node.CPU.UsageNanoCores, rate)
	}
	if *ps.CPU.UsageCoreNanoSeconds < *cs.CPU.UsageCoreNanoSeconds || *s.Node.CPU.UsageCoreNanoSeconds < *ps.CPU.UsageCoreNanoSeconds {
		t.Errorf("counters not nested: node %d pod %d container %d", *s.Node.CPU.UsageCoreNanoSeconds, *ps.CPU.UsageCoreNanoSeconds, *cs.CPU.UsageCoreNanoSeconds)
	}
	if ws := *cs.Memory.WorkingSetBytes; ws < 4<<20 || ws > 256<<20 {
		t.Errorf("dd's working set %d bytes, want at least its 4 MiB buffer", ws)
	}
	if m := s.Node.Memory; *m.WorkingSetBytes < *ps.Memory.WorkingSetBytes || *m.AvailableBytes != capacity-*m.WorkingSetBytes {
		t.Errorf("node memory: %s", mustJSON(t, s.Node.Memory))
	}
	t.Logf("dd: %.2f cores, working set %d KiB; node %.2f cores, working set %d MiB",
		float64(rate)/1e9, *cs.Memory.WorkingSetBytes>>10, float64(*s.Node.CPU.UsageNanoCores)/1e9, *s.Node.Memory.WorkingSetBytes>>20)
}

// TestRealNodeCgroup (root): a node cgroup that does not exist yet is made
// and reads as the empty cgroup it is.
func TestRealNodeCgroup(t *testing.T) {
	node := fmt.Sprintf("/minik8s-statstest-node-%d", os.Getpid())
	p := realProvider(t, node, node)
	t.Cleanup(func() {
		for _, h := range []string{"", "cpuacct", "cpu,cpuacct", "memory"} {
			_ = syscall.Rmdir(filepath.Join(p.FSRoot, h, node))
		}
	})
	snap, err := p.Read(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if snap.Node == nil || snap.Node.CPUNanos != 0 {
		t.Fatalf("node: %+v, want the empty cgroup's usage", snap.Node)
	}
}
