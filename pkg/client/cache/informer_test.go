package cache

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/labels"
)

func pod(name, rv string, lbl map[string]string) *api.Pod {
	return &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", ResourceVersion: rv, Labels: lbl}}
}

type listResult struct {
	objs []api.Object
	rv   string
	err  error
}

type watchResult struct {
	events []client.Event
	err    error
	block  bool // keep the stream open after the events until Stop
}

// fakeLW plays scripted lists and watches and records the watch options.
type fakeLW struct {
	mu         sync.Mutex
	lists      []listResult
	watches    []watchResult
	watchOpts  []client.ListOptions
	listCalls  int
	exhausted  chan struct{} // closed when a call finds no script left
	exhaustOne sync.Once
}

func (f *fakeLW) done() {
	f.exhaustOne.Do(func() { close(f.exhausted) })
}

func (f *fakeLW) List(ctx context.Context, _ client.ListOptions) ([]api.Object, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listCalls++
	if len(f.lists) == 0 {
		f.done()
		return nil, "", fmt.Errorf("no more lists")
	}
	r := f.lists[0]
	f.lists = f.lists[1:]
	return r.objs, r.rv, r.err
}

func (f *fakeLW) Watch(ctx context.Context, o client.ListOptions) (client.Watcher, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.watchOpts = append(f.watchOpts, o)
	if len(f.watches) == 0 {
		f.done()
		return nil, fmt.Errorf("no more watches")
	}
	r := f.watches[0]
	f.watches = f.watches[1:]
	if r.err != nil {
		return nil, r.err
	}
	w := &fakeWatcher{ch: make(chan client.Event), stop: make(chan struct{})}
	go func() {
		defer close(w.ch)
		for _, ev := range r.events {
			select {
			case w.ch <- ev:
			case <-w.stop:
				return
			}
		}
		if r.block {
			<-w.stop
		}
	}()
	return w, nil
}

type fakeWatcher struct {
	ch   chan client.Event
	stop chan struct{}
	once sync.Once
}

func (w *fakeWatcher) ResultChan() <-chan client.Event { return w.ch }
func (w *fakeWatcher) Stop()                           { w.once.Do(func() { close(w.stop) }) }

// recorder logs handler calls as "add a@1", "update a@1->a@3", "delete b@2".
type recorder struct {
	mu  sync.Mutex
	log []string
}

func (r *recorder) add(s string) { r.mu.Lock(); r.log = append(r.log, s); r.mu.Unlock() }
func (r *recorder) get() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

func id(o api.Object) string {
	m := o.GetObjectMeta()
	return m.Name + "@" + m.ResourceVersion
}

func (r *recorder) handler() Handler {
	return HandlerFuncs{
		AddFunc:    func(o api.Object) { r.add("add " + id(o)) },
		UpdateFunc: func(o, n api.Object) { r.add("update " + id(o) + "->" + id(n)) },
		DeleteFunc: func(o api.Object) { r.add("delete " + id(o)) },
	}
}

