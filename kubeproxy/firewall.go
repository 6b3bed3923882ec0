package kubeproxy

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	goiptables "github.com/coreos/go-iptables/iptables"

	"minik8s/kubeproxy/iptables"
)

// Firewall is kube-proxy's iptables seam.
type Firewall interface {
	// Restore feeds payload to iptables-restore --noflush (one
	// transaction per table).
	Restore(ctx context.Context, payload []byte) error
	// SaveChains lists the chains of table (iptables-save -t table).
	SaveChains(ctx context.Context, table string) ([]string, error)
	// EnsureJumps makes each jump's target chain exist and inserts the
	// jump first in its built-in chain unless it is there.
	EnsureJumps(ctx context.Context, jumps []iptables.Jump) error
}

// iptables backends (--iptables-backend).
const (
	BackendAuto   = "auto"   // the system's iptables (its alternatives)
	BackendLegacy = "legacy" // iptables-legacy: the x_tables kernel API
	BackendNFT    = "nft"    // iptables-nft: nf_tables
)

// Exec is the Firewall of the iptables commands of one backend, run in the
// process's network namespace; the jump rules go through go-iptables.
type Exec struct {
	Backend string
}

var _ Firewall = (*Exec)(nil)

// command is the backend's name of an iptables command ("iptables",
// "iptables-restore", "iptables-save").
func (e *Exec) command(base string) string {
	switch e.Backend {
	case BackendLegacy:
		return strings.Replace(base, "iptables", "iptables-legacy", 1)
	case BackendNFT:
		return strings.Replace(base, "iptables", "iptables-nft", 1)
	}
	return base
}

func run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.Bytes(), nil
}

// Restore implements Firewall.
func (e *Exec) Restore(ctx context.Context, payload []byte) error {
	_, err := run(ctx, payload, e.command("iptables-restore"), "-w", "5", "--noflush")
	return err
}

// SaveChains implements Firewall.
func (e *Exec) SaveChains(ctx context.Context, table string) ([]string, error) {
	out, err := run(ctx, nil, e.command("iptables-save"), "-t", table)
	if err != nil {
		return nil, err
	}
	return ParseChains(out), nil
}

// EnsureJumps implements Firewall.
func (e *Exec) EnsureJumps(_ context.Context, jumps []iptables.Jump) error {
	ipt, err := goiptables.New(goiptables.Path(e.command("iptables")), goiptables.Timeout(5))
	if err != nil {
		return fmt.Errorf("iptables (%s): %w", e.command("iptables"), err)
	}
	for _, j := range jumps {
		exists, err := ipt.ChainExists(j.Table, j.Target)
		if err != nil {
			return fmt.Errorf("chain %s/%s: %w", j.Table, j.Target, err)
		}
		if !exists {
			if err := ipt.NewChain(j.Table, j.Target); err != nil {
				return fmt.Errorf("create chain %s/%s: %w", j.Table, j.Target, err)
			}
		}
		if err := ipt.InsertUnique(j.Table, j.Chain, 1, j.Rule...); err != nil {
			return fmt.Errorf("jump %s/%s -> %s: %w", j.Table, j.Chain, j.Target, err)
		}
	}
	return nil
}

// ParseChains returns the chain names declared in iptables-save output.
func ParseChains(save []byte) []string {
	var out []string
	for _, l := range strings.Split(string(save), "\n") {
		if strings.HasPrefix(l, ":") {
			if f := strings.Fields(l[1:]); len(f) > 0 {
				out = append(out, f[0])
			}
		}
	}
	return out
}
