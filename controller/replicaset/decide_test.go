package replicaset

import (
	"errors"
	"testing"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/controller"
	"minik8s/pkg/labels"
)

var now = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func TestScaleDecision(t *testing.T) {
	tests := []struct {
		name              string
		active            int
		replicas          int32
		burst             int
		wantCreate, wantD int
	}{
		{"steady", 3, 3, 500, 0, 0},
		{"from zero", 0, 3, 500, 3, 0},
		{"one missing", 2, 3, 500, 1, 0},
		{"scale down", 5, 2, 500, 0, 3},
		{"to zero", 4, 0, 500, 0, 4},
		{"create capped by burst", 0, 1000, 500, 500, 0},
		{"delete capped by burst", 800, 0, 500, 0, 500},
	}
	for _, tc := range tests {
		c, d := scaleDecision(tc.active, tc.replicas, tc.burst)
		if c != tc.wantCreate || d != tc.wantD {
			t.Errorf("%s: create %d delete %d, want %d %d", tc.name, c, d, tc.wantCreate, tc.wantD)
		}
	}
}

func pod(name, nodeName, phase string, readyFor time.Duration, owner string, lbls map[string]string) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "ns", UID: "uid-" + name, Labels: lbls,
		CreationTimestamp: api.NewTime(now.Add(-time.Hour))},
		Spec: api.PodSpec{NodeName: nodeName}, Status: api.PodStatus{Phase: phase}}
	if readyFor > 0 {
		p.Status.Conditions = []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue, LastTransitionTime: api.NewTime(now.Add(-readyFor))}}
	}
	if owner != "" {
		ref := controller.NewControllerRef(&api.ObjectMeta{Name: owner, UID: owner}, "apps/v1", "ReplicaSet")
		p.OwnerReferences = []api.OwnerReference{ref}
	}
	return p
}

var web = map[string]string{"app": "web"}

func TestPodsToDelete(t *testing.T) {
	pods := func() []*api.Pod {
		return []*api.Pod{
			pod("old-ready", "n1", api.PodRunning, 5*time.Hour, "rs", web),
			pod("not-ready", "n1", api.PodRunning, 0, "rs", web),
			pod("unscheduled", "", api.PodPending, 0, "rs", web),
			pod("new-ready", "n2", api.PodRunning, time.Minute, "rs", web),
		}
	}
	tests := []struct {
		name    string
		n       int
		related []*api.Pod
		want    []string
	}{
		{"one: the unscheduled", 1, nil, []string{"unscheduled"}},
		{"two: then the not ready", 2, nil, []string{"unscheduled", "not-ready"}},
		{"three: then the newest ready", 3, nil, []string{"unscheduled", "not-ready", "new-ready"}},
		{"all", 4, nil, []string{"old-ready", "not-ready", "unscheduled", "new-ready"}}, // no sort when all go
		{"doubled up wins over ready time", 3,
			[]*api.Pod{pod("s1", "n1", api.PodRunning, 0, "", nil), pod("s2", "n1", api.PodRunning, 0, "", nil)},
			[]string{"unscheduled", "not-ready", "old-ready"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := podsToDelete(pods(), tc.related, tc.n, now)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d pods, want %v", len(got), tc.want)
			}
			for i, p := range got {
				if p.Name != tc.want[i] {
					t.Fatalf("got %v, want %v", podNames(got), tc.want)
				}
			}
		})
	}
}

