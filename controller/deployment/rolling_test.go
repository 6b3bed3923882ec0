package deployment

import (
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

func TestPlanNewReplicaSet(t *testing.T) {
	// Kubernetes' TestDeploymentController_reconcileNewReplicaSet (maxUnavailable 0).
	for i, tc := range []struct {
		deploymentReplicas int32
		maxSurge           string
		oldReplicas        int32
		newReplicas        int32
		scaleExpected      bool
		expected           int32
	}{
		{10, "0", 10, 0, false, 0},     // should not scale up
		{10, "2", 10, 0, true, 2},      // scale up by the surge
		{10, "2", 5, 0, true, 7},       // only to the allowable difference
		{10, "2", 10, 2, false, 2},     // already surged
		{2, "0", 2, 4, true, 2},        // scale down
		{2, "2", 2, 4, true, 2},        // scale down whatever the surge
		{10, "25%", 10, 0, true, 3},    // percentages round up
		{10, "100%", 10, 0, true, 10},  // a full surge
		{3, "1", 0, 0, true, 3},        // no old: straight to the size
		{10, "0", 9, 0, true, 1},       // old already scaled down
		{5, "40%", 5, 1, true, 2},      // surge 2, one in flight
		{5, "40%", 4, 3, false, 3},     // at the ceiling
		{0, "1", 0, 2, true, 0},        // scaled to 0
		{4, "50%", 3, 1, true, 3},      // 4+2-4 = 2 more
		{4, "0%", 4, 0, false, 0},      // 0% surge
		{7, "14%", 7, 0, true, 1},      // 0.98 rounds up
		{7, "15%", 7, 0, true, 2},      // 1.05 rounds up
		{1, "25%", 1, 0, true, 1},      // one replica
		{1, "0", 1, 0, false, 0},       // one replica, no surge
		{100, "1%", 100, 0, true, 1},   // one by one
		{100, "10%", 90, 10, true, 20}, // progress
		{6, "2", 6, 0, true, 2},        // count surge
		{6, "2", 6, 2, false, 2},       // waiting for the old
		{6, "2", 4, 2, true, 4},        // the old went down by 2
		{6, "2", 0, 4, true, 6},        // the old is gone
		{6, "2", 0, 6, false, 6},       // done
		{10, "30%", 10, 0, true, 3},    // 3
		{3, "3", 3, 3, false, 3},       // done with old still up
		{3, "3", 3, 1, true, 3},        // surge covers all
		{3, "0", 2, 1, false, 1},       // 3 pods and no surge: no room
		{3, "1", 2, 1, true, 2},        // one slot
		{10, "0", 5, 5, false, 5},      // waiting for old to go
		{10, "3", 5, 5, true, 8},       // surge 3
		{10, "3", 8, 5, false, 5},      // already at 13
		{10, "5", 10, 5, false, 5},     // at 15
		{10, "20%", 9, 2, true, 3},     // 12 allowed, 11 now
		{10, "20%", 0, 10, false, 10},  // done
		{10, "20%", 0, 11, true, 10},   // over: scale down
		{10, "20%", 10, 11, true, 10},  // over with old: scale down
	} {
		d := newDeployment(tc.deploymentReplicas, tc.maxSurge, "0")
		nrs := newRS("foo-v2", tc.newReplicas, 0, 1)
		ors := newRS("foo-v1", tc.oldReplicas, tc.oldReplicas, 0)
		to, change, err := PlanNewReplicaSet(d, []*api.ReplicaSet{nrs, ors}, nrs)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if change != tc.scaleExpected || to != tc.expected {
			t.Errorf("case %d %+v: got scale %v to %d", i, tc, change, to)
		}
	}
}

func TestPlanOldReplicaSets(t *testing.T) {
	// Kubernetes' TestDeploymentController_reconcileOldReplicaSets
	// (maxSurge 0) and more.
	for i, tc := range []struct {
		deploymentReplicas int32
		maxUnavailable     string
		oldReplicas        int32
		newReplicas        int32
		readyOld, readyNew int32
		scaleExpected      bool
		expectedOld        int32
	}{
		{10, "0", 10, 0, 10, 0, true, 9}, // both 0: maxUnavailable is 1
		{10, "2", 10, 0, 10, 0, true, 8},
		{10, "2", 10, 0, 8, 0, true, 8}, // unhealthy old pods are cleaned up first
		{10, "2", 10, 0, 9, 0, true, 8}, // one unhealthy cleaned up, one ready scaled down
		{10, "2", 8, 2, 8, 0, false, 8}, // new RS's unavailable pods block further scale-down
		{10, "2", 8, 2, 8, 2, true, 6},  // new pods available: two more old go
		{10, "25%", 10, 0, 10, 0, true, 8},
		{10, "100%", 10, 0, 10, 0, true, 0},
		{10, "0", 5, 5, 5, 5, true, 4},    // both 0: one may go
		{10, "0", 6, 5, 6, 5, true, 4},    // one extra old and one more
		{10, "1", 10, 0, 0, 0, true, 9},   // nothing available: only the budget goes
		{10, "30%", 10, 0, 0, 0, true, 7}, // all unhealthy: cleaned up within the budget
		{4, "1", 4, 1, 4, 1, true, 2},     // 5 pods, 5 available, min 3
		{1, "1", 1, 0, 1, 0, true, 0},     // one replica may go
		{1, "0", 1, 1, 1, 0, true, 0},     // both 0: the one old may go
		{1, "0", 1, 1, 1, 1, true, 0},     // the new one is available
		{3, "1", 0, 3, 0, 3, false, 0},    // no old pods
	} {
		d := newDeployment(tc.deploymentReplicas, "0", tc.maxUnavailable)
		nrs := newRS("foo-v2", tc.newReplicas, tc.readyNew, 1)
		ors := newRS("foo-v1", tc.oldReplicas, tc.readyOld, 0)
		ops := PlanOldReplicaSets(d, nrs, []*api.ReplicaSet{ors})
		if (len(ops) > 0) != tc.scaleExpected {
			t.Errorf("case %d %+v: ops %v", i, tc, ops)
			continue
		}
		if len(ops) > 0 && (ops[0].RS != ors || ops[0].To != tc.expectedOld) {
			t.Errorf("case %d %+v: scaled %s to %d, want foo-v1 to %d", i, tc, ops[0].RS.Name, ops[0].To, tc.expectedOld)
		}
	}
}

func TestPlanOldReplicaSetsOldestFirst(t *testing.T) {
	d := newDeployment(6, "0", "3")
	nrs := newRS("foo-v3", 0, 0, 2)
	older := newRS("foo-v1", 2, 2, 0)
	newer := newRS("foo-v2", 4, 4, 1)
	ops := PlanOldReplicaSets(d, nrs, []*api.ReplicaSet{newer, older})
	got := map[string]int32{}
	for _, op := range ops {
		got[op.RS.Name] = op.To
	}
	if want := map[string]int32{"foo-v1": 0, "foo-v2": 3}; !reflect.DeepEqual(got, want) {
		t.Errorf("ops %v, want %v", got, want)
	}
}

func TestPlanScale(t *testing.T) {
	// Kubernetes' TestScale (sync_test.go): maxSurge and maxUnavailable 0,
	// replica sets annotated with the old deployment's size.
	annotated := func(rs *api.ReplicaSet, size int32) *api.ReplicaSet {
		setReplicasAnnotations(rs, size, size)
		return rs
	}
	for _, tc := range []struct {
		name      string
		old, want int32
		newRS     *api.ReplicaSet
		oldRSs    []*api.ReplicaSet
		expectNew int32
		expectOld []int32
	}{
		{"normal scaling event: 10 -> 12", 10, 12, newRS("foo-v1", 10, 10, 0), nil, 12, nil},
		{"normal scaling event: 10 -> 5", 10, 5, newRS("foo-v1", 10, 10, 0), nil, 5, nil},
		{"proportional scaling: 5 -> 10", 5, 10, newRS("foo-v2", 2, 2, 1), []*api.ReplicaSet{newRS("foo-v1", 3, 3, 0)}, 4, []int32{6}},
		{"proportional scaling: 5 -> 3", 5, 3, newRS("foo-v2", 2, 2, 1), []*api.ReplicaSet{newRS("foo-v1", 3, 3, 0)}, 1, []int32{2}},
		{"proportional scaling: 9 -> 4", 9, 4, newRS("foo-v2", 8, 8, 1), []*api.ReplicaSet{newRS("foo-v1", 1, 1, 0)}, 4, []int32{0}},
		{"proportional scaling: 7 -> 10", 7, 10, newRS("foo-v3", 2, 2, 2), []*api.ReplicaSet{newRS("foo-v2", 3, 3, 1), newRS("foo-v1", 2, 2, 0)}, 3, []int32{4, 3}},
		{"proportional scaling: 13 -> 8", 13, 8, newRS("foo-v3", 2, 2, 2), []*api.ReplicaSet{newRS("foo-v2", 8, 8, 1), newRS("foo-v1", 3, 3, 0)}, 1, []int32{5, 2}},
		{"leftover distribution: 3 -> 4", 3, 4, newRS("foo-v3", 1, 1, 2), []*api.ReplicaSet{newRS("foo-v2", 1, 1, 1), newRS("foo-v1", 1, 1, 0)}, 2, []int32{1, 1}},
		{"leftover distribution: 4 -> 3", 4, 3, newRS("foo-v3", 1, 1, 2), []*api.ReplicaSet{newRS("foo-v2", 1, 1, 1), newRS("foo-v1", 2, 2, 0)}, 1, []int32{1, 1}},
		{"scaling down to 0", 12, 0, newRS("foo-v2", 4, 4, 1), []*api.ReplicaSet{newRS("foo-v1", 8, 8, 0)}, 0, []int32{0}},
		{"saturated new: old go to 0", 3, 3, newRS("foo-v2", 3, 3, 1), []*api.ReplicaSet{newRS("foo-v1", 1, 1, 0)}, 3, []int32{0}},
	} {
		d := newDeployment(tc.want, "0", "0")
		d.Status.Replicas = tc.old
		all := append([]*api.ReplicaSet{tc.newRS}, tc.oldRSs...)
		for _, rs := range all {
			annotated(rs, tc.old)
		}
		if tc.name == "saturated new: old go to 0" {
			annotated(tc.newRS, 3)
		}
		got := map[string]int32{}
		for _, rs := range all {
			got[rs.Name] = rsReplicas(rs)
		}
		for _, op := range PlanScale(d, tc.newRS, tc.oldRSs) {
			got[op.RS.Name] = op.To
		}
		if got[tc.newRS.Name] != tc.expectNew {
			t.Errorf("%s: new %s = %d, want %d (%v)", tc.name, tc.newRS.Name, got[tc.newRS.Name], tc.expectNew, got)
		}
		for i, rs := range tc.oldRSs {
			if got[rs.Name] != tc.expectOld[i] {
				t.Errorf("%s: old %s = %d, want %d (%v)", tc.name, rs.Name, got[rs.Name], tc.expectOld[i], got)
			}
		}
	}
}

func TestIsScalingEvent(t *testing.T) {
	d := newDeployment(5, "1", "0")
	rs := newRS("foo-v1", 3, 3, 0)
	setReplicasAnnotations(rs, 3, 4)
	if !IsScalingEvent(d, rs, nil) {
		t.Errorf("desired 3, deployment 5: want a scaling event")
	}
	setReplicasAnnotations(rs, 5, 6)
	if IsScalingEvent(d, rs, nil) {
		t.Errorf("desired 5, deployment 5: no scaling event")
	}
	if IsScalingEvent(d, newRS("foo-v1", 3, 3, 0), nil) {
		t.Errorf("no annotation: no scaling event")
	}
}

func TestPlanCleanup(t *testing.T) {
	rev := func(name, r string, replicas int32) *api.ReplicaSet {
		rs := newRS(name, replicas, replicas, 0)
		rs.Annotations = map[string]string{RevisionAnnotation: r}
		return rs
	}
	for _, tc := range []struct {
		name  string
		limit *int32
		old   []*api.ReplicaSet
		want  []string
	}{
		{"under the limit", i32(3), []*api.ReplicaSet{rev("a", "1", 0), rev("b", "2", 0)}, nil},
		{"oldest revisions go first", i32(1), []*api.ReplicaSet{rev("c", "3", 0), rev("a", "1", 0), rev("b", "2", 0)}, []string{"a", "b"}},
		{"limit 0 deletes every idle old one", i32(0), []*api.ReplicaSet{rev("a", "1", 0), rev("b", "2", 1)}, []string{"a"}},
		{"scaled-up ones stay", i32(1), []*api.ReplicaSet{rev("a", "1", 2), rev("b", "2", 0), rev("c", "3", 0)}, []string{"b"}},
		{"no limit", nil, []*api.ReplicaSet{rev("a", "1", 0)}, nil},
	} {
		d := newDeployment(1, "1", "0")
		d.Spec.RevisionHistoryLimit = tc.limit
		var got []string
		for _, rs := range PlanCleanup(d, tc.old) {
			got = append(got, rs.Name)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: deleted %v, want %v", tc.name, got, tc.want)
		}
	}
}
