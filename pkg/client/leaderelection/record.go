package leaderelection

import (
	"time"

	"minik8s/pkg/api"
)

// Record is the state of a lease.
type Record struct {
	HolderIdentity       string
	LeaseDurationSeconds int32
	AcquireTime          time.Time
	RenewTime            time.Time
	LeaseTransitions     int32
}

// RecordOf reads a lease's spec.
func RecordOf(l *api.Lease) Record {
	var r Record
	if l.Spec.HolderIdentity != nil {
		r.HolderIdentity = *l.Spec.HolderIdentity
	}
	if l.Spec.LeaseDurationSeconds != nil {
		r.LeaseDurationSeconds = *l.Spec.LeaseDurationSeconds
	}
	if l.Spec.AcquireTime != nil {
		r.AcquireTime = l.Spec.AcquireTime.Time
	}
	if l.Spec.RenewTime != nil {
		r.RenewTime = l.Spec.RenewTime.Time
	}
	if l.Spec.LeaseTransitions != nil {
		r.LeaseTransitions = *l.Spec.LeaseTransitions
	}
	return r
}

// SpecOf is the lease spec of a record.
func SpecOf(r Record) api.LeaseSpec {
	holder, dur, tr := r.HolderIdentity, r.LeaseDurationSeconds, r.LeaseTransitions
	acq, ren := api.MicroTime{Time: r.AcquireTime}, api.MicroTime{Time: r.RenewTime}
	return api.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &dur, AcquireTime: &acq, RenewTime: &ren, LeaseTransitions: &tr}
}

// Decision is what a candidate does with the lease it read.
type Decision int

// Decisions.
const (
	// Wait: someone else holds a lease that has not expired.
	Wait Decision = iota
	// Acquire: the lease is free or expired; take it (a transition).
	Acquire
	// Renew: we hold it; write a new renew time.
	Renew
)

// Decide is the pure rule of tryAcquireOrRenew: me is the candidate,
// cur the lease as read, observedAt when this candidate first saw cur
// unchanged (its own clock), now the current time.
func Decide(me string, cur Record, observedAt, now time.Time) Decision {
	switch {
	case cur.HolderIdentity == me:
		return Renew
	case cur.HolderIdentity == "":
		return Acquire // released
	case observedAt.Add(time.Duration(cur.LeaseDurationSeconds) * time.Second).After(now):
		return Wait
	}
	return Acquire
}

// Next is the record to write for a decision (Wait has none).
func Next(me string, cur Record, d Decision, leaseDuration time.Duration, now time.Time) Record {
	n := Record{HolderIdentity: me, LeaseDurationSeconds: int32(leaseDuration / time.Second), RenewTime: now,
		AcquireTime: cur.AcquireTime, LeaseTransitions: cur.LeaseTransitions}
	if n.LeaseDurationSeconds < 1 {
		n.LeaseDurationSeconds = 1
	}
	if d == Acquire {
		n.AcquireTime = now
		if cur.HolderIdentity != me { // a released lease too, as client-go
			n.LeaseTransitions++
		}
	}
	return n
}
