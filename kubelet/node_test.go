package kubelet

import (
	"encoding/json"
	"testing"
	"time"

	"minik8s/pkg/api"
)

// roundTrip is st as the apiserver returns it.
func roundTrip(t *testing.T, st api.NodeStatus) api.NodeStatus {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var out api.NodeStatus
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNodeStatusChanged(t *testing.T) {
	opts := DefaultOptions()
	opts.NodeName, opts.NodeIP = "n1", "10.0.0.1"
	info := sysInfo{CPUs: 2, MemoryBytes: 4 << 30, Arch: "amd64", MachineID: "m", BootID: "b"}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	first := roundTrip(t, nodeStatus(&opts, info, "fake://1", api.NodeStatus{}, t0))

	// Ten seconds later only the heartbeats moved: no write is needed.
	again := nodeStatus(&opts, info, "fake://1", first, t0.Add(10*time.Second))
	if nodeStatusChanged(first, again) {
		t.Errorf("a status that only has newer heartbeats counts as changed")
	}
	if again.Conditions[3].LastTransitionTime != first.Conditions[3].LastTransitionTime {
		t.Errorf("Ready's lastTransitionTime moved: %v -> %v", first.Conditions[3].LastTransitionTime, again.Conditions[3].LastTransitionTime)
	}

	// The controller marked the node Unknown: the kubelet's Ready=True is a change.
	unknown := roundTrip(t, first)
	for i := range unknown.Conditions {
		unknown.Conditions[i].Status, unknown.Conditions[i].Reason = api.ConditionUnknown, "NodeStatusUnknown"
	}
	back := nodeStatus(&opts, info, "fake://1", unknown, t0.Add(time.Minute))
	if !nodeStatusChanged(unknown, back) {
		t.Errorf("Ready Unknown -> True does not count as changed")
	}
	if !back.Conditions[3].LastTransitionTime.Equal(t0.Add(time.Minute)) {
		t.Errorf("Ready's lastTransitionTime after Unknown -> True: got %v, want %v", back.Conditions[3].LastTransitionTime, t0.Add(time.Minute))
	}

	// Another runtime version is a change.
	if !nodeStatusChanged(first, nodeStatus(&opts, info, "fake://2", first, t0.Add(10*time.Second))) {
		t.Errorf("a new runtime version does not count as changed")
	}
}

func TestDesiredLease(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := desiredLease(nil, "n1", "uid-1", 40, now)
	if l.Namespace != "kube-node-lease" || l.Name != "n1" || *l.Spec.HolderIdentity != "n1" || *l.Spec.LeaseDurationSeconds != 40 || !l.Spec.RenewTime.Time.Equal(now) {
		t.Errorf("new lease: %+v %+v", l.ObjectMeta, l.Spec)
	}
	if len(l.OwnerReferences) != 1 || l.OwnerReferences[0] != (api.OwnerReference{APIVersion: "v1", Kind: "Node", Name: "n1", UID: "uid-1"}) {
		t.Errorf("owner references: %+v", l.OwnerReferences)
	}
	l.ResourceVersion = "7"
	r := desiredLease(l, "n1", "uid-1", 40, now.Add(10*time.Second))
	if r.ResourceVersion != "7" || !r.Spec.RenewTime.Time.Equal(now.Add(10*time.Second)) || len(r.OwnerReferences) != 1 {
		t.Errorf("renewed lease: %+v %+v", r.ObjectMeta, r.Spec)
	}
	if !l.Spec.RenewTime.Time.Equal(now) {
		t.Errorf("renewing changed the lease it was given")
	}
	if n := desiredLease(nil, "n1", "", 40, now); len(n.OwnerReferences) != 0 {
		t.Errorf("owner reference without the node's UID: %+v", n.OwnerReferences)
	}
	o := DefaultOptions()
	if got := o.leaseRenewInterval(); got != 10*time.Second {
		t.Errorf("renew interval of a 40s lease: %v, want 10s", got)
	}
}
