package replicaset

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
	"minik8s/pkg/controller"
)

// staleLW lists fixed objects and then watches forever without an event:
// the slowest possible watch.
type staleLW struct{ objs []api.Object }

func (l staleLW) List(context.Context, client.ListOptions) ([]api.Object, string, error) {
	return l.objs, "1", nil
}

func (l staleLW) Watch(ctx context.Context, _ client.ListOptions) (client.Watcher, error) {
	return &quietWatcher{ch: make(chan client.Event)}, nil
}

type quietWatcher struct {
	ch   chan client.Event
	once sync.Once
}

func (w *quietWatcher) ResultChan() <-chan client.Event { return w.ch }
func (w *quietWatcher) Stop()                           { w.once.Do(func() { close(w.ch) }) }

// fakePodControl records what the controller asks for.
type fakePodControl struct {
	mu        sync.Mutex
	created   int
	deleted   []string
	createErr error
}

func (f *fakePodControl) CreatePod(_ context.Context, ns string, t *api.PodTemplateSpec, _ api.Object, ref api.OwnerReference) (*api.Pod, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil {
		return nil, f.createErr
	}
	f.created++
	return controller.PodFromTemplate(t, ref), nil
}

func (f *fakePodControl) DeletePod(_ context.Context, ns, name string, _ api.Object) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, name)
	return nil
}

func (f *fakePodControl) PatchPod(context.Context, string, string, []byte) error { return nil }

// newTestController runs informers over fixed objects whose watch never
// delivers anything; status writes are recorded instead of sent.
func newTestController(t *testing.T, objs map[string][]api.Object) (*Controller, *fakePodControl, *[]Status) {
	t.Helper()
	c, err := client.New(&client.Config{Server: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	f := cache.NewSharedInformerFactory(c, 0, cache.WithListerWatcher(func(info *api.ResourceInfo) cache.ListerWatcher {
		return staleLW{objs: objs[info.Kind]}
	}))
	var mu sync.Mutex
	var statuses []Status
	kind := ReplicaSetKind
	kind.update = func(_ context.Context, _ *client.Client, o api.Object, st Status) (api.Object, error) {
		mu.Lock()
		defer mu.Unlock()
		statuses = append(statuses, st)
		return o, nil
	}
	ctl := New(kind, c, f, record.NewFakeRecorder(100), Config{})
	pc := &fakePodControl{}
	ctl.podControl = pc
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); f.Shutdown() })
	f.Start(ctx)
	if !cache.WaitForCacheSync(ctx, ctl.synced...) {
		t.Fatal("no sync")
	}
	return ctl, pc, &statuses
}

func testRS(replicas int32) *api.ReplicaSet {
	return &api.ReplicaSet{ObjectMeta: api.ObjectMeta{Name: "rs", Namespace: "ns", UID: "rs", Generation: 2},
		Spec: api.ReplicaSetSpec{Replicas: &replicas, Selector: &api.LabelSelector{MatchLabels: web},
			Template: api.PodTemplateSpec{ObjectMeta: api.ObjectMeta{Labels: web}}}}
}

// A watch that never shows the created pods must not make the controller
// create them again: expectations hold it back until they are observed.
func TestSlowWatchNeverOverCreates(t *testing.T) {
	ctl, pc, statuses := newTestController(t, map[string][]api.Object{"ReplicaSet": {testRS(3)}})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := ctl.sync(ctx, "ns/rs"); err != nil {
			t.Fatal(err)
		}
	}
	if pc.created != 3 {
		t.Fatalf("created %d pods over 3 syncs, want 3", pc.created)
	}
	if a, _ := ctl.Expectations().Pending("ns/rs"); a != 3 {
		t.Fatalf("pending creations %d, want 3", a)
	}
	// The pods show up: expectations are met.
	for i := 0; i < 3; i++ {
		ctl.addPod(pod("p"+string(rune('a'+i)), "", api.PodPending, 0, "rs", web))
	}
	if !ctl.Expectations().Satisfied("ns/rs") {
		t.Fatal("expectations not satisfied after the 3 creations were observed")
	}
	if len(*statuses) == 0 || (*statuses)[0].ObservedGeneration != 2 {
		t.Errorf("status writes %+v, want observedGeneration 2", *statuses)
	}
}

func TestScaleDownDeletesOnceInOrder(t *testing.T) {
	pods := []api.Object{
		pod("ready-old", "n1", api.PodRunning, 3*time.Hour, "rs", web),
		pod("ready-new", "n1", api.PodRunning, 2*time.Minute, "rs", web),
		pod("pending", "n1", api.PodPending, 0, "rs", web),
		pod("unscheduled", "", api.PodPending, 0, "rs", web),
		pod("other-owner", "", api.PodPending, 0, "other", web),
	}
	ctl, pc, _ := newTestController(t, map[string][]api.Object{"ReplicaSet": {testRS(1)}, "Pod": pods})
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := ctl.sync(ctx, "ns/rs"); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	for _, n := range pc.deleted {
		got[n] = true
	}
	if len(pc.deleted) != 3 || !got["unscheduled"] || !got["pending"] || !got["ready-new"] {
		t.Fatalf("deleted %v, want unscheduled, pending, ready-new once each", pc.deleted)
	}
	// Observing the deletions satisfies the expectations.
	for _, n := range []string{"unscheduled", "pending", "ready-new"} {
		ctl.deletePod(pod(n, "", api.PodPending, 0, "rs", web))
	}
	if !ctl.Expectations().Satisfied("ns/rs") {
		t.Fatal("expectations not satisfied after the deletions were observed")
	}
}

func TestFailedCreateSetsCondition(t *testing.T) {
	ctl, pc, statuses := newTestController(t, map[string][]api.Object{"ReplicaSet": {testRS(4)}})
	pc.createErr = errors.New(`pods "web-x" is forbidden: exceeded quota`)
	if err := ctl.sync(context.Background(), "ns/rs"); err == nil {
		t.Fatal("sync hid the create error")
	}
	// Slow start: one failed call, and no creation is left expected.
	if a, _ := ctl.Expectations().Pending("ns/rs"); a != 0 || !ctl.Expectations().Satisfied("ns/rs") {
		t.Errorf("pending creations %d after a failed create", a)
	}
	st := (*statuses)[len(*statuses)-1]
	if len(st.Conditions) != 1 || st.Conditions[0].Reason != "FailedCreate" {
		t.Errorf("conditions %+v", st.Conditions)
	}
}
