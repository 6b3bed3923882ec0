package kubelet

import (
	"context"
	"sync"
	"time"
)

// termination is a pod being killed. A later DELETE may shorten its grace
// period: the kill in progress is then cancelled and started again with
// the shorter one (kubelet's pod_workers: a new, shorter
// deletionGracePeriodSeconds overrides an in-progress kill).
type termination struct {
	mu        sync.Mutex
	grace     time.Duration
	cancel    context.CancelFunc // of the kill in progress
	shortened bool               // since the kill in progress began
}

func newTermination(grace time.Duration) *termination { return &termination{grace: grace} }

// shorten lowers the grace period to g if g is shorter, cancelling the
// kill in progress; it says whether it did.
func (t *termination) shorten(g time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if g >= t.grace {
		return false
	}
	t.grace, t.shortened = g, true
	if t.cancel != nil {
		t.cancel()
	}
	return true
}

// begin starts one kill attempt: its context (cancelled by shorten) and
// grace period.
func (t *termination) begin(ctx context.Context) (context.Context, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	kctx, cancel := context.WithCancel(ctx)
	t.cancel, t.shortened = cancel, false
	return kctx, t.grace
}

// end ends a kill attempt; it says whether the grace period was shortened
// meanwhile (kill again with the new one).
func (t *termination) end() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cancel != nil {
		t.cancel()
		t.cancel = nil
	}
	return t.shortened
}

// currentGrace is the grace period now.
func (t *termination) currentGrace() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.grace
}
