package stats

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// writeTree writes files (path relative to root: contents) under root.
func writeTree(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for p, data := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// v1Cgroup is the files of one v1 cgroup at path (cpuacct hierarchy dir
// cpuacctDir), with the given CPU ns, memory usage and inactive file.
func v1Cgroup(cpuacctDir, path, cpu, usage, inactive string) map[string]string {
	return map[string]string{
		filepath.Join(cpuacctDir, path, "cpuacct.usage"):           cpu + "\n",
		filepath.Join("memory", path, "memory.usage_in_bytes"):     usage + "\n",
		filepath.Join("memory", path, "memory.stat"):               "total_rss 4096\ntotal_inactive_file " + inactive + "\npgfault 9\npgmajfault 1\n",
		filepath.Join("memory", path, "memory.limit_in_bytes"):     "9223372036854771712\n",
		filepath.Join(cpuacctDir, path, "cpuacct.usage_percpu"):    "1 2\n",
		filepath.Join("memory", path, "memory.max_usage_in_bytes"): usage + "\n",
	}
}

func v2Cgroup(path, usec, current, inactive string) map[string]string {
	return map[string]string{
		filepath.Join(path, "cpu.stat"):       "usage_usec " + usec + "\nuser_usec 1\nsystem_usec 1\n",
		filepath.Join(path, "memory.current"): current + "\n",
		filepath.Join(path, "memory.stat"):    "anon 8192\nfile 100\ninactive_file " + inactive + "\npgfault 11\npgmajfault 2\n",
	}
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// fixturePods is one pod (uid u1) with containers c1 and c2 (c2 has no
// cgroup: it is listed by the runtime but gone) and a pod whose cgroup is
// gone (u2).
var fixturePods = []Pod{
	{Name: "web", Namespace: "default", UID: "u1", Containers: []Container{{Name: "app", ID: "c1"}, {Name: "side", ID: "c2"}}},
	{Name: "gone", Namespace: "default", UID: "u2", Containers: []Container{{Name: "app", ID: "c3"}}},
}

func TestCgroupProviderRead(t *testing.T) {
	for _, tc := range []struct {
		name     string
		files    map[string]string
		meminfo  string
		nodeCg   string
		wantNode *Usage
		wantPod  Usage
		wantCtr  Usage
	}{
		{
			name: "v1 hybrid (cpuacct alone, as on this machine)",
			files: merge(
				map[string]string{"unified/cgroup.procs": ""},
				v1Cgroup("cpuacct", "", "900000000000", "8000000000", "3000000000"),
				v1Cgroup("cpuacct", "minik8s/node1/podu1", "5000000000", "300000", "100000"),
				v1Cgroup("cpuacct", "minik8s/node1/podu1/c1", "4000000000", "200000", "150000"),
			),
			nodeCg:   "/",
			wantNode: &Usage{Time: fixedNow, CPUNanos: 900000000000, MemoryUsage: 8000000000, WorkingSet: 5000000000, RSS: 4096, PageFaults: 9, MajorPageFaults: 1},
			wantPod:  Usage{Time: fixedNow, CPUNanos: 5000000000, MemoryUsage: 300000, WorkingSet: 200000, RSS: 4096, PageFaults: 9, MajorPageFaults: 1},
			wantCtr:  Usage{Time: fixedNow, CPUNanos: 4000000000, MemoryUsage: 200000, WorkingSet: 50000, RSS: 4096, PageFaults: 9, MajorPageFaults: 1},
		},
		{
			name: "v1 with cpu,cpuacct co-mounted; node is the pods' root",
			files: merge(
				v1Cgroup("cpu,cpuacct", "", "1", "1", "0"),
				v1Cgroup("cpu,cpuacct", "minik8s/node1", "7000000000", "500000", "600000"),
				v1Cgroup("cpu,cpuacct", "minik8s/node1/podu1", "5000000000", "300000", "100000"),
				v1Cgroup("cpu,cpuacct", "minik8s/node1/podu1/c1", "4000000000", "200000", "150000"),
			),
			nodeCg:   "/minik8s/node1",
			wantNode: &Usage{Time: fixedNow, CPUNanos: 7000000000, MemoryUsage: 500000, WorkingSet: 0, RSS: 4096, PageFaults: 9, MajorPageFaults: 1},
			wantPod:  Usage{Time: fixedNow, CPUNanos: 5000000000, MemoryUsage: 300000, WorkingSet: 200000, RSS: 4096, PageFaults: 9, MajorPageFaults: 1},
			wantCtr:  Usage{Time: fixedNow, CPUNanos: 4000000000, MemoryUsage: 200000, WorkingSet: 50000, RSS: 4096, PageFaults: 9, MajorPageFaults: 1},
		},
		{
			name: "v2: the root has no memory.current (meminfo) nor, on older kernels, memory.stat",
			files: merge(
				map[string]string{"cgroup.controllers": "cpu memory\n", "cpu.stat": "usage_usec 800000000\n"},
				v2Cgroup("minik8s/node1/podu1", "5000000", "300000", "100000"),
				v2Cgroup("minik8s/node1/podu1/c1", "4000000", "200000", "150000"),
			),
			meminfo:  "MemTotal: 1000 kB\nMemFree: 400 kB\n",
			nodeCg:   "/",
			wantNode: &Usage{Time: fixedNow, CPUNanos: 800000000000, MemoryUsage: 600 * 1024, WorkingSet: 600 * 1024},
			wantPod:  Usage{Time: fixedNow, CPUNanos: 5000000000, MemoryUsage: 300000, WorkingSet: 200000, RSS: 8192, PageFaults: 11, MajorPageFaults: 2},
			wantCtr:  Usage{Time: fixedNow, CPUNanos: 4000000000, MemoryUsage: 200000, WorkingSet: 50000, RSS: 8192, PageFaults: 11, MajorPageFaults: 2},
		},
		{
			name: "v2 root with memory.stat",
			files: merge(
				map[string]string{"cgroup.controllers": "cpu memory\n", "cpu.stat": "usage_usec 1\n", "memory.stat": "anon 10\ninactive_file 100000\n"},
				v2Cgroup("minik8s/node1/podu1", "5000000", "300000", "100000"),
				v2Cgroup("minik8s/node1/podu1/c1", "4000000", "200000", "150000"),
			),
			meminfo:  "MemTotal: 1000 kB\nMemFree: 400 kB\n",
			nodeCg:   "/",
			wantNode: &Usage{Time: fixedNow, CPUNanos: 1000, MemoryUsage: 600 * 1024, WorkingSet: 600*1024 - 100000, RSS: 10},
			wantPod:  Usage{Time: fixedNow, CPUNanos: 5000000000, MemoryUsage: 300000, WorkingSet: 200000, RSS: 8192, PageFaults: 11, MajorPageFaults: 2},
			wantCtr:  Usage{Time: fixedNow, CPUNanos: 4000000000, MemoryUsage: 200000, WorkingSet: 50000, RSS: 8192, PageFaults: 11, MajorPageFaults: 2},
		},
		{
			name: "node cgroup missing: no node figure, pods still read",
			files: merge(
				v2Cgroup("minik8s/node1/podu1", "5000000", "300000", "100000"),
				v2Cgroup("minik8s/node1/podu1/c1", "4000000", "200000", "150000"),
				map[string]string{"cgroup.controllers": ""},
			),
			nodeCg:  "/elsewhere",
			wantPod: Usage{Time: fixedNow, CPUNanos: 5000000000, MemoryUsage: 300000, WorkingSet: 200000, RSS: 8192, PageFaults: 11, MajorPageFaults: 2},
			wantCtr: Usage{Time: fixedNow, CPUNanos: 4000000000, MemoryUsage: 200000, WorkingSet: 50000, RSS: 8192, PageFaults: 11, MajorPageFaults: 2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, tc.files)
			mi := filepath.Join(t.TempDir(), "meminfo")
			writeTree(t, filepath.Dir(mi), map[string]string{"meminfo": tc.meminfo})
			p := &CgroupProvider{FSRoot: root, Meminfo: mi, PodsRoot: "/minik8s/node1/", NodeCgroup: tc.nodeCg, Now: func() time.Time { return fixedNow }}
			snap, err := p.Read(context.Background(), fixturePods)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(snap.Node, tc.wantNode) {
				t.Errorf("node: got %+v, want %+v", snap.Node, tc.wantNode)
			}
			if !reflect.DeepEqual(snap.Pods, map[string]Usage{"u1": tc.wantPod}) {
				t.Errorf("pods: got %+v, want u1 %+v", snap.Pods, tc.wantPod)
			}
			if !reflect.DeepEqual(snap.Containers, map[string]Usage{"c1": tc.wantCtr}) {
				t.Errorf("containers: got %+v, want c1 %+v", snap.Containers, tc.wantCtr)
			}
		})
	}
}

func TestCgroupProviderNoHierarchies(t *testing.T) {
	p := &CgroupProvider{FSRoot: t.TempDir(), NodeCgroup: "/"}
	if _, err := p.Read(context.Background(), nil); err == nil {
		t.Fatal("an empty cgroup root: want an error")
	}
	// The hierarchies appear later (the runtime mounts them): found then.
	writeTree(t, p.FSRoot, v1Cgroup("cpuacct", "", "1", "2", "0"))
	snap, err := p.Read(context.Background(), nil)
	if err != nil || snap.Node == nil || snap.Node.CPUNanos != 1 || snap.Node.WorkingSet != 2 {
		t.Fatalf("got %+v, %v", snap, err)
	}
}

// TestCgroupProviderLargeFile: a file larger than the read buffer is read
// whole.
func TestCgroupProviderLargeFile(t *testing.T) {
	root := t.TempDir()
	big := ""
	for len(big) < 20000 {
		big += "padding_key 1\n"
	}
	files := v1Cgroup("cpuacct", "", "1", "100", "0")
	files["memory/memory.stat"] = big + "total_inactive_file 40\n"
	writeTree(t, root, files)
	p := &CgroupProvider{FSRoot: root, NodeCgroup: "/"}
	snap, err := p.Read(context.Background(), nil)
	if err != nil || snap.Node == nil || snap.Node.WorkingSet != 60 {
		t.Fatalf("got %+v, %v", snap.Node, err)
	}
}

// TestCgroupProviderMakesNodeCgroup: a missing node cgroup is made in the
// hierarchies read (a lab node's parent exists only once a pod runs).
func TestCgroupProviderMakesNodeCgroup(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		dirs  []string
	}{
		{"v1", v1Cgroup("cpuacct", "", "1", "1", "0"), []string{"cpuacct/minik8s/node1", "memory/minik8s/node1"}},
		{"v2", map[string]string{"cgroup.controllers": "", "cpu.stat": "usage_usec 1\n"}, []string{"minik8s/node1"}},
	} {
		root := t.TempDir()
		writeTree(t, root, tc.files)
		p := &CgroupProvider{FSRoot: root, PodsRoot: "/minik8s/node1", NodeCgroup: "/minik8s/node1/"}
		if _, err := p.Read(context.Background(), nil); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		for _, d := range tc.dirs {
			if st, err := os.Stat(filepath.Join(root, d)); err != nil || !st.IsDir() {
				t.Errorf("%s: %s not made: %v", tc.name, d, err)
			}
		}
	}
}
