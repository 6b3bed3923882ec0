package workqueue

import (
	"sync"
	"testing"
	"time"
)

func get(t *testing.T, q *Queue) string {
	t.Helper()
	ch := make(chan string, 1)
	go func() {
		k, shut := q.Get()
		if shut {
			k = "<shutdown>"
		}
		ch <- k
	}()
	select {
	case k := <-ch:
		return k
	case <-time.After(5 * time.Second):
		q.ShutDown()
		t.Fatal("Get blocked")
		return ""
	}
}

func TestDedupAndOrder(t *testing.T) {
	q := NewDefault()
	defer q.ShutDown()
	q.Add("a")
	q.Add("b")
	q.Add("a")
	if q.Len() != 2 {
		t.Fatalf("len %d, want 2", q.Len())
	}
	if k := get(t, q); k != "a" {
		t.Fatalf("got %s", k)
	}
	if k := get(t, q); k != "b" {
		t.Fatalf("got %s", k)
	}
}

func TestAddWhileProcessingRequeuesOnDone(t *testing.T) {
	q := NewDefault()
	defer q.ShutDown()
	q.Add("a")
	k := get(t, q)
	q.Add("a") // while processing: not handed out twice
	q.Add("a")
	if q.Len() != 0 {
		t.Fatalf("key being processed was queued: len %d", q.Len())
	}
	q.Done(k)
	if q.Len() != 1 {
		t.Fatalf("after Done len %d, want 1", q.Len())
	}
	if k := get(t, q); k != "a" {
		t.Fatalf("got %s", k)
	}
	q.Done("a")
	if q.Len() != 0 {
		t.Fatalf("len %d after second Done", q.Len())
	}
}

func TestRateLimitedBackoff(t *testing.T) {
	q := New(10*time.Millisecond, 40*time.Millisecond)
	defer q.ShutDown()
	var ds []time.Duration
	for i := 0; i < 4; i++ {
		ds = append(ds, q.When("k"))
	}
	want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond, 40 * time.Millisecond}
	for i := range want {
		if ds[i] != want[i] {
			t.Fatalf("backoffs %v, want %v", ds, want)
		}
	}
	if q.NumRequeues("k") != 4 {
		t.Fatalf("requeues %d", q.NumRequeues("k"))
	}
	q.Forget("k")
	if q.NumRequeues("k") != 0 || q.When("k") != 10*time.Millisecond {
		t.Fatal("Forget did not reset")
	}

	start := time.Now()
	q.AddRateLimited("r") // first failure of r: 10ms
	if k := get(t, q); k != "r" {
		t.Fatalf("got %s", k)
	}
	if el := time.Since(start); el < 10*time.Millisecond {
		t.Fatalf("rate-limited add arrived after %v, want >= 10ms", el)
	}
}

func TestShutDown(t *testing.T) {
	q := NewDefault()
	q.Add("a")
	q.AddAfter("later", time.Hour)
	var wg sync.WaitGroup
	results := make(chan string, 3)
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, shut := q.Get()
			if shut {
				k = "<shutdown>"
			}
			results <- k
		}()
	}
	time.Sleep(20 * time.Millisecond)
	q.ShutDown()
	wg.Wait()
	close(results)
	n := map[string]int{}
	for k := range results {
		n[k]++
	}
	if n["a"] != 1 || n["<shutdown>"] != 2 {
		t.Fatalf("results %v", n)
	}
	q.Add("b")
	if q.Len() != 0 || !q.ShuttingDown() {
		t.Fatal("add after shutdown was queued")
	}
}
