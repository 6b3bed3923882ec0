package kubectl

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"minik8s/pkg/api"
)

var errDSNotFound = errors.New(`daemonsets.apps "ds" not found`)

func drainPod(name string, mut func(*api.Pod)) *api.Pod {
	p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default"}}
	p.Status.Phase = api.PodRunning
	if mut != nil {
		mut(p)
	}
	return p
}

func ownedBy(kind string) func(*api.Pod) {
	return func(p *api.Pod) {
		t := true
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: "ds", UID: "u", Controller: &t}}
	}
}

func withEmptyDir(p *api.Pod) {
	p.Spec.Volumes = []api.Volume{{Name: "s", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}}
}

// TestDrainVerdicts: kubectl v1.32's drain filters, pod by pod.
func TestDrainVerdicts(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	dsMissing := func(string, string) error { return errDSNotFound }
	dsThere := func(string, string) error { return nil }
	isNF := func(err error) bool { return err == errDSNotFound }
	cases := []struct {
		name   string
		policy drainPolicy
		pod    *api.Pod
		want   podVerdict
	}{
		{"managed pod", drainPolicy{}, drainPod("a", ownedBy("ReplicaSet")), okay()},
		{"unmanaged refused", drainPolicy{}, drainPod("a", nil), refuse(unmanagedFatal)},
		{"unmanaged forced", drainPolicy{force: true}, drainPod("a", nil), warn(true, unmanagedWarning)},
		{"unmanaged but finished", drainPolicy{}, drainPod("a", func(p *api.Pod) { p.Status.Phase = api.PodSucceeded }), okay()},
		{"emptyDir refused", drainPolicy{}, drainPod("a", func(p *api.Pod) { ownedBy("ReplicaSet")(p); withEmptyDir(p) }), refuse(localStorageFatal)},
		// kubectl's later filters overwrite the local-storage warning.
		{"emptyDir allowed", drainPolicy{deleteEmptyDir: true}, drainPod("a", func(p *api.Pod) { ownedBy("ReplicaSet")(p); withEmptyDir(p) }), okay()},
		{"emptyDir and finished", drainPolicy{}, drainPod("a", func(p *api.Pod) { withEmptyDir(p); p.Status.Phase = api.PodFailed }), okay()},
		{"unmanaged emptyDir: first refusal wins", drainPolicy{}, drainPod("a", withEmptyDir), refuse(localStorageFatal)},
		{"forced emptyDir: last warning kept", drainPolicy{force: true, deleteEmptyDir: true}, drainPod("a", withEmptyDir), warn(true, unmanagedWarning)},
		{"mirror pod skipped", drainPolicy{}, drainPod("a", func(p *api.Pod) { p.Annotations = map[string]string{mirrorPodAnnotation: "x"} }), skip()},
		{"daemonset refused", drainPolicy{daemonSet: dsThere, isNotFound: isNF}, drainPod("a", ownedBy("DaemonSet")), refuse(daemonSetFatal)},
		{"daemonset ignored", drainPolicy{ignoreDaemonSets: true, daemonSet: dsThere, isNotFound: isNF}, drainPod("a", ownedBy("DaemonSet")), warn(false, daemonSetWarning)},
		{"orphaned daemonset pod refused", drainPolicy{daemonSet: dsMissing, isNotFound: isNF}, drainPod("a", ownedBy("DaemonSet")), refuse(errDSNotFound.Error())},
		{"orphaned daemonset pod forced: later filters decide", drainPolicy{force: true, daemonSet: dsMissing, isNotFound: isNF}, drainPod("a", ownedBy("DaemonSet")), okay()},
		{"finished daemonset pod", drainPolicy{daemonSet: dsThere, isNotFound: isNF}, drainPod("a", func(p *api.Pod) { ownedBy("DaemonSet")(p); p.Status.Phase = api.PodSucceeded }), okay()},
		{"deleted long ago skipped", drainPolicy{skipWaitSeconds: 10, now: now}, drainPod("a", func(p *api.Pod) {
			ownedBy("ReplicaSet")(p)
			ts := api.NewTime(now.Add(-11 * time.Second))
			p.DeletionTimestamp = &ts
		}), skip()},
		{"deleted recently kept", drainPolicy{skipWaitSeconds: 10, now: now}, drainPod("a", func(p *api.Pod) {
			ownedBy("ReplicaSet")(p)
			ts := api.NewTime(now.Add(-5 * time.Second))
			p.DeletionTimestamp = &ts
		}), okay()},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.policy.decidePods([]*api.Pod{tc.pod})[0].verdict
			if got != tc.want {
				t.Fatalf("verdict %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestDrainMessages: warnings and errors grouped per message as kubectl
// prints them (v1.32 prefixes every error with "cannot delete").
func TestDrainMessages(t *testing.T) {
	d := drainPolicy{}
	ds := d.decidePods([]*api.Pod{drainPod("a", nil), drainPod("b", withEmptyDir), drainPod("c", nil), drainPod("d", ownedBy("ReplicaSet"))})
	var got []string
	for _, e := range drainErrors(ds) {
		got = append(got, e.Error())
	}
	want := []string{
		"cannot delete Pods with local storage (use --delete-emptydir-data to override): default/b",
		"cannot delete cannot delete Pods that declare no controller (use --force to override): default/a, default/c",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("errors\n%q\nwant\n%q", got, want)
	}
	if n := len(toDelete(ds)); n != 1 {
		t.Fatalf("%d pods to delete, want 1", n)
	}
	d = drainPolicy{force: true, ignoreDaemonSets: true, daemonSet: func(string, string) error { return nil }}
	ds = d.decidePods([]*api.Pod{drainPod("a", nil), drainPod("b", ownedBy("DaemonSet")), drainPod("c", nil)})
	if w := drainWarnings(ds); w != "deleting Pods that declare no controller: default/a, default/c; ignoring DaemonSet-managed Pods: default/b" {
		t.Fatalf("warnings %q", w)
	}
	if s := (aggregate{errors.New("x"), errors.New("x")}).Error(); s != "x" {
		t.Fatalf("aggregate of duplicates: %q", s)
	}
	if s := (aggregate{errors.New("x"), errors.New("y")}).Error(); s != "[x, y]" {
		t.Fatalf("aggregate: %q", s)
	}
}
