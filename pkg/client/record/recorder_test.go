package record

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// fakeSink stores events like the apiserver: creates fail with
// AlreadyExists on a taken name, patches with NotFound on a missing one.
type fakeSink struct {
	mu      sync.Mutex
	events  map[string]*api.Event
	calls   []string
	rv      int
	block   chan struct{} // when non-nil, writes wait for it
	failNet int           // the next failNet writes fail without a server answer
}

func newFakeSink() *fakeSink { return &fakeSink{events: map[string]*api.Event{}} }

func (s *fakeSink) wait() error {
	if s.block != nil {
		<-s.block
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failNet > 0 {
		s.failNet--
		s.calls = append(s.calls, "neterr")
		return errors.New("connection refused")
	}
	return nil
}

func (s *fakeSink) Create(ctx context.Context, ev *api.Event) (*api.Event, error) {
	if err := s.wait(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "create "+ev.Name)
	k := ev.Namespace + "/" + ev.Name
	if _, ok := s.events[k]; ok {
		return nil, &client.StatusError{Status: api.Status{Code: http.StatusConflict, Reason: client.ReasonAlreadyExists}}
	}
	s.rv++
	c := *ev
	c.ResourceVersion = fmt.Sprint(s.rv)
	s.events[k] = &c
	out := c
	return &out, nil
}

func (s *fakeSink) Patch(ctx context.Context, ev *api.Event, patch []byte) (*api.Event, error) {
	if err := s.wait(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, "patch "+ev.Name+" "+string(patch))
	cur, ok := s.events[ev.Namespace+"/"+ev.Name]
	if !ok {
		return nil, &client.StatusError{Status: api.Status{Code: http.StatusNotFound, Reason: client.ReasonNotFound}}
	}
	if err := json.Unmarshal(patch, cur); err != nil {
		return nil, err
	}
	s.rv++
	cur.ResourceVersion = fmt.Sprint(s.rv)
	out := *cur
	return &out, nil
}

func (s *fakeSink) list() []*api.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*api.Event
	for _, e := range s.events {
		c := *e
		out = append(out, &c)
	}
	return out
}

func (s *fakeSink) getCalls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time       { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) step(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newTestRecorder(t *testing.T, sink Sink, opts Options) (*Recorder, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = clk.now
	}
	opts.Logf = t.Logf
	if opts.RetryWait == 0 {
		opts.RetryWait = time.Millisecond
	}
	return NewRecorderForSink(sink, api.EventSource{Component: "kubelet", Host: "node1"}, opts), clk
}

// drain writes every queued event, as Run does.
func drain(r *Recorder) {
	for {
		select {
		case ev := <-r.queue:
			r.write(context.Background(), ev)
		default:
			return
		}
	}
}

func testPod() *api.Pod {
	return &api.Pod{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "ns1", UID: "u1", ResourceVersion: "7"}}
}

func TestRecorderCreatesEvent(t *testing.T) {
	sink := newFakeSink()
	r, clk := newTestRecorder(t, sink, Options{})
	r.Event(WithFieldPath(testPod(), "spec.containers{c}"), EventTypeNormal, "Pulled", "pulled image")
	drain(r)
	evs := sink.list()
	if len(evs) != 1 {
		t.Fatalf("events %v", evs)
	}
	e := evs[0]
	wantName := fmt.Sprintf("web.%x", clk.now().UnixNano())
	want := api.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: "ns1", Name: "web", UID: "u1", ResourceVersion: "7", FieldPath: "spec.containers{c}"}
	if e.Name != wantName || e.Namespace != "ns1" || e.InvolvedObject != want || e.Reason != "Pulled" ||
		e.Message != "pulled image" || e.Type != "Normal" || e.Count != 1 ||
		e.Source != (api.EventSource{Component: "kubelet", Host: "node1"}) ||
		e.ReportingController != "kubelet" || e.ReportingInstance != "node1" ||
		!e.FirstTimestamp.Time.Equal(clk.now()) || !e.LastTimestamp.Time.Equal(clk.now()) || e.Kind != "Event" {
		t.Fatalf("event %+v", e)
	}
}

