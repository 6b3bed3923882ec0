package controller

import "sync"

// SlowStartInitialBatchSize is the first batch of SlowStartBatch
// (Kubernetes' SlowStartInitialBatchSize).
const SlowStartInitialBatchSize = 1

// SlowStartBatch calls fn count times in batches of doubling size (1, 2, 4,
// ...), each batch in parallel, and stops after the first batch with an
// error, so a controller that cannot create pods (quota, bad template)
// fails with one call instead of hundreds. It returns how many calls
// succeeded and the first error.
func SlowStartBatch(count, initialBatchSize int, fn func() error) (int, error) {
	remaining := count
	successes := 0
	for batch := min(remaining, initialBatchSize); batch > 0; batch = min(2*batch, remaining) {
		errCh := make(chan error, batch)
		var wg sync.WaitGroup
		wg.Add(batch)
		for i := 0; i < batch; i++ {
			go func() {
				defer wg.Done()
				if err := fn(); err != nil {
					errCh <- err
				}
			}()
		}
		wg.Wait()
		curSuccesses := batch - len(errCh)
		successes += curSuccesses
		if len(errCh) > 0 {
			return successes, <-errCh
		}
		remaining -= batch
	}
	return successes, nil
}
