package iptables

import (
	"context"
	"testing"
)

func TestSaveLine(t *testing.T) {
	for _, tc := range []struct {
		j    Jump
		want string
	}{
		{Jump{Table: "nat", Chain: "OUTPUT", Rule: []string{"-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"}},
			`-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES`},
		{Jump{Table: "filter", Chain: "FORWARD", Rule: []string{"-m", "conntrack", "--ctstate", "NEW", "-j", "KUBE-FORWARD"}},
			`-A FORWARD -m conntrack --ctstate NEW -j KUBE-FORWARD`},
		{Jump{Table: "nat", Chain: "OUTPUT", Rule: []string{"-m", "comment", "--comment", `say "hi"`, "-j", "X"}},
			`-A OUTPUT -m comment --comment "say \"hi\"" -j X`},
	} {
		if got := tc.j.SaveLine(); got != tc.want {
			t.Errorf("SaveLine = %s, want %s", got, tc.want)
		}
	}
}

// counting counts the EnsureJump calls that reach the wrapped Interface.
type counting struct {
	Interface
	ensures int
}

func (c *counting) EnsureJump(ctx context.Context, j Jump) error {
	c.ensures++
	return c.Interface.EnsureJump(ctx, j)
}

// The Fake's save has no rules: every jump goes through EnsureJump.
func TestEnsureJumpsFallsBackToEnsureJump(t *testing.T) {
	c := &counting{Interface: &Fake{}}
	jumps := []Jump{
		{Table: "nat", Chain: "OUTPUT", Rule: []string{"-j", "A"}},
		{Table: "filter", Chain: "INPUT", Rule: []string{"-j", "B"}},
	}
	if err := EnsureJumps(context.Background(), c, jumps); err != nil || c.ensures != 2 {
		t.Errorf("EnsureJumps: %v, %d EnsureJump calls, want 2", err, c.ensures)
	}
}
