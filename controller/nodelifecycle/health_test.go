package nodelifecycle

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func at(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

// readyNode is a node whose Ready condition has status, heartbeat hb and
// transition tr (seconds after t0, in the kubelet's clock).
func readyNode(status string, hb, tr int) *api.Node {
	return &api.Node{
		ObjectMeta: api.ObjectMeta{Name: "n1", CreationTimestamp: api.NewTime(at(-100))},
		Status: api.NodeStatus{Conditions: []api.NodeCondition{{Type: api.NodeReady, Status: status,
			LastHeartbeatTime: api.NewTime(at(hb)), LastTransitionTime: api.NewTime(at(tr))}}},
	}
}

func lease(renew int) *api.Lease {
	return &api.Lease{Spec: api.LeaseSpec{RenewTime: &api.MicroTime{Time: at(renew)}}}
}

// TestNodeHealthTimeline follows one node through a series of
// observations, as Kubernetes' TestMonitorNodeHealthUpdateStatus and
// TestMonitorNodeHealthUpdateNodeAndPodStatusWithLease cases do: the node
// is stale (to be marked Unknown) once neither its Ready heartbeat nor its
// lease was seen to change for the grace period, by the controller's clock.
func TestNodeHealthTimeline(t *testing.T) {
	const grace = 40 * time.Second
	type step struct {
		now       int // controller clock, seconds after t0
		node      *api.Node
		lease     *api.Lease
		wantProbe int
		wantStale bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"heartbeats keep a node fresh", []step{
			{now: 0, node: readyNode(api.ConditionTrue, 0, 0), wantProbe: 0},
			{now: 30, node: readyNode(api.ConditionTrue, 30, 0), wantProbe: 30},
			{now: 60, node: readyNode(api.ConditionTrue, 60, 0), wantProbe: 60},
		}},
		{"status stops, no lease: stale after the grace period", []step{
			{now: 0, node: readyNode(api.ConditionTrue, 0, 0), wantProbe: 0},
			{now: 40, node: readyNode(api.ConditionTrue, 0, 0), wantProbe: 0},
			{now: 41, node: readyNode(api.ConditionTrue, 0, 0), wantProbe: 0, wantStale: true},
		}},
		{"status written rarely, lease renewed: fresh", []step{
			{now: 0, node: readyNode(api.ConditionTrue, 0, 0), lease: lease(0), wantProbe: 0},
			{now: 30, node: readyNode(api.ConditionTrue, 0, 0), lease: lease(30), wantProbe: 30},
			{now: 60, node: readyNode(api.ConditionTrue, 0, 0), lease: lease(60), wantProbe: 60},
			{now: 95, node: readyNode(api.ConditionTrue, 0, 0), lease: lease(90), wantProbe: 95},
		}},
		{"lease stops: stale grace after it was last seen renewed", []step{
			{now: 0, node: readyNode(api.ConditionTrue, 0, 0), lease: lease(0), wantProbe: 0},
			{now: 10, node: readyNode(api.ConditionTrue, 0, 0), lease: lease(10), wantProbe: 10},
			{now: 50, node: readyNode(api.ConditionTrue, 0, 0), lease: lease(10), wantProbe: 10},
			{now: 51, node: readyNode(api.ConditionTrue, 0, 0), lease: lease(10), wantProbe: 10, wantStale: true},
		}},
		{"skewed kubelet clock (an hour behind) does not matter", []step{
			{now: 0, node: readyNode(api.ConditionTrue, -3600, -3600), lease: lease(-3600), wantProbe: 0},
			{now: 20, node: readyNode(api.ConditionTrue, -3600, -3600), lease: lease(-3590), wantProbe: 20},
			{now: 55, node: readyNode(api.ConditionTrue, -3600, -3600), lease: lease(-3580), wantProbe: 55},
		}},
		{"a lease renewed into the past is not a renewal", []step{
			{now: 0, node: readyNode(api.ConditionTrue, 0, 0), lease: lease(10), wantProbe: 0},
			{now: 30, node: readyNode(api.ConditionTrue, 0, 0), lease: lease(5), wantProbe: 0},
			{now: 41, node: readyNode(api.ConditionTrue, 0, 0), lease: lease(5), wantProbe: 0, wantStale: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h *nodeHealth
			for i, s := range tt.steps {
				h = observeHealth(h, s.node, s.lease, at(s.now))
				if !h.probeTimestamp.Equal(at(s.wantProbe)) {
					t.Errorf("step %d: probe %v, want %v", i, h.probeTimestamp.Sub(t0), at(s.wantProbe).Sub(t0))
				}
				if stale := at(s.now).After(h.probeTimestamp.Add(gracePeriod(s.node, grace, time.Minute))); stale != s.wantStale {
					t.Errorf("step %d: stale %v, want %v", i, stale, s.wantStale)
				}
			}
		})
	}
}

func TestNodeHealthNeverPosted(t *testing.T) {
	n := &api.Node{ObjectMeta: api.ObjectMeta{Name: "n1", CreationTimestamp: api.NewTime(at(0))}}
	h := observeHealth(nil, n, nil, at(5))
	if !h.probeTimestamp.Equal(at(0)) {
		t.Errorf("probe of a node that never posted: %v, want its creation", h.probeTimestamp)
	}
	if g := gracePeriod(n, 40*time.Second, time.Minute); g != time.Minute {
		t.Errorf("grace period of a node that never posted: %v, want the startup grace period", g)
	}
	h = observeHealth(h, n, nil, at(50))
	if !h.probeTimestamp.Equal(at(0)) {
		t.Errorf("probe moved without any sign of life: %v", h.probeTimestamp)
	}
	// The first status it posts counts from when the controller saw it.
	h = observeHealth(h, readyNode(api.ConditionTrue, -999, -999), nil, at(55))
	if !h.probeTimestamp.Equal(at(55)) || !h.readyTransitionTimestamp.Equal(at(55)) {
		t.Errorf("first status: probe %v transition %v, want both at 55s", h.probeTimestamp.Sub(t0), h.readyTransitionTimestamp.Sub(t0))
	}
	// A heartbeat with a new transition moves the transition timestamp too.
	h = observeHealth(h, readyNode(api.ConditionFalse, 60, 60), nil, at(61))
	if !h.probeTimestamp.Equal(at(61)) || !h.readyTransitionTimestamp.Equal(at(61)) {
		t.Errorf("transition: probe %v transition %v, want both at 61s", h.probeTimestamp.Sub(t0), h.readyTransitionTimestamp.Sub(t0))
	}
	h = observeHealth(h, readyNode(api.ConditionFalse, 70, 60), nil, at(71))
	if !h.probeTimestamp.Equal(at(71)) || !h.readyTransitionTimestamp.Equal(at(61)) {
		t.Errorf("heartbeat only: probe %v transition %v, want 71s and 61s", h.probeTimestamp.Sub(t0), h.readyTransitionTimestamp.Sub(t0))
	}
}

func TestMarkUnknown(t *testing.T) {
	cond := func(typ, status string) api.NodeCondition {
		return api.NodeCondition{Type: typ, Status: status, Reason: "KubeletSays", LastHeartbeatTime: api.NewTime(at(1)), LastTransitionTime: api.NewTime(at(1))}
	}
	now := at(100)
	t.Run("kubelet conditions become Unknown", func(t *testing.T) {
		st := api.NodeStatus{Conditions: []api.NodeCondition{cond("MemoryPressure", "False"), cond("DiskPressure", "False"),
			cond("PIDPressure", "False"), cond(api.NodeReady, "True"), cond("NetworkUnavailable", "False")}}
		out, changed := markUnknown(st, at(0), now)
		if !changed {
			t.Fatal("not changed")
		}
		for _, c := range out.Conditions {
			if c.Type == "NetworkUnavailable" {
				if c.Status != "False" {
					t.Errorf("NetworkUnavailable changed: %+v", c)
				}
				continue
			}
			if c.Status != api.ConditionUnknown || c.Reason != "NodeStatusUnknown" || c.Message != "Kubelet stopped posting node status." ||
				!c.LastTransitionTime.Equal(now) || !c.LastHeartbeatTime.Equal(at(1)) {
				t.Errorf("%s: %+v", c.Type, c)
			}
		}
		if st.Conditions[3].Status != "True" {
			t.Errorf("the input status was changed")
		}
	})
	t.Run("already Unknown: no change", func(t *testing.T) {
		st := api.NodeStatus{Conditions: []api.NodeCondition{cond("MemoryPressure", "Unknown"), cond("DiskPressure", "Unknown"),
			cond("PIDPressure", "Unknown"), cond(api.NodeReady, "Unknown")}}
		if out, changed := markUnknown(st, at(0), now); changed || !out.Conditions[3].LastTransitionTime.Equal(at(1)) {
			t.Errorf("changed %v: %+v", changed, out.Conditions)
		}
	})
	t.Run("never posted", func(t *testing.T) {
		out, changed := markUnknown(api.NodeStatus{}, at(0), now)
		if !changed || len(out.Conditions) != 4 {
			t.Fatalf("changed %v: %+v", changed, out.Conditions)
		}
		for _, c := range out.Conditions {
			if c.Status != api.ConditionUnknown || c.Reason != "NodeStatusNeverUpdated" || c.Message != "Kubelet never posted node status." ||
				!c.LastHeartbeatTime.Equal(at(0)) || !c.LastTransitionTime.Equal(now) {
				t.Errorf("%s: %+v", c.Type, c)
			}
		}
	})
}
