package workqueue

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestRunWorkers(t *testing.T) {
	q := New(time.Millisecond, 10*time.Millisecond)
	var mu sync.Mutex
	calls := map[string]int{}
	var reported []string
	done := make(chan struct{})
	syncKey := func(_ context.Context, key string) (time.Duration, error) {
		mu.Lock()
		defer mu.Unlock()
		calls[key]++
		n := calls[key]
		switch {
		case key == "flaky" && n < 3: // fails twice, then succeeds
			return 0, errors.New("not yet")
		case key == "again" && n < 2: // asks to be looked at once more
			return 5 * time.Millisecond, nil
		}
		if calls["ok"] >= 1 && calls["flaky"] == 3 && calls["again"] == 2 {
			select {
			case <-done:
			default:
				close(done)
			}
		}
		return 0, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	returned := make(chan struct{})
	go func() {
		defer close(returned)
		RunWorkers(ctx, q, 2, syncKey, func(key string, err error) {
			mu.Lock()
			defer mu.Unlock()
			reported = append(reported, key+": "+err.Error())
		})
	}()
	for _, k := range []string{"ok", "flaky", "again"} {
		q.Add(k)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("not every key reconciled: %v", calls)
	}
	cancel()
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("RunWorkers did not return after its context ended")
	}
	mu.Lock()
	defer mu.Unlock()
	if calls["ok"] != 1 || calls["flaky"] != 3 || calls["again"] != 2 {
		t.Errorf("calls = %v, want ok 1, flaky 3, again 2", calls)
	}
	if len(reported) != 2 || reported[0] != "flaky: not yet" {
		t.Errorf("reported = %q, want the two failures of flaky", reported)
	}
}
