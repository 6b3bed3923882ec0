package nodelifecycle

import (
	"sort"
	"sync"
	"testing"
	"time"

	"minik8s/pkg/api"
)

func secs(n int64) *int64 { return &n }

func TestMinTolerationTime(t *testing.T) {
	tol := func(s *int64) api.Toleration { return api.Toleration{TolerationSeconds: s} }
	for _, tt := range []struct {
		in   []api.Toleration
		want time.Duration
	}{
		{nil, 0},
		{[]api.Toleration{tol(nil)}, -1},
		{[]api.Toleration{tol(secs(10)), tol(secs(5)), tol(nil)}, 5 * time.Second},
		{[]api.Toleration{tol(secs(10)), tol(secs(0))}, 0},
		{[]api.Toleration{tol(secs(-3))}, 0},
	} {
		if got := minTolerationTime(tt.in); got != tt.want {
			t.Errorf("%v: %v, want %v", tt.in, got, tt.want)
		}
	}
}

// The cases of Kubernetes' taint eviction tests (TestCreatePod,
// TestUpdateNode*): what happens to a pod when its node's NoExecute
// taints are what they are.
func TestPlanEviction(t *testing.T) {
	unreach := []api.Taint{unreachableTaint}
	both := []api.Taint{unreachableTaint, {Key: "other", Effect: api.TaintEffectNoExecute}}
	tolUnreach := func(s *int64) api.Toleration {
		return api.Toleration{Key: TaintNodeUnreachable, Operator: "Exists", Effect: "NoExecute", TolerationSeconds: s}
	}
	now := at(100)
	earlier := at(90)
	tests := []struct {
		name      string
		tols      []api.Toleration
		taints    []api.Taint
		scheduled *time.Time
		want      evictionDecision
	}{
		{"no taints: cancel", []api.Toleration{tolUnreach(secs(5))}, nil, &earlier, evictionDecision{action: evictCancel}},
		{"no toleration: now", nil, unreach, nil, evictionDecision{action: evictNow, createdAt: now, fireAt: now}},
		{"tolerates one of two taints: now", []api.Toleration{tolUnreach(nil)}, both, nil, evictionDecision{action: evictNow, createdAt: now, fireAt: now}},
		{"tolerates forever: cancel", []api.Toleration{tolUnreach(nil)}, unreach, &earlier, evictionDecision{action: evictCancel}},
		{"default 300s toleration", []api.Toleration{tolUnreach(secs(300))}, unreach, nil,
			evictionDecision{action: evictSchedule, createdAt: now, fireAt: at(400)}},
		{"tolerationSeconds 0: at once", []api.Toleration{tolUnreach(secs(0))}, unreach, nil,
			evictionDecision{action: evictSchedule, createdAt: now, fireAt: now}},
		{"already scheduled: keep the earlier deadline", []api.Toleration{tolUnreach(secs(2))}, unreach, &earlier, evictionDecision{action: evictKeep}},
		{"empty-key toleration tolerates every taint", []api.Toleration{{Operator: "Exists", TolerationSeconds: secs(7)}}, both, nil,
			evictionDecision{action: evictSchedule, createdAt: now, fireAt: at(107)}},
		{"the least tolerationSeconds wins", []api.Toleration{tolUnreach(secs(60)), {Key: "other", Operator: "Exists", TolerationSeconds: secs(20)}}, both, nil,
			evictionDecision{action: evictSchedule, createdAt: now, fireAt: at(120)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := planEviction(tt.tols, tt.taints, tt.scheduled, now)
			if got.action != tt.want.action || !got.createdAt.Equal(tt.want.createdAt) || !got.fireAt.Equal(tt.want.fireAt) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// fakeClock fires its timers when stepped.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	tm := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, tm)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !tm.stopped
		tm.stopped = true
		return was
	}
}

// step moves the clock and runs the timers that came due, in order.
func (c *fakeClock) step(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []*fakeTimer
	rest := c.timers[:0]
	for _, tm := range c.timers {
		if !tm.stopped && !tm.at.After(c.now) {
			tm.stopped = true
			due = append(due, tm)
		} else if !tm.stopped {
			rest = append(rest, tm)
		}
	}
	c.timers = rest
	c.mu.Unlock()
	sort.Slice(due, func(i, j int) bool { return due[i].at.Before(due[j].at) })
	for _, tm := range due {
		tm.f()
	}
}

func TestTimedWorkers(t *testing.T) {
	clk := &fakeClock{now: t0}
	var mu sync.Mutex
	var fired []string
	q := newTimedWorkers(clk, func(key string) {
		mu.Lock()
		defer mu.Unlock()
		fired = append(fired, key)
	})
	firedNow := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), fired...)
	}
	q.add("ns/a", t0, t0.Add(2*time.Second))
	q.add("ns/b", t0, t0.Add(300*time.Second))
	q.add("ns/a", t0, t0.Add(time.Second)) // already scheduled: kept
	if s := q.scheduled("ns/a"); s == nil || !s.Equal(t0) {
		t.Fatalf("scheduled(ns/a) = %v", s)
	}
	clk.step(1500 * time.Millisecond)
	if got := firedNow(); len(got) != 0 {
		t.Fatalf("fired early: %v", got)
	}
	clk.step(time.Second)
	if got := firedNow(); len(got) != 1 || got[0] != "ns/a" {
		t.Fatalf("after 2.5s: %v, want [ns/a]", got)
	}
	if q.scheduled("ns/a") != nil {
		t.Errorf("ns/a still scheduled after firing")
	}
	// The taint went away: b's deletion is cancelled and never fires.
	if !q.cancel("ns/b") || q.cancel("ns/b") {
		t.Errorf("cancel should report true once")
	}
	clk.step(time.Hour)
	if got := firedNow(); len(got) != 1 {
		t.Fatalf("a cancelled worker fired: %v", got)
	}
	// A deadline in the past fires at once.
	q.add("ns/c", t0, t0)
	clk.step(0)
	if got := firedNow(); len(got) != 2 || got[1] != "ns/c" {
		t.Fatalf("past deadline: %v", got)
	}
	q.add("ns/d", clk.Now(), clk.Now().Add(time.Minute))
	q.stopAll()
	clk.step(time.Hour)
	if got := firedNow(); len(got) != 2 {
		t.Fatalf("fired after stopAll: %v", got)
	}
}
