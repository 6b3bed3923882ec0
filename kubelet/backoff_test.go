package kubelet

import (
	"testing"
	"time"
)

func TestBackoffDoublesCapsAndResets(t *testing.T) {
	b := NewBackoff(10*time.Second, 5*time.Minute)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if in, _ := b.InBackOffSince("k", t0, t0); in {
		t.Fatal("no entry must mean no back-off (first restart is immediate)")
	}
	b.Next("k", t0)
	if in, left := b.InBackOffSince("k", t0, t0.Add(4*time.Second)); !in || left != 6*time.Second {
		t.Fatalf("after first restart: in=%v left=%v, want true 6s", in, left)
	}
	if in, _ := b.InBackOffSince("k", t0, t0.Add(10*time.Second)); in {
		t.Fatal("back-off must end after 10s")
	}
	want := []time.Duration{20 * time.Second, 40 * time.Second, 80 * time.Second, 160 * time.Second, 300 * time.Second, 300 * time.Second}
	now := t0
	for i, w := range want {
		now = now.Add(time.Minute)
		b.Next("k", now)
		if got := b.Delay("k"); got != w {
			t.Fatalf("step %d: delay %v, want %v", i, got, w)
		}
	}
	// Ten minutes (2*max) without a restart: forgotten, back to 10s.
	now = now.Add(11 * time.Minute)
	if in, _ := b.InBackOffSince("k", now, now); in {
		t.Fatal("an expired entry must not back off")
	}
	b.Next("k", now)
	if got := b.Delay("k"); got != 10*time.Second {
		t.Fatalf("after reset: delay %v, want 10s", got)
	}
	b.Forget("k")
	if got := b.Delay("k"); got != 0 {
		t.Fatalf("after Forget: delay %v", got)
	}
}
