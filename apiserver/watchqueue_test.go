package apiserver

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestWatchQueueBounds(t *testing.T) {
	tests := []struct {
		name               string
		maxLines, maxBytes int
		lines              []int // sizes pushed in turn
		want               []bool
	}{
		{"line limit", 2, 0, []int{1, 1, 1}, []bool{true, true, false}},
		{"byte limit", 0, 10, []int{4, 4, 4}, []bool{true, true, false}},
		{"byte limit exactly", 0, 8, []int{4, 4, 1}, []bool{true, true, false}},
		{"an event larger than the byte limit goes alone", 0, 10, []int{50, 1}, []bool{true, false}},
		{"no limits", 0, 0, []int{1 << 20, 1 << 20, 1 << 20}, []bool{true, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newWatchQueue(tt.maxLines, tt.maxBytes)
			for i, n := range tt.lines {
				if got := q.push([]byte(strings.Repeat("x", n))); got != tt.want[i] {
					t.Fatalf("push %d (%d bytes) = %v, want %v", i, n, got, tt.want[i])
				}
			}
		})
	}
}

func TestWatchQueueOrderAndClose(t *testing.T) {
	q := newWatchQueue(10, 0)
	ctx := context.Background()
	q.push([]byte("a"))
	q.push([]byte("b"))
	q.close()
	if q.push([]byte("c")) {
		t.Fatal("push after close accepted")
	}
	for i, want := range []string{"a", "b"} {
		line, more, ok := q.pop(ctx)
		if !ok || string(line) != want || more != (i == 0) {
			t.Fatalf("pop %d = %q more=%v ok=%v, want %q", i, line, more, ok, want)
		}
	}
	if _, _, ok := q.pop(ctx); ok {
		t.Fatal("pop of a closed, drained queue: ok")
	}
	if l, b := q.size(); l != 0 || b != 0 {
		t.Fatalf("size %d lines %d bytes, want 0 0", l, b)
	}

	// abandon drops what is queued: the writer gets nothing more.
	q = newWatchQueue(10, 0)
	q.push([]byte("a"))
	q.abandon()
	if _, _, ok := q.pop(ctx); ok {
		t.Fatal("pop after abandon returned a line")
	}
	if l, b := q.size(); l != 0 || b != 0 || q.push([]byte("b")) {
		t.Fatalf("after abandon: %d lines %d bytes, or a push accepted", l, b)
	}
}

func TestWatchQueuePushWait(t *testing.T) {
	ctx := context.Background()
	q := newWatchQueue(1, 0)
	q.push([]byte("a"))
	// Nobody reads: the budget runs out and the client is behind.
	start := time.Now()
	if q.pushWait(ctx, []byte("b"), 50*time.Millisecond) {
		t.Fatal("pushWait on a full queue nobody reads: accepted")
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 2*time.Second {
		t.Errorf("pushWait gave up after %v, want the 50ms budget", d)
	}
	// A reader makes room within the budget.
	go func() {
		time.Sleep(20 * time.Millisecond)
		q.pop(ctx)
	}()
	if !q.pushWait(ctx, []byte("c"), 5*time.Second) {
		t.Fatal("pushWait with a reader: refused")
	}
	// pop waits for a line, and ends with ctx.
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	q.pop(cctx) // "c"
	if _, _, ok := q.pop(cctx); ok {
		t.Fatal("pop of an empty queue returned a line")
	}
}
