package stats

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// CgroupProvider reads usage from the cgroup filesystem (Provider): the
// node from NodeCgroup, pod UID from <PodsRoot>/pod<UID>, container ID
// from <PodsRoot>/pod<UID>/<ID>. The hierarchy layout (v1/hybrid or v2)
// is found on the first successful read (NodeCgroup is made then if
// missing); the containerd runtime mounts the hierarchies in a lab node's
// private mount namespace before the first read.
type CgroupProvider struct {
	FSRoot     string           // where the hierarchies are mounted; /sys/fs/cgroup
	Meminfo    string           // /proc/meminfo (the v2 root's memory usage)
	PodsRoot   string           // the kubelet's --cgroup-root, e.g. /minik8s/node1
	NodeCgroup string           // --node-stats-cgroup; "/" is the whole machine
	Now        func() time.Time // stamps each read; time.Now when nil

	mu     sync.Mutex // guards layout and buf: reads are serialised
	layout *layout
	buf    []byte
}

// layout is where the files of a cgroup are.
type layout struct {
	v2      bool
	cpuacct string // v1: the directory of the hierarchy with cpuacct
	memory  string // v1: the directory of the memory hierarchy
}

// NewCgroupProvider returns a provider on /sys/fs/cgroup and /proc/meminfo.
func NewCgroupProvider(podsRoot, nodeCgroup string) *CgroupProvider {
	return &CgroupProvider{FSRoot: "/sys/fs/cgroup", Meminfo: "/proc/meminfo", PodsRoot: podsRoot, NodeCgroup: nodeCgroup}
}

// detectLayout finds the hierarchies under root: v2 when root is a
// cgroup2 mount (it has cgroup.controllers); otherwise v1, the cpuacct
// controller alone or co-mounted with cpu, and memory.
func detectLayout(root string) (*layout, error) {
	if exists(filepath.Join(root, "cgroup.controllers")) {
		return &layout{v2: true}, nil
	}
	l := &layout{}
	for _, d := range []string{"cpuacct", "cpu,cpuacct", "cpuacct,cpu"} {
		if exists(filepath.Join(root, d, "cpuacct.usage")) {
			l.cpuacct = filepath.Join(root, d)
			break
		}
	}
	if exists(filepath.Join(root, "memory", "memory.usage_in_bytes")) {
		l.memory = filepath.Join(root, "memory")
	}
	if l.cpuacct == "" || l.memory == "" {
		return nil, fmt.Errorf("cgroups at %s: neither cgroup2 nor v1 cpuacct and memory hierarchies", root)
	}
	return l, nil
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Read implements Provider.
func (p *CgroupProvider) Read(_ context.Context, pods []Pod) (*Snapshot, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.layout == nil {
		l, err := detectLayout(p.FSRoot)
		if err != nil {
			return nil, err
		}
		p.layout = l
		p.ensureNodeCgroup()
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	t := now()
	n := 0
	for _, pod := range pods {
		n += len(pod.Containers)
	}
	snap := &Snapshot{Pods: make(map[string]Usage, len(pods)), Containers: make(map[string]Usage, n)}
	if u, err := p.read(p.NodeCgroup); err == nil {
		u.Time = t
		snap.Node = &u
	}
	podsRoot := strings.TrimRight(p.PodsRoot, "/")
	for _, pod := range pods {
		dir := podsRoot + "/pod" + pod.UID
		u, err := p.read(dir)
		if err != nil {
			continue // the pod is gone, or its cgroup not made yet
		}
		u.Time = t
		snap.Pods[pod.UID] = u
		for _, c := range pod.Containers {
			if u, err := p.read(dir + "/" + c.ID); err == nil {
				u.Time = t
				snap.Containers[c.ID] = u
			}
		}
	}
	return snap, nil
}

// ensureNodeCgroup makes NodeCgroup in the hierarchies read when it is
// missing (best effort): a lab node's cgroup parent exists only once its
// first pod runs, and until then the node's usage is that of the empty
// cgroup, not none.
func (p *CgroupProvider) ensureNodeCgroup() {
	path := strings.Trim(p.NodeCgroup, "/")
	if path == "" {
		return
	}
	dirs := []string{p.FSRoot}
	if !p.layout.v2 {
		dirs = []string{p.layout.cpuacct, p.layout.memory}
	}
	for _, d := range dirs {
		_ = os.MkdirAll(filepath.Join(d, path), 0o755)
	}
}

// read reads the usage of the cgroup at path (relative to every
// hierarchy's root, "/" for the root). Each file is parsed as it is read
// (the buffer is reused).
func (p *CgroupProvider) read(path string) (Usage, error) {
	path = strings.TrimRight(path, "/")
	var cpu, mem uint64
	var st memoryStat
	if p.layout.v2 {
		dir := p.FSRoot + path + "/"
		b, err := p.file(dir + "cpu.stat")
		if err != nil {
			return Usage{}, err
		}
		if cpu, err = parseCPUStatV2(b); err != nil {
			return Usage{}, fmt.Errorf("%scpu.stat: %w", dir, err)
		}
		// The root has memory.stat only on newer kernels, and never
		// memory.current: its usage is MemTotal-MemFree (runc's
		// statsFromMeminfo).
		if b, err = p.file(dir + "memory.stat"); err == nil {
			st = parseMemoryStat(b, true)
		} else if path != "" {
			return Usage{}, err
		}
		if path == "" {
			if b, err = p.file(p.Meminfo); err != nil {
				return Usage{}, err
			}
			total, free, err := parseMeminfo(b)
			if err != nil {
				return Usage{}, fmt.Errorf("%s: %w", p.Meminfo, err)
			}
			mem = total - min(free, total)
		} else {
			if b, err = p.file(dir + "memory.current"); err != nil {
				return Usage{}, err
			}
			if mem, err = parseUint(b); err != nil {
				return Usage{}, fmt.Errorf("%smemory.current: %w", dir, err)
			}
		}
		return usageFrom(cpu, mem, st), nil
	}
	b, err := p.file(p.layout.cpuacct + path + "/cpuacct.usage")
	if err != nil {
		return Usage{}, err
	}
	if cpu, err = parseUint(b); err != nil {
		return Usage{}, fmt.Errorf("%s%s/cpuacct.usage: %w", p.layout.cpuacct, path, err)
	}
	mdir := p.layout.memory + path
	if b, err = p.file(mdir + "/memory.usage_in_bytes"); err != nil {
		return Usage{}, err
	}
	if mem, err = parseUint(b); err != nil {
		return Usage{}, fmt.Errorf("%s/memory.usage_in_bytes: %w", mdir, err)
	}
	if b, err = p.file(mdir + "/memory.stat"); err != nil {
		return Usage{}, err
	}
	return usageFrom(cpu, mem, parseMemoryStat(b, false)), nil
}

// file reads a (small) file into p.buf and returns its contents, valid
// until the next call.
func (p *CgroupProvider) file(path string) ([]byte, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	if p.buf == nil {
		p.buf = make([]byte, 8192)
	}
	n := 0
	for {
		if n == len(p.buf) {
			p.buf = append(p.buf, make([]byte, len(p.buf))...)
		}
		m, err := syscall.Read(fd, p.buf[n:])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		if m == 0 {
			return p.buf[:n], nil
		}
		n += m
	}
}