func podNames(ps []*api.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestClaimDecision(t *testing.T) {
	sel := labels.SelectorFromSet(web)
	del := api.NewTime(now)
	deleting := pod("orphan-deleting", "n1", api.PodRunning, 0, "", web)
	deleting.DeletionTimestamp = &del
	tests := []struct {
		name          string
		pod           *api.Pod
		ownerDeleting bool
		want          claimAction
	}{
		{"ours and matching: keep", pod("a", "n1", api.PodRunning, 0, "rs", web), false, claimKeep},
		{"ours, labels changed: release", pod("a", "n1", api.PodRunning, 0, "rs", map[string]string{"app": "debug"}), false, claimRelease},
		{"ours, labels changed, owner deleting: leave", pod("a", "n1", api.PodRunning, 0, "rs", nil), true, claimIgnore},
		{"another controller's: ignore", pod("a", "n1", api.PodRunning, 0, "other", web), false, claimIgnore},
		{"matching orphan: adopt", pod("a", "n1", api.PodRunning, 0, "", web), false, claimAdopt},
		{"matching orphan, owner deleting: ignore", pod("a", "n1", api.PodRunning, 0, "", web), true, claimIgnore},
		{"orphan not matching: ignore", pod("a", "n1", api.PodRunning, 0, "", map[string]string{"app": "db"}), false, claimIgnore},
		{"orphan being deleted: ignore", deleting, false, claimIgnore},
	}
	for _, tc := range tests {
		if got := claimDecision(tc.pod, "rs", tc.ownerDeleting, sel); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestCalculateStatus(t *testing.T) {
	v := &view{minReady: 60, template: &api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "web", "tier": "fe"}}}}
	full := map[string]string{"app": "web", "tier": "fe"}
	pods := []*api.Pod{
		pod("avail", "n1", api.PodRunning, 2*time.Minute, "rs", full),
		pod("ready-new", "n1", api.PodRunning, 10*time.Second, "rs", full),
		pod("not-ready", "n1", api.PodRunning, 0, "rs", web),
	}
	st := calculateStatus(v, pods, nil, 0, now)
	want := Status{Replicas: 3, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 1}
	if !statusEqual(st, want) {
		t.Errorf("got %+v, want %+v", st, want)
	}

	// A failed create sets ReplicaFailure/FailedCreate; success clears it.
	st = calculateStatus(v, pods, errors.New("pods \"x\" is forbidden: exceeded quota"), 2, now)
	if len(st.Conditions) != 1 || st.Conditions[0].Type != ReplicaFailure || st.Conditions[0].Reason != "FailedCreate" ||
		st.Conditions[0].Status != api.ConditionTrue || st.Conditions[0].Message != "pods \"x\" is forbidden: exceeded quota" {
		t.Errorf("conditions %+v", st.Conditions)
	}
	v.status = st
	if st2 := calculateStatus(v, pods, errors.New("again"), -1, now); len(st2.Conditions) != 1 || st2.Conditions[0].Message != st.Conditions[0].Message {
		t.Errorf("an existing failure condition must be kept as is: %+v", st2.Conditions)
	}
	if st3 := calculateStatus(v, pods, nil, 0, now); len(st3.Conditions) != 0 {
		t.Errorf("success must clear ReplicaFailure: %+v", st3.Conditions)
	}
	if st4 := calculateStatus(&view{template: v.template}, nil, errors.New("x"), -2, now); st4.Conditions[0].Reason != "FailedDelete" {
		t.Errorf("surplus failure reason %q", st4.Conditions[0].Reason)
	}
}

func TestKindViews(t *testing.T) {
	three := int32(3)
	rc := &api.ReplicationController{ObjectMeta: api.ObjectMeta{Name: "rc", UID: "u"},
		Spec:   api.ReplicationControllerSpec{Replicas: &three, Selector: web, Template: &api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: web}}},
		Status: api.ReplicationControllerStatus{Replicas: 2, Conditions: []api.ReplicationControllerCondition{{Type: ReplicaFailure, Status: "True"}}}}
	v, ok := ReplicationControllerKind.view(rc)
	if !ok || v.replicas != 3 || !v.selector.Matches(web) || v.selector.Matches(map[string]string{"app": "db"}) ||
		v.status.Replicas != 2 || len(v.status.Conditions) != 1 {
		t.Errorf("rc view %+v", v)
	}
	// An empty selector matches nothing, never everything.
	rs := &api.ReplicaSet{Spec: api.ReplicaSetSpec{Selector: &api.LabelSelector{}}}
	v, _ = ReplicaSetKind.view(rs)
	if v.selector.Matches(web) || v.replicas != 1 {
		t.Errorf("empty selector view %+v", v)
	}
	if _, ok := ReplicaSetKind.view(rc); ok {
		t.Error("ReplicaSetKind viewed a ReplicationController")
	}
}
