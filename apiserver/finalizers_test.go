package apiserver

import (
	"slices"
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestDeletionFinalizers(t *testing.T) {
	str := func(s string) *string { return &s }
	b := func(v bool) *bool { return &v }
	cases := []struct {
		name    string
		fins    []string
		opts    *api.DeleteOptions
		want    []string
		changed bool
	}{
		{"no options keep none", nil, nil, nil, false},
		{"no policy keeps user finalizer", []string{"example.com/x"}, &api.DeleteOptions{}, []string{"example.com/x"}, false},
		{"no policy keeps orphan", []string{"orphan"}, &api.DeleteOptions{}, []string{"orphan"}, false},
		{"background adds none", nil, &api.DeleteOptions{PropagationPolicy: str("Background")}, nil, false},
		{"background drops gc finalizers", []string{"orphan", "a/b", "foregroundDeletion"}, &api.DeleteOptions{PropagationPolicy: str("Background")}, []string{"a/b"}, true},
		{"foreground adds", nil, &api.DeleteOptions{PropagationPolicy: str("Foreground")}, []string{"foregroundDeletion"}, true},
		{"foreground replaces orphan", []string{"orphan"}, &api.DeleteOptions{PropagationPolicy: str("Foreground")}, []string{"foregroundDeletion"}, true},
		{"foreground twice", []string{"foregroundDeletion"}, &api.DeleteOptions{PropagationPolicy: str("Foreground")}, []string{"foregroundDeletion"}, false},
		{"orphan adds", []string{"a/b"}, &api.DeleteOptions{PropagationPolicy: str("Orphan")}, []string{"a/b", "orphan"}, true},
		{"orphan replaces foreground", []string{"foregroundDeletion"}, &api.DeleteOptions{PropagationPolicy: str("Orphan")}, []string{"orphan"}, true},
		{"orphanDependents true", nil, &api.DeleteOptions{OrphanDependents: b(true)}, []string{"orphan"}, true},
		{"orphanDependents false", []string{"orphan"}, &api.DeleteOptions{OrphanDependents: b(false)}, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := slices.Clone(tc.fins)
			got, changed := deletionFinalizers(in, tc.opts)
			if !slices.Equal(got, tc.want) || changed != tc.changed {
				t.Errorf("got %v changed=%v, want %v changed=%v", got, changed, tc.want, tc.changed)
			}
			if !slices.Equal(in, tc.fins) {
				t.Errorf("input changed to %v", in)
			}
		})
	}
}

func TestValidateDeleteOptions(t *testing.T) {
	str := func(s string) *string { return &s }
	b := func(v bool) *bool { return &v }
	info, _ := api.ForResource("apps", "v1", "replicasets")
	for _, tc := range []struct {
		opts *api.DeleteOptions
		ok   bool
	}{
		{nil, true},
		{&api.DeleteOptions{PropagationPolicy: str("Foreground")}, true},
		{&api.DeleteOptions{PropagationPolicy: str("Background")}, true},
		{&api.DeleteOptions{PropagationPolicy: str("Orphan")}, true},
		{&api.DeleteOptions{OrphanDependents: b(true)}, true},
		{&api.DeleteOptions{PropagationPolicy: str("foreground")}, false},
		{&api.DeleteOptions{PropagationPolicy: str("Orphan"), OrphanDependents: b(true)}, false},
	} {
		err := validateDeleteOptions(info, "x", tc.opts)
		if (err == nil) != tc.ok {
			t.Errorf("%+v: err %v, want ok=%v", tc.opts, err, tc.ok)
		}
		if err != nil && err.(*statusError).status.Code != 422 {
			t.Errorf("%+v: code %d, want 422", tc.opts, err.(*statusError).status.Code)
		}
	}
}

func TestShouldDeleteDuringUpdate(t *testing.T) {
	zero, thirty := int64(0), int64(30)
	now := api.Now()
	pod := func(fins []string, dt *api.Time, grace *int64) api.Object {
		return &api.Pod{ObjectMeta: api.ObjectMeta{Finalizers: fins, DeletionTimestamp: dt, DeletionGracePeriodSeconds: grace}}
	}
	cases := []struct {
		name     string
		obj, old api.Object
		want     bool
	}{
		{"not deleting", pod(nil, nil, nil), pod([]string{"a/b"}, nil, nil), false},
		{"last finalizer removed", pod(nil, &now, &zero), pod([]string{"a/b"}, &now, &zero), true},
		{"finalizer left", pod([]string{"c/d"}, &now, &zero), pod([]string{"a/b", "c/d"}, &now, &zero), false},
		{"graceful pod still running", pod(nil, &now, &thirty), pod([]string{"a/b"}, &now, &thirty), false},
	}
	for _, tc := range cases {
		if got := shouldDeleteDuringUpdate(tc.obj, tc.old); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestMarkDeletingAndNeedsWrite(t *testing.T) {
	m := &api.ObjectMeta{}
	if !deletingNeedsWrite(m, false) {
		t.Fatal("a live object needs the write")
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	markDeleting(m, []string{"a/b"}, now)
	if m.DeletionTimestamp == nil || !m.DeletionTimestamp.Time.Equal(now) || *m.DeletionGracePeriodSeconds != 0 || !slices.Equal(m.Finalizers, []string{"a/b"}) {
		t.Fatalf("marked %+v", m)
	}
	if deletingNeedsWrite(m, false) {
		t.Error("a second DELETE without change needs no write")
	}
	if !deletingNeedsWrite(m, true) {
		t.Error("changed finalizers need the write")
	}
	markDeleting(m, []string{"a/b"}, now.Add(time.Hour))
	if !m.DeletionTimestamp.Time.Equal(now) {
		t.Error("a later DELETE moved deletionTimestamp")
	}
}

func TestValidateFinalizersUpdate(t *testing.T) {
	now := api.Now()
	old := &api.Pod{ObjectMeta: api.ObjectMeta{Finalizers: []string{"a/b"}, DeletionTimestamp: &now}}
	if errs := validateFinalizersUpdate(&api.Pod{ObjectMeta: api.ObjectMeta{Finalizers: nil}}, old); len(errs) != 0 {
		t.Errorf("removing a finalizer: %v", errs)
	}
	if errs := validateFinalizersUpdate(&api.Pod{ObjectMeta: api.ObjectMeta{Finalizers: []string{"a/b", "c/d"}}}, old); len(errs) != 1 {
		t.Errorf("adding a finalizer while deleting: %v", errs)
	}
	live := &api.Pod{}
	if errs := validateFinalizersUpdate(&api.Pod{ObjectMeta: api.ObjectMeta{Finalizers: []string{"c/d"}}}, live); len(errs) != 0 {
		t.Errorf("adding to a live object: %v", errs)
	}
}
