package controller

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestExpectations(t *testing.T) {
	e := NewExpectations()
	clock := now
	e.now = func() time.Time { return clock }
	if !e.Satisfied("ns/rs") {
		t.Fatal("no expectations must be satisfied")
	}
	e.ExpectCreations("ns/rs", 2)
	if e.Satisfied("ns/rs") {
		t.Fatal("2 pending creations satisfied")
	}
	e.CreationObserved("ns/rs")
	if e.Satisfied("ns/rs") {
		t.Fatal("1 pending creation satisfied")
	}
	e.CreationObserved("ns/rs")
	if !e.Satisfied("ns/rs") {
		t.Fatal("all creations seen, not satisfied")
	}
	e.ExpectDeletions("ns/rs", []string{"ns/a", "ns/b"})
	e.DeletionObserved("ns/rs", "ns/a")
	e.DeletionObserved("ns/rs", "ns/a") // the same deletion seen twice counts once
	if e.Satisfied("ns/rs") {
		t.Fatal("ns/b still pending, satisfied")
	}
	clock = clock.Add(ExpectationsTimeout + time.Second)
	if !e.Satisfied("ns/rs") {
		t.Fatal("expired expectations must be satisfied")
	}
	e.Delete("ns/rs")
	if a, d := e.Pending("ns/rs"); a != 0 || d != 0 {
		t.Fatalf("after Delete: %d %d", a, d)
	}
}

func TestSlowStartBatch(t *testing.T) {
	tests := []struct {
		name      string
		count     int
		failAfter int64 // calls after this many fail; -1 never
		wantOK    int
		wantCalls int64
	}{
		{"all succeed", 10, -1, 10, 10},
		{"first fails: one call", 10, 0, 0, 1},
		{"fails in the third batch (1+2, then 4)", 10, 3, 3, 7},
		{"zero", 0, -1, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int64
			ok, err := SlowStartBatch(tc.count, 1, func() error {
				if n := calls.Add(1); tc.failAfter >= 0 && n > tc.failAfter {
					return errors.New("quota")
				}
				return nil
			})
			if ok != tc.wantOK || calls.Load() != tc.wantCalls {
				t.Errorf("ok=%d calls=%d, want %d %d", ok, calls.Load(), tc.wantOK, tc.wantCalls)
			}
			if (err != nil) != (tc.failAfter >= 0) {
				t.Errorf("err %v", err)
			}
		})
	}
}

func TestPodFromTemplate(t *testing.T) {
	tmpl := &api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: map[string]string{"app": "web"}, Annotations: map[string]string{"a": "b"}},
		Spec: api.PodSpec{Containers: []api.Container{{Name: "c", Image: "nginx"}}}}
	ref := NewControllerRef(&api.ObjectMeta{Name: "web", UID: "u1"}, "apps/v1", "ReplicaSet")
	p := PodFromTemplate(tmpl, ref)
	if p.GenerateName != "web-" || p.Labels["app"] != "web" || p.Annotations["a"] != "b" {
		t.Errorf("meta %+v", p.ObjectMeta)
	}
	if c := ControllerOf(&p.ObjectMeta); c == nil || c.UID != "u1" || c.Kind != "ReplicaSet" || !*c.BlockOwnerDeletion {
		t.Errorf("controller ref %+v", c)
	}
	p.Labels["app"] = "x"
	p.Spec.Containers[0].Image = "x"
	if tmpl.Labels["app"] != "web" || tmpl.Spec.Containers[0].Image != "nginx" {
		t.Error("the pod shares memory with the template")
	}
}

func TestIsControlledBy(t *testing.T) {
	yes, no := true, false
	for _, tc := range []struct {
		refs []api.OwnerReference
		want bool
	}{
		{nil, false},
		{[]api.OwnerReference{{UID: "u1", Controller: &yes}}, true},
		{[]api.OwnerReference{{UID: "u2", Controller: &yes}}, false},
		{[]api.OwnerReference{{UID: "u1", Controller: &no}}, false},
		{[]api.OwnerReference{{UID: "u1"}, {UID: "u3", Controller: &yes}}, false},
	} {
		m := &api.ObjectMeta{OwnerReferences: tc.refs}
		if got := IsControlledBy(m, "u1"); got != tc.want {
			t.Errorf("IsControlledBy(%+v, u1) = %v, want %v", tc.refs, got, tc.want)
		}
	}
}
