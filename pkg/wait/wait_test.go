package wait

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestEveryRunsAtOnceRepeatsAndReportsErrors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls, reported := 0, 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		Every(ctx, time.Millisecond, func(context.Context) error {
			calls++
			if calls == 3 {
				cancel()
			}
			return errors.New("boom")
		}, func(error) { reported++ })
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Every did not return after its context ended")
	}
	if calls != 3 {
		t.Errorf("calls = %d, want 3", calls)
	}
	// The third call's error came after ctx ended: not reported.
	if reported != 2 {
		t.Errorf("reported = %d, want 2", reported)
	}
}

func TestEveryFirstCallIsImmediate(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	start := time.Now()
	Every(ctx, time.Hour, func(context.Context) error { cancel(); return nil }, nil)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("first call after %v, want at once", d)
	}
}

func TestEveryAfterWaitsAPeriodFirst(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	const period = 50 * time.Millisecond
	start := time.Now()
	var first time.Duration
	calls, reported := 0, 0
	EveryAfter(ctx, period, func(context.Context) error {
		calls++
		if calls == 1 {
			first = time.Since(start)
		}
		if calls == 2 {
			cancel()
		}
		return errors.New("boom")
	}, func(error) { reported++ })
	if first < period {
		t.Errorf("first call after %v, want one period (%v) at least", first, period)
	}
	if calls != 2 || reported != 1 {
		t.Errorf("calls %d, reported %d; want 2, 1 (the error after ctx ended is dropped)", calls, reported)
	}
}
