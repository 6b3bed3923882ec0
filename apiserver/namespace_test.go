package apiserver

import (
	"slices"
	"testing"

	"minik8s/pkg/api"
)

func TestNamespaceLifecycleSteps(t *testing.T) {
	ns := &api.Namespace{}
	prepareNamespaceCreate(ns)
	if !slices.Equal(ns.Spec.Finalizers, []string{"kubernetes"}) || ns.Status.Phase != api.NamespaceActive {
		t.Fatalf("create: %+v", ns)
	}
	other := &api.Namespace{Spec: api.NamespaceSpec{Finalizers: []string{"example.com/x"}}}
	prepareNamespaceCreate(other)
	if !slices.Equal(other.Spec.Finalizers, []string{"example.com/x", "kubernetes"}) {
		t.Errorf("create keeps other finalizers: %v", other.Spec.Finalizers)
	}
	upd := &api.Namespace{}
	prepareNamespaceUpdate(upd, ns)
	if !slices.Equal(upd.Spec.Finalizers, []string{"kubernetes"}) {
		t.Errorf("update dropped the finalizer: %v", upd.Spec.Finalizers)
	}

	now := api.Now()
	if !markNamespaceTerminating(ns, now) || ns.DeletionTimestamp == nil || ns.Status.Phase != api.NamespaceTerminating {
		t.Fatalf("delete: %+v", ns)
	}
	if markNamespaceTerminating(ns, api.Now()) {
		t.Error("a second delete changed the namespace")
	}
	if namespaceFinalized(ns) {
		t.Error("finalized with the kubernetes finalizer")
	}
	ns.Spec.Finalizers = nil
	ns.Finalizers = []string{"example.com/y"}
	if namespaceFinalized(ns) {
		t.Error("finalized with a metadata finalizer")
	}
	ns.Finalizers = nil
	if !namespaceFinalized(ns) {
		t.Error("not finalized without finalizers")
	}
	active := &api.Namespace{}
	if namespaceFinalized(active) {
		t.Error("an active namespace is never finalized")
	}
}

// TestNamespaceDeleteDuringUpdate: an update removes a namespace once it
// is terminating without finalizers, and never an active one.
func TestNamespaceDeleteDuringUpdate(t *testing.T) {
	now := api.Now()
	st := strategyFor(namespaceInfo())
	for _, tc := range []struct {
		name string
		ns   *api.Namespace
		want bool
	}{
		{"active, no finalizers", &api.Namespace{}, false},
		{"terminating, kubernetes finalizer", &api.Namespace{ObjectMeta: api.ObjectMeta{DeletionTimestamp: &now}, Spec: api.NamespaceSpec{Finalizers: []string{api.FinalizerKubernetes}}}, false},
		{"terminating, metadata finalizer", &api.Namespace{ObjectMeta: api.ObjectMeta{DeletionTimestamp: &now, Finalizers: []string{"example.com/x"}}}, false},
		{"terminating, finalized", &api.Namespace{ObjectMeta: api.ObjectMeta{DeletionTimestamp: &now}}, true},
	} {
		if got := st.DeleteDuringUpdate(tc.ns, tc.ns); got != tc.want {
			t.Errorf("%s: DeleteDuringUpdate %v, want %v", tc.name, got, tc.want)
		}
	}
}
