package workqueue

import (
	"context"
	"sync"
	"time"
)

// SyncFunc reconciles one key. An error requeues the key with its back-off;
// with no error, a positive requeueAfter looks at the key again then, and
// otherwise the key's back-off is forgotten.
type SyncFunc func(ctx context.Context, key string) (requeueAfter time.Duration, err error)

// RunWorkers is a controller's worker loop (sample-controller's
// runWorker/processNextWorkItem): workers goroutines take keys from q and
// sync them until ctx ends; then q is shut down and RunWorkers returns once
// every worker has finished its key. A sync error is passed to report (nil:
// not reported) unless ctx has ended.
func RunWorkers(ctx context.Context, q *Queue, workers int, syncKey SyncFunc, report func(key string, err error)) {
	stop := context.AfterFunc(ctx, q.ShutDown)
	defer stop()
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for processNext(ctx, q, syncKey, report) {
			}
		}()
	}
	wg.Wait()
}

// processNext syncs one key; false once the queue is shut down.
func processNext(ctx context.Context, q *Queue, syncKey SyncFunc, report func(string, error)) bool {
	key, shutdown := q.Get()
	if shutdown {
		return false
	}
	defer q.Done(key)
	after, err := syncKey(ctx, key)
	switch {
	case err != nil:
		if report != nil && ctx.Err() == nil {
			report(key, err)
		}
		q.AddRateLimited(key)
	case after > 0:
		q.Forget(key)
		q.AddAfter(key, after)
	default:
		q.Forget(key)
	}
	return true
}
