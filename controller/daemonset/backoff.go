package daemonset

import (
	"sync"
	"time"
)

// failedBackoff spaces out the deletion of failed daemon pods per node, so
// the controller does not fight a kubelet that rejects its pods in a hot
// loop (Kubernetes' failedPodsBackoff: 1 s doubling to 15 min, forgotten
// after twice the maximum without failures).
type failedBackoff struct {
	mu       sync.Mutex
	initial  time.Duration
	maxDelay time.Duration
	entries  map[string]backoffEntry
}

type backoffEntry struct {
	delay time.Duration
	last  time.Time
}

func newFailedBackoff(initial, maxDelay time.Duration) *failedBackoff {
	return &failedBackoff{initial: initial, maxDelay: maxDelay, entries: map[string]backoffEntry{}}
}

// wait is how long key is still in backoff at now (0: not).
func (b *failedBackoff) wait(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	if !ok {
		return 0
	}
	if now.Sub(e.last) > 2*b.maxDelay {
		delete(b.entries, key)
		return 0
	}
	return max(e.last.Add(e.delay).Sub(now), 0)
}

// next records an action for key at now and lengthens its backoff.
func (b *failedBackoff) next(key string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	switch {
	case !ok || now.Sub(e.last) > 2*b.maxDelay:
		e.delay = b.initial
	default:
		e.delay = min(2*e.delay, b.maxDelay)
	}
	e.last = now
	b.entries[key] = e
}
