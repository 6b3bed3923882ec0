package iptables

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	goipt "github.com/coreos/go-iptables/iptables"
)

// Interface is the iptables seam of a component (Runner; Fake in tests).
type Interface interface {
	// Backend is the concrete backend in use (Legacy or NFT).
	Backend() Backend
	// Restore feeds payload to iptables-restore --noflush --wait: one
	// transaction per table; chains the payload declares are flushed,
	// others are kept.
	Restore(ctx context.Context, payload []byte) error
	// Save is iptables-save -t table.
	Save(ctx context.Context, table string) ([]byte, error)
	// Chains lists the chains of a table.
	Chains(ctx context.Context, table string) ([]string, error)
	// EnsureJump puts j in its built-in chain unless it is there.
	EnsureJump(ctx context.Context, j Jump) error
	// DeleteJump removes j if it is there.
	DeleteJump(ctx context.Context, j Jump) error
}

// Jump is a rule in a built-in chain that sends traffic to a component's
// chain. It is checked with -C and, when missing, inserted first (-I
// CHAIN 1), or appended if Append.
type Jump struct {
	Table, Chain string
	Rule         []string
	Append       bool
}

func (j Jump) String() string {
	return j.Table + "/" + j.Chain + ": " + strings.Join(j.Rule, " ")
}

// WaitSeconds is how long a Runner's commands wait for the xtables lock.
const WaitSeconds = 5

// Runner is the Interface of the iptables commands of one backend, in the
// calling process's network namespace.
type Runner struct {
	backend Backend
	cmds    Commands
	ipt     *goipt.IPTables
}

var _ Interface = (*Runner)(nil)

// New returns the Runner of backend b; Auto is resolved first (see
// Detect, DetectBackend).
func New(ctx context.Context, b Backend) (*Runner, error) {
	if b == Auto || b == "" {
		var err error
		if b, err = DetectBackend(ctx); err != nil {
			return nil, err
		}
	}
	if b != Legacy && b != NFT {
		return nil, fmt.Errorf("iptables backend %q: want legacy or nft", b)
	}
	cmds := CommandsFor(b)
	for _, c := range []string{cmds.Save, cmds.Restore} {
		if _, err := exec.LookPath(c); err != nil {
			return nil, fmt.Errorf("iptables backend %s: %w", b, err)
		}
	}
	ipt, err := goipt.New(goipt.Path(cmds.IPTables), goipt.Timeout(WaitSeconds))
	if err != nil {
		return nil, fmt.Errorf("iptables backend %s: %w", b, err)
	}
	return &Runner{backend: b, cmds: cmds, ipt: ipt}, nil
}

// DetectBackend probes both backends in this network namespace and
// chooses with Detect.
func DetectBackend(ctx context.Context) (Backend, error) {
	var probes [2]Probe
	for i, b := range []Backend{Legacy, NFT} {
		probes[i] = probe(ctx, CommandsFor(b))
	}
	return Detect(probes[0], probes[1])
}

// probe reads what one backend holds: the hint from its mangle table, its
// chains and rules from nat and filter.
func probe(ctx context.Context, c Commands) Probe {
	var p Probe
	if _, err := exec.LookPath(c.Save); err != nil {
		return p
	}
	mangle, err := run(ctx, nil, c.Save, "-t", "mangle")
	if err != nil {
		return p
	}
	p.Available = true
	for _, ch := range ParseChains(mangle) {
		if ch == HintChain {
			p.Hint = true
		}
	}
	for _, t := range []string{"nat", "filter"} {
		if out, err := run(ctx, nil, c.Save, "-t", t); err == nil {
			ProbeSave(&p, out)
		}
	}
	return p
}

func run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
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

// Backend implements Interface.
func (r *Runner) Backend() Backend { return r.backend }

// Commands are the binaries the Runner uses.
func (r *Runner) Commands() Commands { return r.cmds }

// Restore implements Interface.
func (r *Runner) Restore(ctx context.Context, payload []byte) error {
	_, err := run(ctx, payload, r.cmds.Restore, "--noflush", "--wait", fmt.Sprint(WaitSeconds))
	return err
}

// Save implements Interface.
func (r *Runner) Save(ctx context.Context, table string) ([]byte, error) {
	return run(ctx, nil, r.cmds.Save, "-t", table)
}

// Chains implements Interface.
func (r *Runner) Chains(ctx context.Context, table string) ([]string, error) {
	out, err := r.Save(ctx, table)
	if err != nil {
		return nil, err
	}
	return ParseChains(out), nil
}

// EnsureJump implements Interface.
func (r *Runner) EnsureJump(ctx context.Context, j Jump) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ok, err := r.ipt.Exists(j.Table, j.Chain, j.Rule...)
	if err != nil {
		return fmt.Errorf("checking jump %s: %w", j, err)
	}
	if ok {
		return nil
	}
	if j.Append {
		err = r.ipt.Append(j.Table, j.Chain, j.Rule...)
	} else {
		err = r.ipt.Insert(j.Table, j.Chain, 1, j.Rule...)
	}
	if err != nil {
		return fmt.Errorf("adding jump %s: %w", j, err)
	}
	return nil
}

// DeleteJump implements Interface.
func (r *Runner) DeleteJump(ctx context.Context, j Jump) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := r.ipt.DeleteIfExists(j.Table, j.Chain, j.Rule...); err != nil {
		var e *goipt.Error
		if errors.As(err, &e) && e.IsNotExist() {
			return nil
		}
		return fmt.Errorf("deleting jump %s: %w", j, err)
	}
	return nil
}
