package garbagecollector

import (
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"minik8s/pkg/api"
)

func TestPlanDependent(t *testing.T) {
	s := func(uid string, st ownerState) ownerRefState { return ownerRefState{UID: uid, State: st} }
	cases := []struct {
		name       string
		refs       []ownerRefState
		finalizers []string
		want       plan
	}{
		{"no owners", nil, nil, plan{}},
		{"live owner", []ownerRefState{s("a", ownerSolid)}, nil, plan{}},
		{"owner gone: background", []ownerRefState{s("a", ownerDangling)}, nil,
			plan{Action: actDelete, Policy: metav1.DeletePropagationBackground}},
		{"all owners gone", []ownerRefState{s("a", ownerDangling), s("b", ownerDangling)}, nil,
			plan{Action: actDelete, Policy: metav1.DeletePropagationBackground}},
		{"one of two gone: drop its reference", []ownerRefState{s("a", ownerSolid), s("b", ownerDangling)}, nil,
			plan{Action: actRemoveRefs, RemoveRefs: []string{"b"}}},
		{"owner waiting: foreground", []ownerRefState{s("a", ownerWaiting)}, nil,
			plan{Action: actDelete, Policy: metav1.DeletePropagationForeground}},
		{"waiting and gone: foreground", []ownerRefState{s("a", ownerDangling), s("b", ownerWaiting)}, nil,
			plan{Action: actDelete, Policy: metav1.DeletePropagationForeground}},
		{"waiting with a live owner: drop the reference", []ownerRefState{s("a", ownerSolid), s("b", ownerWaiting)}, nil,
			plan{Action: actRemoveRefs, RemoveRefs: []string{"b"}}},
		{"owner gone, dependent asked to orphan", []ownerRefState{s("a", ownerDangling)}, []string{"orphan"},
			plan{Action: actDelete, Policy: metav1.DeletePropagationOrphan}},
		{"owner gone, dependent asked for foreground", []ownerRefState{s("a", ownerDangling)}, []string{"foregroundDeletion"},
			plan{Action: actDelete, Policy: metav1.DeletePropagationForeground}},
		{"user finalizer does not change the policy", []ownerRefState{s("a", ownerDangling)}, []string{"example.com/keep"},
			plan{Action: actDelete, Policy: metav1.DeletePropagationBackground}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := planDependent(tc.refs, tc.finalizers)
			if got.Action != tc.want.Action || got.Policy != tc.want.Policy || !slices.Equal(got.RemoveRefs, tc.want.RemoveRefs) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPlanForeground(t *testing.T) {
	cases := []struct {
		name     string
		deps     []dependentState
		wantLook []string
		wantDone bool
	}{
		{"no dependents", nil, nil, true},
		{"blocking live dependent", []dependentState{{UID: "a", Blocking: true}}, []string{"a"}, false},
		{"blocking dependent deleting", []dependentState{{UID: "a", Blocking: true, Deleting: true}}, nil, false},
		{"only non-blocking left", []dependentState{{UID: "a"}, {UID: "b", Deleting: true}}, []string{"a"}, true},
		{"mixed", []dependentState{{UID: "a"}, {UID: "b", Blocking: true, Deleting: true}}, []string{"a"}, false},
	}
	for _, tc := range cases {
		look, done := planForeground(tc.deps)
		if !slices.Equal(look, tc.wantLook) || done != tc.wantDone {
			t.Errorf("%s: got %v %v, want %v %v", tc.name, look, done, tc.wantLook, tc.wantDone)
		}
	}
}

func TestRemoveOwnerRefs(t *testing.T) {
	refs := []api.OwnerReference{{UID: "a"}, {UID: "b"}, {UID: "c"}}
	got := removeOwnerRefs(refs, []string{"b", "x"})
	if len(got) != 2 || got[0].UID != "a" || got[1].UID != "c" {
		t.Errorf("got %+v", got)
	}
	if len(refs) != 3 || refs[1].UID != "b" {
		t.Errorf("input changed: %+v", refs)
	}
}

func TestGraph(t *testing.T) {
	g := newGraph()
	rs := &node{uid: "rs", owners: []api.OwnerReference{{UID: "deploy"}}}
	pod := &node{uid: "pod", owners: []api.OwnerReference{{UID: "rs"}}}
	g.upsert(rs)
	g.upsert(pod)
	if d := g.dependentsOf("deploy"); len(d) != 1 || d[0].uid != "rs" {
		t.Fatalf("dependents of deploy: %+v", d)
	}
	if d := g.dependentsOf("rs"); len(d) != 1 || d[0].uid != "pod" {
		t.Fatalf("dependents of rs: %+v", d)
	}
	// The pod is orphaned: its owner reference goes.
	old := g.upsert(&node{uid: "pod"})
	if !slices.Equal(old, []string{"rs"}) {
		t.Errorf("old owners %v", old)
	}
	if d := g.dependentsOf("rs"); len(d) != 0 {
		t.Errorf("rs still has %+v", d)
	}
	g.remove("rs")
	if g.get("rs") != nil || len(g.dependentsOf("deploy")) != 0 {
		t.Error("rs not removed")
	}
	if len(g.dependents) != 0 {
		t.Errorf("index left %v", g.dependents)
	}
}
