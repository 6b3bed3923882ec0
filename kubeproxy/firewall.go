package kubeproxy

import (
	"context"
	"fmt"

	"minik8s/kubeproxy/iptables"
	pkgiptables "minik8s/pkg/iptables"
)

// Firewall is kube-proxy's iptables seam.
type Firewall interface {
	// Restore feeds payload to iptables-restore --noflush (one
	// transaction per table).
	Restore(ctx context.Context, payload []byte) error
	// SaveChains lists the chains of table (iptables-save -t table).
	SaveChains(ctx context.Context, table string) ([]string, error)
	// EnsureJumps inserts each jump first in its built-in chain unless it
	// is there (the chains they lead to exist: a full sync's restore made
	// them).
	EnsureJumps(ctx context.Context, jumps []iptables.Jump) error
}

// NewFirewall is the Firewall of a pkg/iptables runner (the node's
// backend, shared with the network agent; pkg/iptables.Fake in tests).
func NewFirewall(r pkgiptables.Interface) Firewall { return runnerFirewall{r} }

type runnerFirewall struct{ r pkgiptables.Interface }

func (f runnerFirewall) Restore(ctx context.Context, payload []byte) error {
	return f.r.Restore(ctx, payload)
}

func (f runnerFirewall) SaveChains(ctx context.Context, table string) ([]string, error) {
	return f.r.Chains(ctx, table)
}

func (f runnerFirewall) EnsureJumps(ctx context.Context, jumps []iptables.Jump) error {
	for _, j := range jumps {
		if err := f.r.EnsureJump(ctx, pkgiptables.Jump{Table: j.Table, Chain: j.Chain, Rule: j.Rule}); err != nil {
			return fmt.Errorf("jump to %s: %w", j.Target, err)
		}
	}
	return nil
}
