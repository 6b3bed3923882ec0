package integration

// leaderelection.RunLeading, the campaign loop of the scheduler and the
// controller-manager, against a real apiserver.

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
	"minik8s/pkg/client/leaderelection"
)

func runLeadingConfig(c *mkclient.Client, id string) leaderelection.Config {
	return leaderelection.Config{Client: c, Name: "runleading", Identity: id,
		LeaseDuration: 1500 * time.Millisecond, RenewDeadline: time.Second, RetryPeriod: 100 * time.Millisecond,
		Logf: func(string, ...any) {}}
}

// TestRunLeading: run runs while leading; losing the lease ends run's ctx
// and the candidate campaigns again; a run error gives the lease up and is
// returned; ctx ending returns nil.
func TestRunLeading(t *testing.T) {
	_, c := gcClient(t)
	leases := mkclient.Typed[*api.Lease](c, "kube-system")
	holder := func() string {
		l, err := leases.Get(context.Background(), "runleading")
		if err != nil || l.Spec.HolderIdentity == nil {
			return ""
		}
		return *l.Spec.HolderIdentity
	}
	// Lose the lease to a thief: run stops, and starts again once the
	// thief's lease (never renewed) has expired.
	var starts, stops atomic.Int32
	fail := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- leaderelection.RunLeading(ctx, runLeadingConfig(c, "a"), func(ctx context.Context) error {
			starts.Add(1)
			defer stops.Add(1)
			select {
			case <-ctx.Done():
				return nil
			case <-fail:
				return errors.New("broken")
			}
		})
	}()
	gcEventually(t, "a leads", func() bool { return starts.Load() == 1 && holder() == "a" })
	l, err := leases.Get(context.Background(), "runleading")
	if err != nil {
		t.Fatal(err)
	}
	thief := "thief"
	now := api.MicroTime{Time: time.Now()}
	l.Spec.HolderIdentity, l.Spec.RenewTime = &thief, &now
	if _, err := leases.Update(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	gcEventually(t, "run's ctx to end after the loss", func() bool { return stops.Load() == 1 })
	gcEventually(t, "a to lead again", func() bool { return starts.Load() == 2 && holder() == "a" })

	// A run error gives the lease up at once and is returned.
	close(fail)
	select {
	case err := <-done:
		if err == nil || err.Error() != "broken" {
			t.Fatalf("RunLeading returned %v, want run's error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("RunLeading did not return after run failed")
	}
	if h := holder(); h != "" {
		t.Fatalf("the lease is still held by %q after run failed", h)
	}

	// ctx ending stops run and returns nil.
	ctx2, cancel2 := context.WithCancel(context.Background())
	done2 := make(chan error, 1)
	var led atomic.Bool
	go func() {
		done2 <- leaderelection.RunLeading(ctx2, runLeadingConfig(c, "b"), func(ctx context.Context) error {
			led.Store(true)
			<-ctx.Done()
			return nil
		})
	}()
	gcEventually(t, "b leads", func() bool { return led.Load() && holder() == "b" })
	cancel2()
	select {
	case err := <-done2:
		if err != nil {
			t.Fatalf("RunLeading returned %v after ctx ended, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("RunLeading did not return after ctx ended")
	}
}
