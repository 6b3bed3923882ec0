package containerd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/containerd/containerd"

	"minik8s/kubelet/runtime"
	"minik8s/kubelet/runtime/cni"
)

var _ runtime.Runtime = (*Runtime)(nil)

// Options configure the containerd runtime of one node.
type Options struct {
	Address      string   // containerd socket; /run/containerd/containerd.sock
	Namespace    string   // containerd namespace of this node; k8s.io
	RootDir      string   // per-sandbox files (RootDir/sandboxes/<id>); /var/lib/minik8s/runtime
	CNIConfDir   string   // /etc/cni/net.d
	CNIBinDirs   []string // /usr/lib/cni, /opt/cni/bin
	CNICacheDir  string   // libcni's cache; RootDir/cni-cache
	CgroupRoot   string   // parent of pod cgroups when a sandbox has no CgroupParent: <root>/pod<uid>; /minik8s
	PauseImage   string   // docker.io/minik8s/pause:3.9
	NodeIP       string   // the IP of hostNetwork pods
	HostResolv   string   // resolv.conf used when a sandbox has no DNS config; /etc/resolv.conf
	HostHosts    string   // the node's hosts file, the base of hostNetwork pods' /etc/hosts; /etc/hosts
	Registry     string   // mirror for docker.io pulls, e.g. http://192.168.77.1:5000 (empty: Docker Hub)
	StopTimeout  time.Duration
	DialTimeout  time.Duration
	CgroupFSRoot string // /sys/fs/cgroup
	// LoggerBinary is the minik8s binary whose container-logger writes
	// CRI-format container logs (logger.go); default: this process's
	// executable when it is minik8s. "" after defaults: plain-text logs.
	LoggerBinary string
}

func (o *Options) defaults() {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&o.Address, "/run/containerd/containerd.sock")
	def(&o.Namespace, "k8s.io")
	def(&o.RootDir, "/var/lib/minik8s/runtime")
	def(&o.CNIConfDir, "/etc/cni/net.d")
	def(&o.CNICacheDir, filepath.Join(o.RootDir, "cni-cache"))
	def(&o.CgroupRoot, "/minik8s")
	def(&o.PauseImage, "docker.io/minik8s/pause:3.9")
	def(&o.HostResolv, "/etc/resolv.conf")
	def(&o.HostHosts, "/etc/hosts")
	def(&o.CgroupFSRoot, "/sys/fs/cgroup")
	if o.LoggerBinary == "" {
		o.LoggerBinary = defaultLoggerBinary()
	}
	if len(o.CNIBinDirs) == 0 {
		o.CNIBinDirs = []string{"/usr/lib/cni", "/opt/cni/bin"}
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = 10 * time.Second
	}
}

// Runtime is runtime.Runtime on containerd.
type Runtime struct {
	opts   Options
	client *containerd.Client
	net    *cni.Network
	stdins stdinFIFOs // containers created with stdin (stdin.go)
}

// New connects to containerd.
func New(ctx context.Context, opts Options) (*Runtime, error) {
	opts.defaults()
	client, err := containerd.New(opts.Address, containerd.WithDefaultNamespace(opts.Namespace), containerd.WithTimeout(opts.DialTimeout))
	if err != nil {
		return nil, fmt.Errorf("connect to containerd at %s: %w", opts.Address, err)
	}
	if err := os.MkdirAll(filepath.Join(opts.RootDir, "sandboxes"), 0o755); err != nil {
		client.Close()
		return nil, fmt.Errorf("runtime root: %w", err)
	}
	if err := ensureCgroupFS(opts.CgroupFSRoot); err != nil {
		client.Close()
		return nil, err
	}
	return &Runtime{
		opts:   opts,
		client: client,
		net:    &cni.Network{ConfDir: opts.CNIConfDir, BinDirs: opts.CNIBinDirs, CacheDir: opts.CNICacheDir},
	}, nil
}

// Close closes the containerd connection.
func (r *Runtime) Close() error { return r.client.Close() }

// Client is the containerd client (for tests and tools).
func (r *Runtime) Client() *containerd.Client { return r.client }

// Version implements runtime.Runtime.
func (r *Runtime) Version(ctx context.Context) (string, error) {
	v, err := r.client.Version(ctx)
	if err != nil {
		return "", fmt.Errorf("containerd version: %w", err)
	}
	return "containerd://" + strings.TrimPrefix(v.Version, "v"), nil
}
