package nodelifecycle

import (
	"reflect"
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestZoneKey(t *testing.T) {
	n := &api.Node{}
	if zoneKey(n) != "" {
		t.Errorf("no labels: %q", zoneKey(n))
	}
	n.Labels = map[string]string{labelRegion: "r1", labelZone: "z1"}
	if zoneKey(n) != "r1:\x00:z1" {
		t.Errorf("zone key %q", zoneKey(n))
	}
}

// The cases of Kubernetes' TestComputeZoneState-like tables.
func TestComputeZoneState(t *testing.T) {
	c := func(s string) *api.NodeCondition { return &api.NodeCondition{Type: api.NodeReady, Status: s} }
	T, F, U := c("True"), c("False"), c("Unknown")
	tests := []struct {
		conds []*api.NodeCondition
		want  zoneState
		bad   int
	}{
		{[]*api.NodeCondition{T, T}, stateNormal, 0},
		{[]*api.NodeCondition{T, U}, stateNormal, 1},
		{[]*api.NodeCondition{U, F}, stateFullDisruption, 2},
		{[]*api.NodeCondition{nil}, stateFullDisruption, 1},
		{[]*api.NodeCondition{T, U, U}, stateNormal, 2}, // two are never a partial disruption
		{[]*api.NodeCondition{T, U, U, F}, statePartialDisruption, 3},
		{[]*api.NodeCondition{T, T, T, U, U, F}, stateNormal, 3}, // 3/6 < 0.55
		{[]*api.NodeCondition{T, T, U, U, F}, statePartialDisruption, 3},
	}
	for i, tt := range tests {
		bad, st := computeZoneState(tt.conds, 0.55)
		if st != tt.want || bad != tt.bad {
			t.Errorf("case %d: %d %s, want %d %s", i, bad, st, tt.bad, tt.want)
		}
	}
}

func TestZoneRate(t *testing.T) {
	cfg := DefaultConfig()
	for _, tt := range []struct {
		st   zoneState
		size int
		want float64
	}{
		{stateNormal, 3, 0.1},
		{stateFullDisruption, 3, 0.1},
		{statePartialDisruption, 3, 0},
		{statePartialDisruption, 50, 0},
		{statePartialDisruption, 51, 0.01},
	} {
		if got := zoneRate(tt.st, tt.size, &cfg); got != tt.want {
			t.Errorf("%s size %d: %v, want %v", tt.st, tt.size, got, tt.want)
		}
	}
}

func TestTainterRateLimit(t *testing.T) {
	tn := &tainter{limiter: newTokenBucket(0.1, t0)}
	tn.add("a")
	tn.add("b")
	tn.add("a") // once
	tn.add("c")
	if got := tn.take(t0); !reflect.DeepEqual(got, []string{"a"}) {
		t.Fatalf("at 0s: %v, want [a] (a burst of one)", got)
	}
	if got := tn.take(t0.Add(5 * time.Second)); len(got) != 0 {
		t.Fatalf("at 5s: %v, want none (0.1/s)", got)
	}
	if got := tn.take(t0.Add(10 * time.Second)); !reflect.DeepEqual(got, []string{"b"}) {
		t.Fatalf("at 10s: %v, want [b]", got)
	}
	tn.remove("c")
	if got := tn.take(t0.Add(30 * time.Second)); len(got) != 0 {
		t.Fatalf("after removing c: %v", got)
	}
	// No rate: nothing ever goes (full disruption of every zone).
	tn.limiter.setRate(0, t0.Add(30*time.Second))
	tn.add("d")
	if got := tn.take(t0.Add(time.Hour)); len(got) != 0 {
		t.Fatalf("rate 0: %v", got)
	}
	tn.limiter.setRate(0.1, t0.Add(time.Hour))
	if got := tn.take(t0.Add(time.Hour)); !reflect.DeepEqual(got, []string{"d"}) {
		t.Fatalf("rate restored: %v, want [d]", got)
	}
}
