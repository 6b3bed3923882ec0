package network

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"minik8s/pkg/iptables"
)

// Firewall is the iptables seam: pkg/iptables' Runner, or its Fake.
type Firewall = iptables.Interface

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