func TestRecorderClusterScopedObjectInDefault(t *testing.T) {
	sink := newFakeSink()
	r, _ := newTestRecorder(t, sink, Options{})
	// No TypeMeta: kind and apiVersion come from the registered type.
	r.Eventf(&api.Node{ObjectMeta: api.ObjectMeta{Name: "n1"}}, EventTypeWarning, "NodeNotReady", "node %s is not ready", "n1")
	drain(r)
	evs := sink.list()
	if len(evs) != 1 || evs[0].Namespace != "default" || evs[0].InvolvedObject.Kind != "Node" ||
		evs[0].InvolvedObject.APIVersion != "v1" || evs[0].Message != "node n1 is not ready" || evs[0].Type != "Warning" {
		t.Fatalf("events %+v", evs)
	}
}

func TestRecorderDedupPatchesCount(t *testing.T) {
	sink := newFakeSink()
	r, clk := newTestRecorder(t, sink, Options{})
	first := clk.now()
	for i := 0; i < 3; i++ {
		r.Event(testPod(), EventTypeWarning, "BackOff", "back-off restarting")
		drain(r)
		clk.step(time.Minute)
	}
	evs := sink.list()
	if len(evs) != 1 {
		t.Fatalf("want one event, got %d: %v", len(evs), sink.getCalls())
	}
	e := evs[0]
	if e.Count != 3 || !e.FirstTimestamp.Time.Equal(first) || !e.LastTimestamp.Time.Equal(first.Add(2*time.Minute)) {
		t.Fatalf("count %d first %v last %v", e.Count, e.FirstTimestamp, e.LastTimestamp)
	}
	calls := sink.getCalls()
	if len(calls) != 3 || !strings.HasPrefix(calls[0], "create ") || !strings.HasPrefix(calls[1], "patch ") ||
		!strings.Contains(calls[2], `"count":3`) || !strings.Contains(calls[2], `"lastTimestamp":"2026-01-02T03:06:05Z"`) {
		t.Fatalf("calls %q", calls)
	}
}

func TestRecorderDifferentMessagesAreSeparate(t *testing.T) {
	sink := newFakeSink()
	r, clk := newTestRecorder(t, sink, Options{})
	r.Event(testPod(), EventTypeNormal, "Pulled", "image a")
	clk.step(time.Second)
	r.Event(testPod(), EventTypeNormal, "Pulled", "image b")
	clk.step(time.Second)
	r.Event(testPod(), EventTypeNormal, "Created", "image a")
	drain(r)
	evs := sink.list()
	if len(evs) != 3 {
		t.Fatalf("want 3 events, got %v", sink.getCalls())
	}
	for _, e := range evs {
		if e.Count != 1 {
			t.Fatalf("event %s count %d", e.Name, e.Count)
		}
	}
}

func TestRecorderRepeatAfterDeleteCreatesAgain(t *testing.T) {
	sink := newFakeSink()
	r, clk := newTestRecorder(t, sink, Options{})
	r.Event(testPod(), EventTypeNormal, "Pulled", "x")
	drain(r)
	sink.mu.Lock()
	sink.events = map[string]*api.Event{} // the event expired on the server
	sink.mu.Unlock()
	clk.step(time.Second)
	r.Event(testPod(), EventTypeNormal, "Pulled", "x")
	drain(r)
	evs := sink.list()
	if len(evs) != 1 || evs[0].Count != 2 || evs[0].ResourceVersion == "" {
		t.Fatalf("events %+v calls %q", evs, sink.getCalls())
	}
}

