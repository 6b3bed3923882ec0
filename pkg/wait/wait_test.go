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
