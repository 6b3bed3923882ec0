package deployment

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestDeploymentComplete(t *testing.T) {
	for _, tc := range []struct {
		name                            string
		want, total, updated, available int32
		generation, observed            int64
		expected                        bool
	}{
		{"not complete: min but not all pods become available", 5, 5, 5, 4, 1, 1, false},
		{"not complete: min availability is not honored", 5, 5, 5, 3, 1, 1, false},
		{"complete", 5, 5, 5, 5, 1, 1, true},
		{"not complete: all pods are available but not updated", 5, 5, 4, 5, 1, 1, false},
		{"not complete: still running old pods", 1, 2, 1, 1, 1, 1, false},
		{"not complete: one replica deployment never comes up", 1, 1, 1, 0, 1, 1, false},
		{"not complete: generation not observed", 5, 5, 5, 5, 2, 1, false},
	} {
		d := newDeployment(tc.want, "1", "0")
		d.Generation = tc.generation
		s := api.DeploymentStatus{Replicas: tc.total, UpdatedReplicas: tc.updated, AvailableReplicas: tc.available, ObservedGeneration: tc.observed}
		if got := DeploymentComplete(d, &s); got != tc.expected {
			t.Errorf("%s: DeploymentComplete = %v", tc.name, got)
		}
	}
}

func TestDeploymentProgressing(t *testing.T) {
	status := func(total, updated, ready, available int32) api.DeploymentStatus {
		return api.DeploymentStatus{Replicas: total, UpdatedReplicas: updated, ReadyReplicas: ready, AvailableReplicas: available}
	}
	for _, tc := range []struct {
		name     string
		old, new api.DeploymentStatus
		expected bool
	}{
		{"progressing: updated pods", status(10, 4, 4, 4), status(10, 6, 4, 4), true},
		{"not progressing", status(10, 6, 4, 4), status(10, 6, 4, 4), false},
		{"progressing: old pods removed", status(10, 6, 6, 6), status(8, 6, 6, 6), true},
		{"not progressing: less new pods", status(10, 7, 3, 3), status(10, 6, 3, 3), false},
		{"progressing: less overall but more new pods", status(10, 4, 7, 7), status(8, 8, 5, 5), true},
		{"progressing: more ready pods", status(10, 10, 9, 8), status(10, 10, 10, 8), true},
		{"progressing: more available pods", status(10, 10, 10, 9), status(10, 10, 10, 10), true},
	} {
		d := newDeployment(10, "1", "0")
		d.Status = tc.old
		if got := DeploymentProgressing(d, &tc.new); got != tc.expected {
			t.Errorf("%s: DeploymentProgressing = %v", tc.name, got)
		}
	}
}

func TestDeploymentTimedOut(t *testing.T) {
	at := func(min, sec int) time.Time { return time.Date(2016, 1, 1, 0, min, sec, 0, time.UTC) }
	infinite := int32(^uint32(0) >> 1)
	for _, tc := range []struct {
		name     string
		pds      *int32
		reason   string
		from     time.Time
		now      time.Time
		expected bool
	}{
		{"nil progressDeadlineSeconds - no timeout", nil, "", at(1, 9), at(1, 20), false},
		{"infinite progressDeadlineSeconds - no timeout", &infinite, "", at(1, 9), at(1, 20), false},
		{"10s, 00:01:20 - 00:01:09 => 11s", i32(10), "", at(1, 9), at(1, 20), true},
		{"10s, 00:01:20 - 00:01:11 => 9s", i32(10), "", at(1, 11), at(1, 20), false},
		{"previous status was a complete deployment", i32(10), ReasonNewRSAvailable, time.Time{}, at(1, 20), false},
	} {
		d := newDeployment(1, "1", "0")
		d.Spec.ProgressDeadlineSeconds = tc.pds
		d.Status.Conditions = []api.DeploymentCondition{{Type: ConditionProgressing, Status: "True", Reason: tc.reason, LastUpdateTime: api.NewTime(tc.from)}}
		if got := DeploymentTimedOut(d, &d.Status, tc.now); got != tc.expected {
			t.Errorf("%s: DeploymentTimedOut = %v", tc.name, got)
		}
	}
}

