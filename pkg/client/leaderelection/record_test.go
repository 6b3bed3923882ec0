package leaderelection

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestDecide(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	held := func(who string) Record { return Record{HolderIdentity: who, LeaseDurationSeconds: 15, RenewTime: t0} }
	tests := []struct {
		name       string
		cur        Record
		observedAt time.Time
		now        time.Time
		want       Decision
	}{
		{"ours: renew", held("me"), t0, t0.Add(time.Hour), Renew},
		{"released: acquire", Record{}, t0, t0, Acquire},
		{"held and fresh: wait", held("other"), t0, t0.Add(14 * time.Second), Wait},
		{"held, seen unchanged for the duration: acquire", held("other"), t0, t0.Add(15 * time.Second), Acquire},
		// The holder's renew time is from its clock; only our observation counts.
		{"renew time far in the past but just observed: wait", Record{HolderIdentity: "other", LeaseDurationSeconds: 15, RenewTime: t0.Add(-time.Hour)}, t0, t0.Add(time.Second), Wait},
	}
	for _, tt := range tests {
		if got := Decide("me", tt.cur, tt.observedAt, tt.now); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestNext(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Minute)
	cur := Record{HolderIdentity: "other", LeaseDurationSeconds: 15, AcquireTime: t0, RenewTime: t0, LeaseTransitions: 2}
	got := Next("me", cur, Acquire, 10*time.Second, t1)
	want := Record{HolderIdentity: "me", LeaseDurationSeconds: 10, AcquireTime: t1, RenewTime: t1, LeaseTransitions: 3}
	if got != want {
		t.Errorf("acquire: %+v, want %+v", got, want)
	}
	mine := Record{HolderIdentity: "me", LeaseDurationSeconds: 10, AcquireTime: t0, RenewTime: t0, LeaseTransitions: 3}
	got = Next("me", mine, Renew, 10*time.Second, t1)
	want = Record{HolderIdentity: "me", LeaseDurationSeconds: 10, AcquireTime: t0, RenewTime: t1, LeaseTransitions: 3}
	if got != want {
		t.Errorf("renew: %+v, want %+v", got, want)
	}
	released := Record{LeaseDurationSeconds: 1, AcquireTime: t0, RenewTime: t0, LeaseTransitions: 4}
	if got := Next("me", released, Acquire, 10*time.Second, t1); got.LeaseTransitions != 5 || got.AcquireTime != t1 {
		t.Errorf("acquire of a released lease: %+v", got)
	}
	// Round trip through the API type.
	if back := RecordOf(ptr(leaseWith(SpecOf(want)))); back.HolderIdentity != "me" || back.LeaseTransitions != 3 || !back.RenewTime.Equal(t1) {
		t.Errorf("round trip: %+v", back)
	}
}

func leaseWith(s api.LeaseSpec) api.Lease { return api.Lease{Spec: s} }

func ptr[T any](v T) *T { return &v }
