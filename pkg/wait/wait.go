// Package wait runs work periodically (the small part of Kubernetes'
// util/wait that minik8s needs).
package wait

import (
	"context"
	"time"
)

// Every calls fn at once and then every period until ctx ends. An error fn
// returns while ctx is still live goes to onError (nil: dropped); the next
// tick calls fn again, so a failing step is retried at the period.
func Every(ctx context.Context, period time.Duration, fn func(context.Context) error, onError func(error)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if err := fn(ctx); err != nil && ctx.Err() == nil && onError != nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
