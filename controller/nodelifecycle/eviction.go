package nodelifecycle

import (
	"sync"
	"time"

	"minik8s/pkg/api"
)

// evictionAction is what the taint eviction manager does with a pod.
type evictionAction int

const (
	evictKeep     evictionAction = iota // leave any scheduled deletion as it is
	evictCancel                         // cancel a scheduled deletion
	evictNow                            // delete at once (cancelling a scheduled one)
	evictSchedule                       // (re)schedule the deletion at fireAt
)

// evictionDecision is the plan for one pod.
type evictionDecision struct {
	action    evictionAction
	createdAt time.Time // when the eviction was first scheduled
	fireAt    time.Time // when the pod is deleted
}

// planEviction is Kubernetes' processPodOnNode: taints are the NoExecute
// taints of the pod's node; scheduled is when the pod's pending deletion
// was scheduled (nil: none). A pod that does not tolerate every taint goes
// now; one that tolerates them forever is left alone; otherwise it goes
// after the least tolerationSeconds of the tolerations used, counted from
// when its deletion was first scheduled.
func planEviction(tolerations []api.Toleration, taints []api.Taint, scheduled *time.Time, now time.Time) evictionDecision {
	if len(taints) == 0 {
		return evictionDecision{action: evictCancel}
	}
	all, used := matchingTolerations(taints, tolerations)
	if !all {
		return evictionDecision{action: evictNow, createdAt: now, fireAt: now}
	}
	d := minTolerationTime(used)
	if d < 0 {
		return evictionDecision{action: evictCancel}
	}
	if scheduled != nil {
		// Keep the earlier deadline (Kubernetes keeps the scheduled
		// work unless the new one would fire sooner).
		if !scheduled.Add(d).After(now.Add(d)) {
			return evictionDecision{action: evictKeep}
		}
		return evictionDecision{action: evictSchedule, createdAt: *scheduled, fireAt: now.Add(d)}
	}
	return evictionDecision{action: evictSchedule, createdAt: now, fireAt: now.Add(d)}
}

// Clock is the time the controller lives by (a fake in tests).
type Clock interface {
	Now() time.Time
	// AfterFunc runs f in its own goroutine after d; stop cancels it.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// RealClock is the wall clock.
type RealClock struct{}

// Now implements Clock.
func (RealClock) Now() time.Time { return time.Now() }

// AfterFunc implements Clock.
func (RealClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// timedWorkers holds one timer per pod key (Kubernetes' TimedWorkerQueue).
type timedWorkers struct {
	clock Clock
	fire  func(key string)

	mu      sync.Mutex
	workers map[string]*timedWorker
}

type timedWorker struct {
	createdAt time.Time
	fireAt    time.Time
	stop      func() bool
}

func newTimedWorkers(clock Clock, fire func(key string)) *timedWorkers {
	return &timedWorkers{clock: clock, fire: fire, workers: map[string]*timedWorker{}}
}

// scheduled is when key's work was created, or nil.
func (q *timedWorkers) scheduled(key string) *time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	if w, ok := q.workers[key]; ok {
		t := w.createdAt
		return &t
	}
	return nil
}

// add schedules key's work at fireAt (at once if that has passed),
// unless it is already scheduled.
func (q *timedWorkers) add(key string, createdAt, fireAt time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.workers[key]; ok {
		return
	}
	w := &timedWorker{createdAt: createdAt, fireAt: fireAt}
	w.stop = q.clock.AfterFunc(max(fireAt.Sub(q.clock.Now()), 0), func() {
		q.mu.Lock()
		if q.workers[key] != w {
			q.mu.Unlock()
			return
		}
		delete(q.workers, key)
		q.mu.Unlock()
		q.fire(key)
	})
	q.workers[key] = w
}

// cancel stops key's work; it reports whether there was any.
func (q *timedWorkers) cancel(key string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	w, ok := q.workers[key]
	if !ok {
		return false
	}
	w.stop()
	delete(q.workers, key)
	return true
}

// stopAll cancels every timer.
func (q *timedWorkers) stopAll() {
	q.mu.Lock()
	defer q.mu.Unlock()
	for k, w := range q.workers {
		w.stop()
		delete(q.workers, k)
	}
}
