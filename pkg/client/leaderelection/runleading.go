package leaderelection

import (
	"context"
	"time"
)

// RunLeading runs run only while this candidate holds the lease, for a
// daemon that should survive losing it: it campaigns, runs run with a ctx
// that ends when leadership is lost, and after a loss campaigns again
// RetryPeriod later (Kubernetes' daemons exit instead and let their
// supervisor restart them). When run fails, the lease is given up at once
// and run's error returned. It returns nil when ctx ends.
// cfg.OnStartedLeading is replaced by run; ReleaseOnCancel is implied.
func RunLeading(ctx context.Context, cfg Config, run func(ctx context.Context) error) error {
	var runErr error
	ectx, ecancel := context.WithCancel(ctx)
	defer ecancel()
	cfg.ReleaseOnCancel = true
	cfg.OnStartedLeading = func(ctx context.Context) {
		if runErr = run(ctx); runErr != nil {
			ecancel() // give the lease up: this candidate is broken
		}
	}
	el, err := New(cfg)
	if err != nil {
		return err
	}
	cfg = el.cfg // with defaults
	for {
		cfg.Logf("leaderelection: %s campaigning for lease %s/%s", cfg.Identity, cfg.Namespace, cfg.Name)
		err := el.Run(ectx)
		// Run returns after run did (it waits for OnStartedLeading).
		if runErr != nil || ctx.Err() != nil {
			return runErr
		}
		cfg.Logf("leaderelection: %v; campaigning again", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(cfg.RetryPeriod):
		}
	}
}
