package stats

import (
	"encoding/json"
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestBuildSummary(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	boot := t0.Add(-time.Hour)
	pods := []Pod{
		{Name: "zeta", Namespace: "default", UID: "uz", StartTime: t0.Add(-time.Minute), Containers: []Container{{Name: "app", ID: "cz", StartTime: t0.Add(-50 * time.Second)}}},
		{Name: "alpha", Namespace: "default", UID: "ua", StartTime: t0.Add(-2 * time.Minute), Containers: []Container{
			{Name: "app", ID: "ca1", StartTime: t0.Add(-100 * time.Second)},
			{Name: "gone", ID: "ca2"},
		}},
		{Name: "nothing", Namespace: "default", UID: "un", Containers: []Container{{Name: "app", ID: "cn"}}},
		{Name: "beta", Namespace: "another", UID: "ub", Containers: []Container{{Name: "app", ID: "cb"}}},
	}
	u := func(cpu, mem, ws uint64) Usage {
		return Usage{Time: t0, CPUNanos: cpu, MemoryUsage: mem, WorkingSet: ws, RSS: 1, PageFaults: 2, MajorPageFaults: 3}
	}
	snap := &Snapshot{
		Node:       &Usage{Time: t0, CPUNanos: 1000, MemoryUsage: 9000, WorkingSet: 6000},
		Pods:       map[string]Usage{"uz": u(30, 300, 200), "ua": u(20, 200, 100)},
		Containers: map[string]Usage{"cz": u(25, 250, 150), "ca1": u(15, 150, 90), "cb": u(5, 50, 40)},
	}
	rates := map[entity]uint64{nodeKey(): 1500, podKey("uz"): 300, containerKey("cz"): 250}
	s := buildSummary(summaryInput{NodeName: "node1", NodeStartTime: boot, MemoryCapacity: 10000, Pods: pods, Snapshot: snap, Rates: rates})

	// The JSON is the Summary API's: decode it again and compare field by field.
	var got api.Summary
	if err := json.Unmarshal([]byte(mustJSON(t, s)), &got); err != nil {
		t.Fatal(err)
	}
	if got.Node.NodeName != "node1" || !got.Node.StartTime.Equal(boot) {
		t.Errorf("node: %+v", got.Node)
	}
	if *got.Node.CPU.UsageNanoCores != 1500 || *got.Node.CPU.UsageCoreNanoSeconds != 1000 || !got.Node.CPU.Time.Equal(t0) {
		t.Errorf("node cpu: %s", mustJSON(t, got.Node.CPU))
	}
	if *got.Node.Memory.AvailableBytes != 4000 || *got.Node.Memory.WorkingSetBytes != 6000 || *got.Node.Memory.UsageBytes != 9000 {
		t.Errorf("node memory: %s", mustJSON(t, got.Node.Memory))
	}
	var names []string
	for _, p := range got.Pods {
		names = append(names, p.PodRef.Namespace+"/"+p.PodRef.Name)
	}
	if got, want := mustJSON(t, names), `["another/beta","default/alpha","default/zeta"]`; got != want {
		t.Fatalf("pods %s, want %s (sorted; 'nothing' has no stats)", got, want)
	}
	beta, alpha, zeta := got.Pods[0], got.Pods[1], got.Pods[2]
	if beta.CPU != nil || beta.Memory != nil || len(beta.Containers) != 1 {
		t.Errorf("beta (no pod cgroup, one container): %s", mustJSON(t, beta))
	}
	if alpha.PodRef.UID != "ua" || !alpha.StartTime.Equal(t0.Add(-2*time.Minute)) {
		t.Errorf("alpha ref: %s", mustJSON(t, alpha.PodRef))
	}
	if len(alpha.Containers) != 1 || alpha.Containers[0].Name != "app" || !alpha.Containers[0].StartTime.Equal(t0.Add(-100*time.Second)) {
		t.Errorf("alpha containers (gone is left out): %s", mustJSON(t, alpha.Containers))
	}
	if alpha.CPU.UsageNanoCores != nil || *alpha.CPU.UsageCoreNanoSeconds != 20 {
		t.Errorf("alpha cpu (no rate yet): %s", mustJSON(t, alpha.CPU))
	}
	if m := alpha.Memory; *m.WorkingSetBytes != 100 || *m.UsageBytes != 200 || *m.RSSBytes != 1 || *m.PageFaults != 2 || *m.MajorPageFaults != 3 || m.AvailableBytes != nil {
		t.Errorf("alpha memory: %s", mustJSON(t, m))
	}
	if *zeta.CPU.UsageNanoCores != 300 || *zeta.Containers[0].CPU.UsageNanoCores != 250 || *zeta.Containers[0].Memory.WorkingSetBytes != 150 {
		t.Errorf("zeta: %s", mustJSON(t, zeta))
	}
}

// TestBuildSummaryEmpty: no node figure and no pods still make a valid
// summary ("pods": [], not null, as the kubelet serves it).
func TestBuildSummaryEmpty(t *testing.T) {
	s := buildSummary(summaryInput{NodeName: "n", Snapshot: &Snapshot{}})
	if got := mustJSON(t, s); got != `{"node":{"nodeName":"n","startTime":null},"pods":[]}` {
		t.Errorf("got %s", got)
	}
}

// TestBuildSummaryCapacityBelowWorkingSet: availableBytes floors at 0.
func TestBuildSummaryCapacityBelowWorkingSet(t *testing.T) {
	s := buildSummary(summaryInput{Snapshot: &Snapshot{Node: &Usage{WorkingSet: 10}}, MemoryCapacity: 5})
	if *s.Node.Memory.AvailableBytes != 0 {
		t.Errorf("availableBytes %d, want 0", *s.Node.Memory.AvailableBytes)
	}
}