func TestRolloutStatusConditions(t *testing.T) {
	now := t0.Add(time.Hour)
	d := newDeployment(3, "1", "0")
	nrs := newRS("foo-v2", 3, 3, 1)
	// Complete: NewReplicaSetAvailable, Available True.
	s := RolloutStatus(d, nrs, []*api.ReplicaSet{nrs}, now)
	if c := GetCondition(&s, ConditionProgressing); c == nil || c.Reason != ReasonNewRSAvailable || c.Status != "True" ||
		c.Message != `ReplicaSet "foo-v2" has successfully progressed.` {
		t.Errorf("complete: Progressing %+v", c)
	}
	if c := GetCondition(&s, ConditionAvailable); c == nil || c.Reason != ReasonMinimumAvailable || c.Status != "True" {
		t.Errorf("complete: Available %+v", c)
	}
	if s.Replicas != 3 || s.UpdatedReplicas != 3 || s.AvailableReplicas != 3 || s.ObservedGeneration != 1 {
		t.Errorf("complete: counts %+v", s)
	}

	// Progressing: more updated pods than the last status.
	half := newRS("foo-v2", 2, 0, 1)
	old := newRS("foo-v1", 2, 2, 0)
	d.Status = api.DeploymentStatus{Replicas: 3, UpdatedReplicas: 1}
	s = RolloutStatus(d, half, []*api.ReplicaSet{half, old}, now)
	if c := GetCondition(&s, ConditionProgressing); c == nil || c.Reason != ReasonRSUpdated || c.Message != `ReplicaSet "foo-v2" is progressing.` {
		t.Errorf("progressing: %+v", c)
	}
	if c := GetCondition(&s, ConditionAvailable); c == nil || c.Reason != ReasonMinimumUnavailabe {
		t.Errorf("progressing: Available %+v (2 of 3 with maxUnavailable 0)", c)
	}

	// No progress past the deadline: ProgressDeadlineExceeded.
	d.Spec.ProgressDeadlineSeconds = i32(10)
	d.Status = s
	later := now.Add(11 * time.Second)
	s = RolloutStatus(d, half, []*api.ReplicaSet{half, old}, later)
	if c := GetCondition(&s, ConditionProgressing); c == nil || c.Reason != ReasonTimedOut || c.Status != "False" ||
		c.Message != `ReplicaSet "foo-v2" has timed out progressing.` {
		t.Errorf("timed out: %+v", c)
	}
	if RequeueAfter(d, &s, later) != 0 {
		t.Errorf("timed out: no requeue wanted")
	}

	// Below the minimum: MinimumReplicasUnavailable.
	none := newRS("foo-v2", 3, 0, 1)
	s = CalculateStatus(d, none, []*api.ReplicaSet{none}, now)
	if c := GetCondition(&s, ConditionAvailable); c == nil || c.Reason != ReasonMinimumUnavailabe || c.Status != "False" {
		t.Errorf("unavailable: %+v", c)
	}
	if s.UnavailableReplicas != 3 {
		t.Errorf("unavailable replicas %d, want 3", s.UnavailableReplicas)
	}
}

func TestPausedCondition(t *testing.T) {
	d := newDeployment(1, "1", "0")
	d.Spec.Paused = true
	c := PausedCondition(d, t0)
	if c == nil || c.Reason != ReasonPaused || c.Status != "Unknown" {
		t.Fatalf("paused: %+v", c)
	}
	d.Status.Conditions = []api.DeploymentCondition{*c}
	if PausedCondition(d, t0) != nil {
		t.Errorf("paused twice: want no change")
	}
	d.Spec.Paused = false
	if c := PausedCondition(d, t0); c == nil || c.Reason != ReasonResumed {
		t.Errorf("resumed: %+v", c)
	}
}

func TestRequeueAfter(t *testing.T) {
	d := newDeployment(3, "1", "0")
	d.Spec.ProgressDeadlineSeconds = i32(60)
	s := api.DeploymentStatus{Conditions: []api.DeploymentCondition{{Type: ConditionProgressing, Status: "True", Reason: ReasonRSUpdated, LastUpdateTime: api.NewTime(t0)}}}
	if got := RequeueAfter(d, &s, t0.Add(20*time.Second)); got != 40*time.Second {
		t.Errorf("RequeueAfter = %v, want 40s", got)
	}
}
