package containerd

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Hierarchy is one cgroup hierarchy of /proc/self/cgroup.
type Hierarchy struct {
	Controllers string // "memory", "cpu,cpuacct", "name=systemd"; "" for cgroup v2
}

// ParseProcCgroup parses /proc/<pid>/cgroup into its hierarchies.
func ParseProcCgroup(b []byte) []Hierarchy {
	var out []Hierarchy
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.SplitN(sc.Text(), ":", 3)
		if len(f) != 3 {
			continue
		}
		out = append(out, Hierarchy{Controllers: f[1]})
	}
	return out
}

// ensureCgroupFS makes the cgroup hierarchies visible at root when they are
// not: `ip netns exec` (how the kubelet runs on a lab node) gives the process
// a private mount namespace with a fresh /sys without them. Mounting them
// again there (same controller sets, so the same hierarchies) affects this
// process's mount namespace only. With the hierarchies already visible it
// does nothing.
func ensureCgroupFS(root string) error {
	entries, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("cgroup root %s: %w", root, err)
	}
	if len(entries) > 0 {
		return nil
	}
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return fmt.Errorf("own cgroups: %w", err)
	}
	hs := ParseProcCgroup(b)
	if len(hs) == 1 && hs[0].Controllers == "" {
		if err := unix.Mount("cgroup2", root, "cgroup2", 0, ""); err != nil {
			return fmt.Errorf("mount cgroup2 at %s: %w", root, err)
		}
		return nil
	}
	if err := unix.Mount("tmpfs", root, "tmpfs", 0, "mode=755"); err != nil {
		return fmt.Errorf("mount tmpfs at %s: %w", root, err)
	}
	for _, h := range hs {
		if h.Controllers == "" {
			// The v2 part of a hybrid setup: runc makes pod cgroups there too,
			// and removeCgroup must see them to remove them.
			dir := filepath.Join(root, "unified")
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("cgroup dir: %w", err)
			}
			if err := unix.Mount("cgroup2", dir, "cgroup2", 0, ""); err != nil {
				return fmt.Errorf("mount cgroup2 at %s: %w", dir, err)
			}
			continue
		}
		name := strings.TrimPrefix(h.Controllers, "name=")
		opts := h.Controllers
		if strings.HasPrefix(h.Controllers, "name=") {
			opts = "none," + h.Controllers
		}
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("cgroup dir: %w", err)
		}
		if err := unix.Mount("cgroup", dir, "cgroup", 0, opts); err != nil {
			return fmt.Errorf("mount cgroup %s at %s: %w", opts, dir, err)
		}
	}
	return nil
}
