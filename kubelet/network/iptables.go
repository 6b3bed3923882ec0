package network

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Firewall is the iptables seam.
type Firewall interface {
	// Chains lists the chains of a table (iptables-save -t TABLE).
	Chains(ctx context.Context, table string) ([]string, error)
	// Restore feeds payload to iptables-restore --noflush (one transaction
	// per table).
	Restore(ctx context.Context, payload []byte) error
	// EnsureJump inserts j first in its chain unless it is there.
	EnsureJump(ctx context.Context, j Jump) error
}

// IPTables is the Firewall of the iptables commands (in the process's
// network namespace).
type IPTables struct{}

var _ Firewall = IPTables{}

func run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
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

// Chains implements Firewall.
func (IPTables) Chains(ctx context.Context, table string) ([]string, error) {
	out, err := run(ctx, nil, "iptables-save", "-t", table)
	if err != nil {
		return nil, err
	}
	return ParseChains(out), nil
}

// Restore implements Firewall.
func (IPTables) Restore(ctx context.Context, payload []byte) error {
	_, err := run(ctx, payload, "iptables-restore", "-w", "5", "--noflush")
	return err
}

// EnsureJump implements Firewall.
func (IPTables) EnsureJump(ctx context.Context, j Jump) error {
	check := append([]string{"-w", "5", "-t", j.Table, "-C", j.Chain}, j.Rule...)
	if _, err := run(ctx, nil, "iptables", check...); err == nil {
		return nil
	}
	insert := append([]string{"-w", "5", "-t", j.Table, "-I", j.Chain, "1"}, j.Rule...)
	_, err := run(ctx, nil, "iptables", insert...)
	return err
}

// Sysctl is the kernel-settings seam.
type Sysctl interface {
	Set(key, value string) error
}

// ProcSysctl writes /proc/sys (the net.* keys of the process's network
// namespace).
type ProcSysctl struct{}

// Set implements Sysctl.
func (ProcSysctl) Set(key, value string) error {
	p := filepath.Join("/proc/sys", strings.ReplaceAll(key, ".", "/"))
	if cur, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(cur)) == value {
		return nil
	}
	if err := os.WriteFile(p, []byte(value), 0o644); err != nil {
		return fmt.Errorf("sysctl %s=%s: %w", key, value, err)
	}
	return nil
}
