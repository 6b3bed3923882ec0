package kubelet

import (
	"sync"
	"time"
)

// Backoff is the per-container restart (and image pull) back-off of
// Kubernetes' kubelet (flowcontrol.Backoff): the first restart is
// immediate, then each one waits twice as long as the one before (10s,
// 20s, 40s, ... capped at 5m) counted from the container's exit; an entry
// not used for 2*max (10 minutes of running) is forgotten, which resets the
// back-off.
type Backoff struct {
	Initial, Max time.Duration

	mu      sync.Mutex
	entries map[string]*backoffEntry
}

type backoffEntry struct {
	delay      time.Duration
	lastUpdate time.Time
}

// NewBackoff returns a back-off starting at initial and capped at max.
func NewBackoff(initial, max time.Duration) *Backoff {
	return &Backoff{Initial: initial, Max: max, entries: map[string]*backoffEntry{}}
}

func (b *Backoff) expired(e *backoffEntry, now time.Time) bool {
	return now.Sub(e.lastUpdate) > 2*b.Max
}

// InBackOffSince reports whether key is still backing off at now for an
// event (a container exit, a failed pull) at since, and for how much longer.
func (b *Backoff) InBackOffSince(key string, since, now time.Time) (bool, time.Duration) {
	if b == nil {
		return false, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	if !ok || b.expired(e, now) {
		return false, 0
	}
	if left := e.delay - now.Sub(since); left > 0 {
		return true, left
	}
	return false, 0
}

// Delay is key's current back-off (0 if none).
func (b *Backoff) Delay(key string) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.entries[key]; ok {
		return e.delay
	}
	return 0
}

// Next records an attempt at now: the following delay doubles (or starts
// at Initial if key had none or it expired).
func (b *Backoff) Next(key string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.entries[key]
	if !ok || b.expired(e, now) {
		b.entries[key] = &backoffEntry{delay: b.Initial, lastUpdate: now}
		return
	}
	e.delay = min(2*e.delay, b.Max)
	e.lastUpdate = now
}

// Forget drops key (a pod that is gone).
func (b *Backoff) Forget(prefix string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.entries {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			delete(b.entries, k)
		}
	}
}