func TestRecorderAggregatesSimilarEvents(t *testing.T) {
	sink := newFakeSink()
	r, clk := newTestRecorder(t, sink, Options{})
	for i := 0; i < 15; i++ {
		r.Eventf(testPod(), EventTypeWarning, "FailedMount", "volume v%d failed", i)
		drain(r)
		clk.step(time.Second)
	}
	var combined []*api.Event
	singles := 0
	for _, e := range sink.list() {
		if strings.HasPrefix(e.Message, combinedPrefix) {
			combined = append(combined, e)
		} else {
			singles++
		}
	}
	// 9 distinct messages are written as they are; from the 10th on, one
	// combined event counts them.
	if singles != 9 || len(combined) != 1 || combined[0].Count != 6 || combined[0].Message != combinedPrefix+"volume v14 failed" {
		t.Fatalf("singles %d combined %+v", singles, combined)
	}
}

func TestRecorderSpamFilter(t *testing.T) {
	sink := newFakeSink()
	r, clk := newTestRecorder(t, sink, Options{Correlator: CorrelatorOptions{SpamBurst: 3, SpamQPS: 0.1}})
	for i := 0; i < 10; i++ {
		r.Event(testPod(), EventTypeNormal, "Ping", "same")
		drain(r)
	}
	if evs := sink.list(); len(evs) != 1 || evs[0].Count != 3 {
		t.Fatalf("burst: events %+v", evs)
	}
	clk.step(10 * time.Second) // one token back
	r.Event(testPod(), EventTypeNormal, "Ping", "same")
	r.Event(testPod(), EventTypeNormal, "Ping", "same")
	drain(r)
	// One more write; its count includes the occurrences the filter
	// dropped (as client-go's: count is how often it happened).
	if evs := sink.list(); evs[0].Count != 11 {
		t.Fatalf("after refill: count %d, want 11", evs[0].Count)
	}
	if n := len(sink.getCalls()); n != 4 {
		t.Fatalf("%d writes, want 4 (burst 3, then one token): %q", n, sink.getCalls())
	}
	// Another object has its own bucket.
	other := testPod()
	other.Name, other.UID = "db", "u2"
	r.Event(other, EventTypeNormal, "Ping", "same")
	drain(r)
	if n := len(sink.list()); n != 2 {
		t.Fatalf("other object: %d events", n)
	}
}

func TestRecorderEventNeverBlocks(t *testing.T) {
	sink := newFakeSink()
	sink.block = make(chan struct{})
	r, _ := newTestRecorder(t, sink, Options{QueueSize: 5})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	start := time.Now()
	for i := 0; i < 100; i++ { // the sink is stuck: Event must still return at once
		r.Eventf(testPod(), EventTypeNormal, "Tick", "tick %d", i)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Event blocked for %v", d)
	}
	if r.Dropped() < 100-5-1 {
		t.Fatalf("dropped %d, want at least 94", r.Dropped())
	}
	close(sink.block)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
}

func TestRecorderRunWritesAsynchronously(t *testing.T) {
	sink := newFakeSink()
	r, _ := newTestRecorder(t, sink, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	r.Event(testPod(), EventTypeNormal, "Started", "started")
	deadline := time.Now().Add(5 * time.Second)
	for len(sink.list()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("event not written")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRecorderRetriesWithoutServer(t *testing.T) {
	sink := newFakeSink()
	sink.failNet = 2
	r, _ := newTestRecorder(t, sink, Options{})
	r.Event(testPod(), EventTypeNormal, "Started", "started")
	drain(r)
	if evs := sink.list(); len(evs) != 1 {
		t.Fatalf("events %v calls %q", evs, sink.getCalls())
	}
	if calls := sink.getCalls(); len(calls) != 3 {
		t.Fatalf("calls %q, want 2 failures then a create", calls)
	}
}

func TestFakeRecorder(t *testing.T) {
	f := NewFakeRecorder(2)
	var er EventRecorder = f
	er.Event(testPod(), EventTypeNormal, "Pulled", "pulled image")
	er.Eventf(testPod(), EventTypeWarning, "Failed", "error: %v", "boom")
	if got := <-f.Events; got != "Normal Pulled pulled image" {
		t.Fatal(got)
	}
	if got := <-f.Events; got != "Warning Failed error: boom" {
		t.Fatal(got)
	}
	(&FakeRecorder{}).Event(testPod(), EventTypeNormal, "x", "y") // nil channel: dropped
}
