package leaderelection

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// Config configures an election. LeaseDuration > RenewDeadline >
// RetryPeriod, as client-go requires.
type Config struct {
	Client    *client.Client
	Namespace string // default kube-system
	Name      string // the lease's name
	Identity  string // this candidate, unique

	LeaseDuration time.Duration // default 15s
	RenewDeadline time.Duration // default 10s
	RetryPeriod   time.Duration // default 2s
	// ReleaseOnCancel clears the holder when ctx ends, so another
	// candidate takes over at once.
	ReleaseOnCancel bool

	// OnStartedLeading runs (in its own goroutine) when this candidate
	// becomes the leader; its ctx ends when leadership is lost.
	OnStartedLeading func(ctx context.Context)
	// OnStoppedLeading runs when leading stops (also on ctx end).
	OnStoppedLeading func()
	// OnNewLeader is told every new leader identity seen.
	OnNewLeader func(identity string)

	Now  func() time.Time
	Logf func(format string, args ...any)
}

// Elector runs one candidate.
type Elector struct {
	cfg Config

	mu         sync.Mutex
	observed   Record
	observedRV string
	observedAt time.Time
	leader     string
}

// New checks cfg and returns an elector.
func New(cfg Config) (*Elector, error) {
	if cfg.Namespace == "" {
		cfg.Namespace = "kube-system"
	}
	if cfg.LeaseDuration == 0 {
		cfg.LeaseDuration = 15 * time.Second
	}
	if cfg.RenewDeadline == 0 {
		cfg.RenewDeadline = 10 * time.Second
	}
	if cfg.RetryPeriod == 0 {
		cfg.RetryPeriod = 2 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logf == nil {
		cfg.Logf = log.Printf
	}
	switch {
	case cfg.Client == nil || cfg.Name == "" || cfg.Identity == "":
		return nil, errors.New("leaderelection: client, lease name and identity are required")
	case cfg.OnStartedLeading == nil:
		return nil, errors.New("leaderelection: OnStartedLeading is required")
	case cfg.LeaseDuration <= cfg.RenewDeadline:
		return nil, errors.New("leaderelection: lease duration must be greater than the renew deadline")
	case cfg.RenewDeadline <= cfg.RetryPeriod:
		return nil, errors.New("leaderelection: renew deadline must be greater than the retry period")
	}
	return &Elector{cfg: cfg}, nil
}

// IsLeader reports whether this candidate holds the lease as last seen.
func (e *Elector) IsLeader() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.observed.HolderIdentity == e.cfg.Identity
}

// Leader is the last holder seen.
func (e *Elector) Leader() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.observed.HolderIdentity
}

// Run campaigns until it leads, runs OnStartedLeading, and renews until
// renewal fails for RenewDeadline or ctx ends. It returns when leading
// stops (nil if ctx ended, an error if leadership was lost); a process
// that lost it should exit, as kube-scheduler does.
func (e *Elector) Run(ctx context.Context) error {
	if !e.acquire(ctx) {
		return nil
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.cfg.OnStartedLeading(lctx)
	}()
	err := e.renew(ctx)
	cancel()
	<-done
	if e.cfg.OnStoppedLeading != nil {
		e.cfg.OnStoppedLeading()
	}
	if e.cfg.ReleaseOnCancel && ctx.Err() != nil {
		e.release()
	}
	return err
}

// acquire retries until the lease is ours (true) or ctx ends (false).
func (e *Elector) acquire(ctx context.Context) bool {
	for {
		ok, err := e.tryAcquireOrRenew(ctx)
		if err != nil && ctx.Err() == nil {
			e.cfg.Logf("leaderelection: %s/%s: %v", e.cfg.Namespace, e.cfg.Name, err)
		}
		if ok {
			e.cfg.Logf("leaderelection: %s acquired lease %s/%s", e.cfg.Identity, e.cfg.Namespace, e.cfg.Name)
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(e.cfg.RetryPeriod):
		}
	}
}

