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
	every(ctx, period, true, fn, onError)
}

// EveryAfter is Every without the call at once: the first call comes one
// period after the start (for work the caller has just done itself).
func EveryAfter(ctx context.Context, period time.Duration, fn func(context.Context) error, onError func(error)) {
	every(ctx, period, false, fn, onError)
}

func every(ctx context.Context, period time.Duration, now bool, fn func(context.Context) error, onError func(error)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if now {
			if err := fn(ctx); err != nil && ctx.Err() == nil && onError != nil {
				onError(err)
			}
		}
		now = true
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
