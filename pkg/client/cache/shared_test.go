package cache

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/labels"
)

// chanLW lists a fixed list and streams the events the test sends.
type chanLW struct {
	list   []api.Object
	rv     string
	events chan client.Event
	lists  atomic.Int32
}

func (c *chanLW) List(ctx context.Context, _ client.ListOptions) ([]api.Object, string, error) {
	c.lists.Add(1)
	return c.list, c.rv, nil
}

func (c *chanLW) Watch(ctx context.Context, _ client.ListOptions) (client.Watcher, error) {
	w := &fakeWatcher{ch: make(chan client.Event), stop: make(chan struct{})}
	go func() {
		defer close(w.ch)
		for {
			select {
			case ev := <-c.events:
				select {
				case w.ch <- ev:
				case <-w.stop:
					return
				}
			case <-w.stop:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return w, nil
}

func runShared(t *testing.T, s *SharedInformer) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
	}
	t.Cleanup(stop)
	return stop
}

// mirror is a handler that keeps its own copy of the store and fails on
// any notification inconsistent with what it saw before (an add of an
// object it has, an update from a version it does not have, ...).
type mirror struct {
	mu    sync.Mutex
	objs  map[string]string // key -> resourceVersion
	errs  []string
	calls int
}

func newMirror() *mirror { return &mirror{objs: map[string]string{}} }

func (m *mirror) handler() Handler {
	return HandlerFuncs{
		AddFunc: func(o api.Object) {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.calls++
			k := Key(o)
			if rv, ok := m.objs[k]; ok {
				m.errs = append(m.errs, fmt.Sprintf("add %s@%s: already have @%s", k, o.GetObjectMeta().ResourceVersion, rv))
			}
			m.objs[k] = o.GetObjectMeta().ResourceVersion
		},
		UpdateFunc: func(old, cur api.Object) {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.calls++
			k := Key(cur)
			if rv, ok := m.objs[k]; !ok || rv != old.GetObjectMeta().ResourceVersion {
				m.errs = append(m.errs, fmt.Sprintf("update %s from @%s: have @%s (%v)", k, old.GetObjectMeta().ResourceVersion, rv, ok))
			}
			m.objs[k] = cur.GetObjectMeta().ResourceVersion
		},
		DeleteFunc: func(o api.Object) {
			m.mu.Lock()
			defer m.mu.Unlock()
			m.calls++
			k := Key(o)
			if _, ok := m.objs[k]; !ok {
				m.errs = append(m.errs, fmt.Sprintf("delete %s: do not have it", k))
			}
			delete(m.objs, k)
		},
	}
}

func (m *mirror) state() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var parts []string
	for k, rv := range m.objs {
		parts = append(parts, k+"@"+rv)
	}
	return strings.Join(sortStrings(parts), ",")
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

func storeState(s *Store) string {
	var parts []string
	for _, o := range s.List() {
		parts = append(parts, Key(o)+"@"+o.GetObjectMeta().ResourceVersion)
	}
	return strings.Join(sortStrings(parts), ",")
}

// TestSharedLateHandlerGetsEverythingOnce adds handlers while the watch
// delivers a stream of adds, updates and deletes: each late handler must
// see a consistent history (no missed object, no duplicate add) that ends
// in the store's state.
func TestSharedLateHandlerGetsEverythingOnce(t *testing.T) {
	var list []api.Object
	for i := 0; i < 50; i++ {
		list = append(list, pod(fmt.Sprintf("p%d", i), "1", nil))
	}
	lw := &chanLW{list: list, rv: "1", events: make(chan client.Event)}
	s := NewSharedInformer(lw, 0)
	first := newMirror()
	s.AddEventHandler(first.handler())
	runShared(t, s)
	if !WaitForCacheSync(context.Background(), s.HasSynced) {
		t.Fatal("not synced")
	}
	var late []*mirror
	var regs []*Registration
	rv := 1
	exists := map[string]bool{} // the server's state, to send a real history
	for _, o := range list {
		exists[o.GetObjectMeta().Name] = true
	}
	for i := 0; i < 400; i++ {
		rv++
		name := fmt.Sprintf("p%d", i%70)
		typ := api.Added
		if exists[name] {
			typ = api.Modified
			if i%7 == 3 {
				typ = api.Deleted
			}
		}
		exists[name] = typ != api.Deleted
		lw.events <- client.Event{Type: typ, Object: pod(name, fmt.Sprint(rv), nil)}
		if i%40 == 0 {
			m := newMirror()
			late = append(late, m)
			regs = append(regs, s.AddEventHandler(m.handler()))
		}
	}
	// A final bookmark-free event that we can wait for.
	rv++
	lw.events <- client.Event{Type: api.Added, Object: pod("last", fmt.Sprint(rv), nil)}
	want := ""
	waitFor(t, "store has last", func() bool {
		_, ok := s.Store().GetByName("default", "last")
		return ok
	})
	want = storeState(s.Store())
	for i, m := range append([]*mirror{first}, late...) {
		deadline := time.Now().Add(5 * time.Second)
		for m.state() != want && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := m.state(); got != want {
			t.Errorf("handler %d: state\n%s\nwant\n%s", i, got, want)
		}
		m.mu.Lock()
		if len(m.errs) > 0 {
			t.Errorf("handler %d: %d inconsistent notifications, first: %s", i, len(m.errs), m.errs[0])
		}
		m.mu.Unlock()
	}
	for i, r := range regs {
		if !r.HasSynced() {
			t.Errorf("registration %d not synced", i)
		}
	}
}

// TestSharedSlowHandlerDoesNotStallOthers: one handler is stuck; the store
// and another handler still see every event, and the stuck one catches up
// in order once released.
func TestSharedSlowHandlerDoesNotStallOthers(t *testing.T) {
	lw := &chanLW{rv: "1", events: make(chan client.Event)}
	s := NewSharedInformer(lw, 0)
	release := make(chan struct{})
	var slowSeen []string
	var slowMu sync.Mutex
	s.AddEventHandler(HandlerFuncs{AddFunc: func(o api.Object) {
		<-release
		slowMu.Lock()
		slowSeen = append(slowSeen, o.GetObjectMeta().Name)
		slowMu.Unlock()
	}})
	fast := &recorder{}
	s.AddEventHandler(fast.handler())
	runShared(t, s)
	waitFor(t, "sync", s.HasSynced)
	const n = 1000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < n; i++ {
			lw.events <- client.Event{Type: api.Added, Object: pod(fmt.Sprintf("p%04d", i), fmt.Sprint(i+2), nil)}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the watch stalled behind a stuck handler")
	}
	waitFor(t, "fast handler", func() bool { return len(fast.get()) == n })
	if s.Store().Len() != n {
		t.Fatalf("store has %d objects", s.Store().Len())
	}
	close(release)
	waitFor(t, "slow handler catches up", func() bool {
		slowMu.Lock()
		defer slowMu.Unlock()
		return len(slowSeen) == n
	})
	for i, name := range slowSeen {
		if want := fmt.Sprintf("p%04d", i); name != want {
			t.Fatalf("slow handler out of order at %d: %s, want %s", i, name, want)
		}
	}
}

func TestSharedResyncPerHandler(t *testing.T) {
	lw := &chanLW{list: []api.Object{pod("a", "1", nil)}, rv: "1", events: make(chan client.Event)}
	s := NewSharedInformer(lw, 0)
	none, fast := &recorder{}, &recorder{}
	s.AddEventHandler(none.handler())
	s.AddEventHandlerWithResyncPeriod(fast.handler(), 20*time.Millisecond)
	runShared(t, s)
	waitFor(t, "three resyncs", func() bool {
		n := 0
		for _, c := range fast.get() {
			if c == "update a@1->a@1" {
				n++
			}
		}
		return n >= 3
	})
	// A handler added later with its own period resyncs too.
	late := &recorder{}
	s.AddEventHandlerWithResyncPeriod(late.handler(), 10*time.Millisecond)
	waitFor(t, "late resync", func() bool {
		got := late.get()
		return len(got) >= 2 && got[0] == "add a@1" && got[1] == "update a@1->a@1"
	})
	if got := none.get(); len(got) != 1 || got[0] != "add a@1" {
		t.Fatalf("handler without resync got %q", got)
	}
}

func TestSharedRelistOnGoneDeliversDeletes(t *testing.T) {
	gone := &api.Status{Status: "Failure", Reason: "Expired", Code: 410}
	lw := &fakeLW{
		exhausted: make(chan struct{}),
		lists: []listResult{
			{objs: []api.Object{pod("a", "1", nil), pod("b", "2", nil)}, rv: "2"},
			{objs: []api.Object{pod("a", "5", nil)}, rv: "5"},
		},
		watches: []watchResult{
			{events: []client.Event{{Type: api.Error, Status: gone}}},
			{block: true},
		},
	}
	s := NewSharedInformer(lw, 0)
	s.Backoff = Backoff{Min: time.Millisecond, Max: 2 * time.Millisecond}
	s.Logf = t.Logf
	rec := &recorder{}
	s.AddEventHandler(rec.handler())
	runShared(t, s)
	want := "add a@1|add b@2|update a@1->a@5|delete b@2"
	waitFor(t, "relist", func() bool { return strings.Join(rec.get(), "|") == want })
	if keys := strings.Join(s.Store().Keys(), ","); keys != "default/a" {
		t.Fatalf("store %s", keys)
	}
}

func TestSharedIndexersAndSelect(t *testing.T) {
	other := pod("c", "3", map[string]string{"app": "web"})
	other.Namespace = "kube-system"
	lw := &chanLW{list: []api.Object{pod("a", "1", map[string]string{"app": "web"}), pod("b", "2", nil), other}, rv: "3", events: make(chan client.Event)}
	s := NewSharedInformer(lw, 0)
	if err := s.AddIndexers(Indexers{NamespaceIndex: MetaNamespaceIndexFunc}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddIndexers(Indexers{NamespaceIndex: MetaNamespaceIndexFunc}); err == nil {
		t.Fatal("adding an index twice succeeded")
	}
	runShared(t, s)
	waitFor(t, "sync", s.HasSynced)
	names := func(objs []api.Object) string {
		var out []string
		for _, o := range objs {
			out = append(out, o.GetObjectMeta().Name)
		}
		return strings.Join(out, ",")
	}
	got, err := s.Store().ByIndex(NamespaceIndex, "default")
	if err != nil || names(got) != "a,b" {
		t.Fatalf("ByIndex default: %s %v", names(got), err)
	}
	lw.events <- client.Event{Type: api.Deleted, Object: pod("a", "4", nil)}
	waitFor(t, "delete", func() bool { return s.Store().Len() == 2 })
	if got, _ := s.Store().ByIndex(NamespaceIndex, "default"); names(got) != "b" {
		t.Fatalf("after delete: %s", names(got))
	}
	sel, _ := labels.Parse("app=web")
	if got := s.Store().Select("", sel); names(got) != "c" {
		t.Fatalf("Select app=web: %s", names(got))
	}
	if _, err := s.Store().ByIndex("nope", "x"); err == nil {
		t.Fatal("unknown index: no error")
	}
}

func TestFactorySharesOneInformerPerResource(t *testing.T) {
	var lws sync.Map
	f := NewSharedInformerFactory(nil, 0, WithListerWatcher(func(info *api.ResourceInfo) ListerWatcher {
		lw := &chanLW{list: []api.Object{pod("a", "1", nil)}, rv: "1", events: make(chan client.Event)}
		lws.Store(info.Resource, lw)
		return lw
	}))
	pods := InformerFor[*api.Pod](f)
	if again := f.ForResource(pods.lw.(*chanLW).resourceInfo(t)); again != pods {
		t.Fatal("ForResource made a second pods informer")
	}
	a, b := &recorder{}, &recorder{}
	pods.AddEventHandler(a.handler())
	InformerFor[*api.Pod](f).AddEventHandler(b.handler())
	nodes := InformerFor[*api.Node](f)
	ctx, cancel := context.WithCancel(context.Background())
	f.Start(ctx)
	f.Start(ctx) // idempotent
	if !f.WaitForCacheSync(ctx) {
		t.Fatal("not synced")
	}
	if !nodes.HasSynced() || !pods.HasSynced() {
		t.Fatal("informers not synced")
	}
	waitFor(t, "both handlers", func() bool { return len(a.get()) == 1 && len(b.get()) == 1 })
	v, _ := lws.Load("pods")
	if n := v.(*chanLW).lists.Load(); n != 1 {
		t.Fatalf("pods listed %d times, want once for both handlers", n)
	}
	cancel()
	f.Shutdown()
}

func (c *chanLW) resourceInfo(t *testing.T) *api.ResourceInfo {
	info, err := client.InfoFor[*api.Pod]()
	if err != nil {
		t.Fatal(err)
	}
	return info
}