// renew renews every RetryPeriod; it fails when no renewal succeeded for
// RenewDeadline.
func (e *Elector) renew(ctx context.Context) error {
	last := e.cfg.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(e.cfg.RetryPeriod):
		}
		rctx, cancel := context.WithTimeout(ctx, e.cfg.RenewDeadline)
		ok, err := e.tryAcquireOrRenew(rctx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		if ok {
			last = e.cfg.Now()
			continue
		}
		if err != nil {
			e.cfg.Logf("leaderelection: renewing %s/%s: %v", e.cfg.Namespace, e.cfg.Name, err)
		}
		if !e.IsLeader() || e.cfg.Now().Sub(last) >= e.cfg.RenewDeadline {
			return fmt.Errorf("leaderelection: %s lost lease %s/%s", e.cfg.Identity, e.cfg.Namespace, e.cfg.Name)
		}
	}
}

func (e *Elector) leases() *client.Resource[*api.Lease] {
	return client.Typed[*api.Lease](e.cfg.Client, e.cfg.Namespace)
}

// observe remembers what was read, restarting the expiry clock when the
// lease changed.
func (e *Elector) observe(r Record, rv string) {
	e.mu.Lock()
	changed := rv != e.observedRV
	if changed {
		e.observed, e.observedRV, e.observedAt = r, rv, e.cfg.Now()
	}
	newLeader := r.HolderIdentity != "" && r.HolderIdentity != e.leader
	if newLeader {
		e.leader = r.HolderIdentity
	}
	e.mu.Unlock()
	if newLeader && e.cfg.OnNewLeader != nil {
		e.cfg.OnNewLeader(r.HolderIdentity)
	}
}

// tryAcquireOrRenew reads the lease and takes or renews it if it may.
func (e *Elector) tryAcquireOrRenew(ctx context.Context) (bool, error) {
	now := e.cfg.Now()
	l, err := e.leases().Get(ctx, e.cfg.Name)
	if client.IsNotFound(err) {
		rec := Next(e.cfg.Identity, Record{}, Acquire, e.cfg.LeaseDuration, now)
		rec.LeaseTransitions = 0 // a new lease has had no transition
		created, err := e.leases().Create(ctx, &api.Lease{
			TypeMeta:   api.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
			ObjectMeta: api.ObjectMeta{Name: e.cfg.Name, Namespace: e.cfg.Namespace},
			Spec:       SpecOf(rec),
		})
		if err != nil {
			return false, fmt.Errorf("create lease: %w", err)
		}
		e.observe(rec, created.ResourceVersion)
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("get lease: %w", err)
	}
	cur := RecordOf(l)
	e.observe(cur, l.ResourceVersion)
	e.mu.Lock()
	observedAt := e.observedAt
	e.mu.Unlock()
	d := Decide(e.cfg.Identity, cur, observedAt, now)
	if d == Wait {
		return false, nil
	}
	rec := Next(e.cfg.Identity, cur, d, e.cfg.LeaseDuration, now)
	l.Spec = SpecOf(rec)
	updated, err := e.leases().Update(ctx, l) // resourceVersion guards against a racing candidate
	if err != nil {
		return false, fmt.Errorf("update lease: %w", err)
	}
	e.observe(rec, updated.ResourceVersion)
	return true, nil
}

// release clears the holder so the next candidate need not wait.
func (e *Elector) release() {
	ctx, cancel := context.WithTimeout(context.Background(), e.cfg.RenewDeadline)
	defer cancel()
	l, err := e.leases().Get(ctx, e.cfg.Name)
	if err != nil || RecordOf(l).HolderIdentity != e.cfg.Identity {
		return
	}
	rec := RecordOf(l)
	rec.HolderIdentity = ""
	rec.LeaseDurationSeconds = 1
	rec.RenewTime = e.cfg.Now()
	l.Spec = SpecOf(rec)
	if _, err := e.leases().Update(ctx, l); err != nil {
		e.cfg.Logf("leaderelection: releasing %s/%s: %v", e.cfg.Namespace, e.cfg.Name, err)
	}
}