func runInformer(t *testing.T, inf *Informer) (cancel func()) {
	t.Helper()
	ctx, cancelCtx := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- inf.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancelCtx()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestInformerListWatchReconnectRelist(t *testing.T) {
	gone := &api.Status{Status: "Failure", Reason: "Expired", Code: 410, Message: "too old"}
	lw := &fakeLW{
		exhausted: make(chan struct{}),
		lists: []listResult{
			{err: fmt.Errorf("apiserver down")}, // first list fails: backoff, retry
			{objs: []api.Object{pod("a", "1", nil), pod("b", "2", nil)}, rv: "2"},
			{objs: []api.Object{pod("a", "6", nil), pod("c", "7", nil)}, rv: "7"},
		},
		watches: []watchResult{
			{events: []client.Event{
				{Type: api.Modified, Object: pod("a", "3", nil)},
				{Type: api.Bookmark, Object: pod("", "5", nil)},
			}}, // then the stream drops
			{events: []client.Event{{Type: api.Error, Status: gone}}},
			{block: true},
		},
	}
	inf := NewInformer(lw, 0)
	inf.Backoff = Backoff{Min: time.Millisecond, Max: 5 * time.Millisecond}
	inf.Logf = t.Logf
	rec := &recorder{}
	inf.AddEventHandler(rec.handler())
	if inf.HasSynced() {
		t.Fatal("synced before Run")
	}
	stop := runInformer(t, inf)
	waitFor(t, "third watch", func() bool {
		lw.mu.Lock()
		defer lw.mu.Unlock()
		return len(lw.watchOpts) == 3
	})
	stop()

	want := []string{
		"add a@1", "add b@2", // first list
		"update a@1->a@3",                          // watch event
		"update a@3->a@6", "add c@7", "delete b@2", // relist after 410
	}
	if got := rec.get(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("handler calls\n got %q\nwant %q", got, want)
	}
	var rvs []string
	for _, o := range lw.watchOpts {
		if !o.AllowWatchBookmarks {
			t.Errorf("watch without allowWatchBookmarks: %+v", o)
		}
		rvs = append(rvs, o.ResourceVersion)
	}
	if strings.Join(rvs, ",") != "2,5,7" {
		t.Fatalf("watch resourceVersions %v, want 2 (list), 5 (bookmark), 7 (relist)", rvs)
	}
	if !inf.HasSynced() {
		t.Fatal("not synced")
	}
	if keys := strings.Join(inf.Store().Keys(), ","); keys != "default/a,default/c" {
		t.Fatalf("store keys %s", keys)
	}
	if o, ok := inf.Store().GetByName("default", "a"); !ok || o.GetObjectMeta().ResourceVersion != "6" {
		t.Fatalf("store a = %v %v", o, ok)
	}
}

func TestInformerWatchGoneErrorRelists(t *testing.T) {
	lw := &fakeLW{
		exhausted: make(chan struct{}),
		lists: []listResult{
			{objs: []api.Object{pod("a", "1", nil)}, rv: "1"},
			{objs: nil, rv: "9"},
		},
		watches: []watchResult{
			{err: &client.StatusError{Status: api.Status{Code: 410, Reason: "Gone"}}},
			{events: []client.Event{{Type: api.Deleted, Object: pod("x", "10", nil)}}, block: true},
		},
	}
	inf := NewInformer(lw, 0)
	inf.Backoff = Backoff{Min: time.Millisecond, Max: 2 * time.Millisecond}
	rec := &recorder{}
	inf.AddEventHandler(rec.handler())
	runInformer(t, inf)
	waitFor(t, "delete event", func() bool { return len(rec.get()) == 3 })
	want := "add a@1|delete a@1|delete x@10"
	if got := strings.Join(rec.get(), "|"); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if inf.Store().Len() != 0 {
		t.Fatalf("store not empty: %v", inf.Store().Keys())
	}
}

func TestInformerResyncAndLateHandler(t *testing.T) {
	lw := &fakeLW{
		exhausted: make(chan struct{}),
		lists:     []listResult{{objs: []api.Object{pod("a", "1", map[string]string{"app": "web"}), pod("b", "2", nil)}, rv: "2"}},
		watches:   []watchResult{{block: true}},
	}
	inf := NewInformer(lw, 20*time.Millisecond)
	rec := &recorder{}
	inf.AddEventHandler(rec.handler())
	runInformer(t, inf)
	waitFor(t, "resync", func() bool {
		for _, s := range rec.get() {
			if s == "update a@1->a@1" {
				return true
			}
		}
		return false
	})
	if !WaitForCacheSync(context.Background(), inf.HasSynced) {
		t.Fatal("WaitForCacheSync false")
	}
	// A handler added late is replayed the cache (on its own goroutine).
	late := &recorder{}
	inf.AddEventHandler(late.handler())
	waitFor(t, "the late handler's replay", func() bool {
		return strings.HasPrefix(strings.Join(late.get(), "|"), "add a@1|add b@2")
	})
	sel, err := labels.Parse("app=web")
	if err != nil {
		t.Fatal(err)
	}
	if got := inf.Store().Select("default", sel); len(got) != 1 || got[0].GetObjectMeta().Name != "a" {
		t.Fatalf("Select app=web: %v", got)
	}
	if got := inf.Store().Select("other", nil); len(got) != 0 {
		t.Fatalf("Select other ns: %v", got)
	}
}

func TestWaitForCacheSyncTimesOut(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if WaitForCacheSync(ctx, func() bool { return false }) {
		t.Fatal("reported synced")
	}
}
