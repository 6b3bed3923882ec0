// Package workqueue owns the controllers' work queue, in the style of
// kubernetes/sample-controller: string keys, a key queued at most once at a
// time, a key being processed is never handed to a second worker (if it is
// added meanwhile it is queued again when Done), delayed adds, and per-key
// exponential backoff for retries.
package workqueue

import (
	"sync"
	"time"
)

// Queue is a deduplicating, rate-limited FIFO of keys. Use New.
type Queue struct {
	mu         sync.Mutex
	cond       *sync.Cond
	queue      []string
	dirty      map[string]bool // queued or to be requeued on Done
	processing map[string]bool
	shutdown   bool

	failures  map[string]int
	baseDelay time.Duration
	maxDelay  time.Duration

	timers map[*time.Timer]bool
}

// New returns a queue whose retries wait baseDelay*2^n, at most maxDelay.
func New(baseDelay, maxDelay time.Duration) *Queue {
	q := &Queue{
		dirty: map[string]bool{}, processing: map[string]bool{},
		failures: map[string]int{}, timers: map[*time.Timer]bool{},
		baseDelay: baseDelay, maxDelay: maxDelay,
	}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// NewDefault returns a queue with 5ms..60s retry backoff.
func NewDefault() *Queue { return New(5*time.Millisecond, 60*time.Second) }

// Add queues key unless it is already queued; a key being processed is
// queued again when its worker calls Done.
func (q *Queue) Add(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.addLocked(key)
}

func (q *Queue) addLocked(key string) {
	if q.shutdown || q.dirty[key] {
		return
	}
	q.dirty[key] = true
	if q.processing[key] {
		return
	}
	q.queue = append(q.queue, key)
	q.cond.Signal()
}

// Get blocks until a key is available and marks it processing; shutdown is
// true once the queue is shut down (and then key is "").
func (q *Queue) Get() (key string, shutdown bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.queue) == 0 && !q.shutdown {
		q.cond.Wait()
	}
	if len(q.queue) == 0 {
		return "", true
	}
	key = q.queue[0]
	q.queue = q.queue[1:]
	delete(q.dirty, key)
	q.processing[key] = true
	return key, false
}

// Done marks key processed; if it was added meanwhile it is queued again.
func (q *Queue) Done(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.processing, key)
	if q.dirty[key] && !q.shutdown {
		q.queue = append(q.queue, key)
		q.cond.Signal()
	}
}

// AddAfter queues key after d (at once if d <= 0).
func (q *Queue) AddAfter(key string, d time.Duration) {
	if d <= 0 {
		q.Add(key)
		return
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.shutdown {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		q.mu.Lock()
		defer q.mu.Unlock()
		delete(q.timers, t)
		q.addLocked(key)
	})
	q.timers[t] = true
}

// When is the backoff of key's next retry; it counts the failure.
func (q *Queue) When(key string) time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := q.failures[key]
	q.failures[key] = n + 1
	d := q.baseDelay
	for i := 0; i < n && d < q.maxDelay; i++ {
		d *= 2
	}
	if d > q.maxDelay {
		d = q.maxDelay
	}
	return d
}

// AddRateLimited queues key again after its backoff (a failed attempt).
func (q *Queue) AddRateLimited(key string) { q.AddAfter(key, q.When(key)) }

// Forget clears key's failure count (a successful attempt).
func (q *Queue) Forget(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.failures, key)
}

// NumRequeues is how many failures key has had since its last Forget.
func (q *Queue) NumRequeues(key string) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.failures[key]
}

// Len is the number of queued keys (not counting those being processed).
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.queue)
}

// ShutDown makes Get return shutdown=true once the queue is drained and
// stops pending delayed adds; later adds are ignored.
func (q *Queue) ShutDown() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.shutdown = true
	for t := range q.timers {
		t.Stop()
	}
	q.timers = map[*time.Timer]bool{}
	q.cond.Broadcast()
}

// ShuttingDown reports whether ShutDown was called.
func (q *Queue) ShuttingDown() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.shutdown
}
