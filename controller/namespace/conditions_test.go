package namespace

import (
	"errors"
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestSummarize(t *testing.T) {
	now := api.Now()
	tests := []struct {
		name      string
		results   []contentResult
		wantConds map[string]string // type -> message
		remaining int
		estimate  int64
	}{
		{"empty namespace", []contentResult{{Resource: "pods"}, {Resource: "deployments", Group: "apps"}}, map[string]string{}, 0, 0},
		{"content remains", []contentResult{
			{Resource: "pods", Remaining: 2, Estimate: 30},
			{Resource: "deployments", Group: "apps", Remaining: 1, Estimate: 1},
		}, map[string]string{
			ContentRemaining: "Some resources are remaining: deployments.apps has 1 resource instances, pods. has 2 resource instances",
		}, 3, 30},
		{"finalizers hold content", []contentResult{
			{Resource: "services", Remaining: 1, Finalizers: map[string]int{"example.com/b": 1, "example.com/a": 2}, Estimate: 15},
		}, map[string]string{
			ContentRemaining:    "Some resources are remaining: services. has 1 resource instances",
			FinalizersRemaining: "Some content in the namespace has finalizers remaining: example.com/a in 2 resource instances, example.com/b in 1 resource instances",
		}, 1, 15},
		{"deletion fails", []contentResult{{Resource: "pods", Err: errors.New("boom")}, {Resource: "events", Err: errors.New("bang")}},
			map[string]string{DeletionContentFailure: "Failed to delete all resource types, 2 remaining: [boom, bang]"}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := summarize(tt.results, now)
			got := map[string]string{}
			for _, c := range s.Conditions {
				if c.Status != api.ConditionTrue {
					t.Errorf("%s: status %s", c.Type, c.Status)
				}
				got[c.Type] = c.Message
			}
			if len(got) != len(tt.wantConds) {
				t.Errorf("conditions %v, want %v", got, tt.wantConds)
			}
			for k, v := range tt.wantConds {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			if s.Remaining != tt.remaining || s.Estimate != tt.estimate {
				t.Errorf("remaining %d estimate %d, want %d %d", s.Remaining, s.Estimate, tt.remaining, tt.estimate)
			}
		})
	}
}

func TestApplyConditions(t *testing.T) {
	t0 := api.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	t1 := api.NewTime(t0.Add(time.Minute))
	ns := &api.Namespace{}
	failing := []api.NamespaceCondition{{Type: ContentRemaining, Status: api.ConditionTrue, Reason: "SomeResourcesRemain", Message: "m", LastTransitionTime: t0}}
	if !applyConditions(ns, failing, t0) || len(ns.Status.Conditions) != len(conditionTypes) {
		t.Fatalf("first apply: %+v", ns.Status.Conditions)
	}
	for _, c := range ns.Status.Conditions {
		if c.Type != ContentRemaining && (c.Status != api.ConditionFalse || c.Reason != okReasons[c.Type] || c.Message != okMessages[c.Type]) {
			t.Errorf("ok condition %+v", c)
		}
	}
	// The same state again: nothing changes, transition times stay.
	failing[0].LastTransitionTime = t1
	if applyConditions(ns, failing, t1) {
		t.Error("unchanged conditions reported as changed")
	}
	// Content gone: the condition flips to its ok form.
	if !applyConditions(ns, nil, t1) {
		t.Error("flip not reported")
	}
	for _, c := range ns.Status.Conditions {
		if c.Type == ContentRemaining && (c.Status != api.ConditionFalse || c.Reason != "ContentRemoved" || !c.LastTransitionTime.Equal(t1.Time)) {
			t.Errorf("after flip %+v", c)
		}
	}
}

func TestRemainingOfAndRecheck(t *testing.T) {
	now := api.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	in10 := api.NewTime(now.Add(10 * time.Second))
	objs := []api.Object{
		&api.Pod{ObjectMeta: api.ObjectMeta{Name: "a", DeletionTimestamp: &in10}},
		&api.Pod{ObjectMeta: api.ObjectMeta{Name: "b"}},
	}
	n, fins, est := remainingOf(objs, now)
	if n != 2 || len(fins) != 0 || est != 10 {
		t.Errorf("remainingOf = %d %v %d", n, fins, est)
	}
	objs = append(objs, &api.Service{ObjectMeta: api.ObjectMeta{Name: "s", Finalizers: []string{"x"}}})
	if n, fins, est = remainingOf(objs, now); n != 3 || fins["x"] != 1 || est != finalizerEstimateSeconds {
		t.Errorf("remainingOf with finalizer = %d %v %d", n, fins, est)
	}
	if d := recheckAfter(10, time.Minute); d != 6*time.Second {
		t.Errorf("recheckAfter(10) = %v", d)
	}
	if d := recheckAfter(30, 5*time.Second); d != 5*time.Second {
		t.Errorf("recheckAfter capped = %v", d)
	}
}
