package kubelet

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/pflag"
)

// Options is every setting of the kubelet, with its flag and default.
type Options struct {
	NodeName            string        // --node-name (default: the hostname)
	NodeIP              string        // --node-ip: InternalIP, and where the kubelet serves
	APIServer           string        // --apiserver: URL of the apiserver
	Kubeconfig          string        // --kubeconfig: server, CA and client certificate (--apiserver, if set, overrides the server)
	PodCIDR             string        // --pod-cidr: used until the Node has spec.podCIDR
	ContainerdAddress   string        // --containerd-address
	ContainerdNamespace string        // --containerd-namespace (default: the node name)
	RootDir             string        // --root-dir (default /var/lib/minik8s/nodes/<node>)
	CgroupRoot          string        // --cgroup-root (default /minik8s/<node>)
	Port                int           // --port: kubelet HTTP server (logs, exec)
	CNIConfDir          string        // --cni-conf-dir
	CNIBinDirs          []string      // --cni-bin-dir
	HeartbeatInterval   time.Duration // --node-status-update-frequency (alias --heartbeat-interval): how often the node status is computed
	// NodeStatusReportFrequency (--node-status-report-frequency) is how
	// often an unchanged node status is written anyway.
	NodeStatusReportFrequency time.Duration
	// NodeLeaseDurationSeconds (--node-lease-duration-seconds) is the
	// duration of the node's Lease, renewed every quarter of it.
	NodeLeaseDurationSeconds int32
	SyncInterval             time.Duration // --sync-interval: periodic resync of every pod
	RelistInterval           time.Duration // --relist-interval: how often the runtime is listed for changes
	PauseImage               string        // --pause-image
	RegistryMirror           string        // --registry-mirror
	MaxPods                  int           // --max-pods
	Workers                  int           // --workers: pods synced in parallel
	NetworkBackend           string        // --network-backend: vxlan, host-gw, or none (no network agent)
	NetworkInterface         string        // --network-interface: uplink to the other nodes (default: the one holding --node-ip)
	ClusterCIDR              string        // --cluster-cidr: every pod of the cluster
	// HousekeepingInterval (--housekeeping-interval) is how often resource
	// usage is sampled: /stats/summary's CPU rates are over this window.
	HousekeepingInterval time.Duration
	// NodeStatsCgroup (--node-stats-cgroup) is the cgroup whose usage is
	// the node's in /stats/summary: "/" is the whole machine.
	NodeStatsCgroup string
	ClusterDNS      []string // --cluster-dns: nameservers of ClusterFirst pods (the kube-dns Service IP)
	ClusterDomain   string   // --cluster-domain: the cluster's DNS domain, for pods' search paths
	ResolvConf      string   // --resolv-conf: the node's resolver file, base of dnsPolicy Default ("": none)

	// The kubelet API's security (kubelet/auth*.go, docs/security/lockdown.md).
	Auth AuthOptions
}

// DefaultOptions returns the defaults (node-dependent ones are filled in by Complete).
func DefaultOptions() Options {
	return Options{
		APIServer:                 "http://127.0.0.1:6443",
		ContainerdAddress:         "/run/containerd/containerd.sock",
		Port:                      10250,
		CNIBinDirs:                []string{"/usr/lib/cni", "/opt/cni/bin"},
		HeartbeatInterval:         10 * time.Second,
		NodeStatusReportFrequency: 5 * time.Minute,
		NodeLeaseDurationSeconds:  40,
		SyncInterval:              10 * time.Second,
		RelistInterval:            time.Second,
		PauseImage:                "docker.io/minik8s/pause:3.9",
		MaxPods:                   110,
		Workers:                   4,
		NetworkBackend:            "vxlan",
		ClusterCIDR:               "10.244.0.0/16",
		HousekeepingInterval:      10 * time.Second,
		NodeStatsCgroup:           "/",
		ClusterDomain:             "cluster.local",
		ResolvConf:                "/etc/resolv.conf",
		Auth:                      DefaultAuthOptions(),
	}
}

// AddFlags registers the flags on fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.NodeName, "node-name", o.NodeName, "name of the Node this kubelet registers (default: the hostname)")
	fs.StringVar(&o.NodeIP, "node-ip", o.NodeIP, "the node's InternalIP; the kubelet serves logs and exec on it")
	fs.StringVar(&o.APIServer, "apiserver", o.APIServer, "URL of the apiserver")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "kubeconfig file with the apiserver, its CA and this component's client certificate (made by `minik8s certs`)")
	fs.StringVar(&o.PodCIDR, "pod-cidr", o.PodCIDR, "pod CIDR of this node, used until the Node has spec.podCIDR")
	fs.StringVar(&o.ContainerdAddress, "containerd-address", o.ContainerdAddress, "containerd socket")
	fs.StringVar(&o.ContainerdNamespace, "containerd-namespace", o.ContainerdNamespace, "containerd namespace of this node's containers (default: the node name)")
	fs.StringVar(&o.RootDir, "root-dir", o.RootDir, "per-pod state: volumes, logs (default /var/lib/minik8s/nodes/<node>)")
	fs.StringVar(&o.CgroupRoot, "cgroup-root", o.CgroupRoot, "cgroup parent of the pods (default /minik8s/<node>)")
	fs.IntVar(&o.Port, "port", o.Port, "port of the kubelet HTTP server (logs, exec) on the node IP")
	fs.StringVar(&o.CNIConfDir, "cni-conf-dir", o.CNIConfDir, "CNI configuration directory the kubelet writes the node's conflist to (default <root-dir>/cni/net.d)")
	fs.StringSliceVar(&o.CNIBinDirs, "cni-bin-dir", o.CNIBinDirs, "CNI plugin directories")
	fs.DurationVar(&o.HeartbeatInterval, "node-status-update-frequency", o.HeartbeatInterval, "how often the kubelet computes the node status; it is written when it changed or --node-status-report-frequency passed")
	fs.DurationVar(&o.HeartbeatInterval, "heartbeat-interval", o.HeartbeatInterval, "alias of --node-status-update-frequency")
	fs.DurationVar(&o.NodeStatusReportFrequency, "node-status-report-frequency", o.NodeStatusReportFrequency, "how often the kubelet writes the node status when it did not change")
	fs.Int32Var(&o.NodeLeaseDurationSeconds, "node-lease-duration-seconds", o.NodeLeaseDurationSeconds, "duration of the node's Lease in kube-node-lease; the kubelet renews it every quarter of it")
	fs.DurationVar(&o.SyncInterval, "sync-interval", o.SyncInterval, "interval of the periodic resync of every pod")
	fs.DurationVar(&o.RelistInterval, "relist-interval", o.RelistInterval, "interval of the runtime relist that notices container changes")
	fs.StringVar(&o.PauseImage, "pause-image", o.PauseImage, "image of the pod sandbox (pause) container")
	fs.StringVar(&o.RegistryMirror, "registry-mirror", o.RegistryMirror, "registry mirror for image pulls (host[:port])")
	fs.IntVar(&o.MaxPods, "max-pods", o.MaxPods, "pods capacity of the node")
	fs.IntVar(&o.Workers, "workers", o.Workers, "pods synced in parallel")
	fs.StringVar(&o.NetworkBackend, "network-backend", o.NetworkBackend, "pod network across nodes: vxlan, host-gw, or none (no network agent)")
	fs.StringVar(&o.NetworkInterface, "network-interface", o.NetworkInterface, "uplink towards the other nodes (default: the interface holding --node-ip, else eth0)")
	fs.StringVar(&o.ClusterCIDR, "cluster-cidr", o.ClusterCIDR, "pod CIDR of the whole cluster")
	fs.DurationVar(&o.HousekeepingInterval, "housekeeping-interval", o.HousekeepingInterval, "how often resource usage is sampled (the window of /stats/summary's CPU rates)")
	fs.StringVar(&o.NodeStatsCgroup, "node-stats-cgroup", o.NodeStatsCgroup, "cgroup whose usage /stats/summary reports as the node's (\"/\": the whole machine)")
	fs.StringSliceVar(&o.ClusterDNS, "cluster-dns", o.ClusterDNS, "comma-separated DNS server IPs of pods with dnsPolicy ClusterFirst (e.g. 10.96.0.10); without it those pods fall back to Default")
	fs.StringVar(&o.ClusterDomain, "cluster-domain", o.ClusterDomain, "the cluster's DNS domain; pods search <ns>.svc.<domain> svc.<domain> <domain>")
	fs.StringVar(&o.ResolvConf, "resolv-conf", o.ResolvConf, "resolver configuration of the node, the base of pods' DNS (\"\": none, pods of dnsPolicy Default get 127.0.0.1)")
	o.Auth.AddFlags(fs) // auth_options.go
}

// Complete fills in the node-dependent defaults and checks the options.
func (o *Options) Complete() error {
	if o.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("--node-name not given and no hostname: %w", err)
		}
		o.NodeName = h
	}
	if o.ContainerdNamespace == "" {
		o.ContainerdNamespace = o.NodeName
	}
	if o.RootDir == "" {
		o.RootDir = filepath.Join("/var/lib/minik8s/nodes", o.NodeName)
	}
	if o.CNIConfDir == "" {
		o.CNIConfDir = filepath.Join(o.RootDir, "cni", "net.d")
	}
	if o.CgroupRoot == "" {
		o.CgroupRoot = "/minik8s/" + o.NodeName
	}
	if o.Workers < 1 {
		o.Workers = 1
	}
	if o.NodeStatsCgroup == "" {
		o.NodeStatsCgroup = "/"
	}
	if o.HeartbeatInterval <= 0 || o.SyncInterval <= 0 || o.RelistInterval <= 0 || o.NodeStatusReportFrequency <= 0 || o.HousekeepingInterval <= 0 {
		return fmt.Errorf("intervals must be positive")
	}
	if o.NodeLeaseDurationSeconds <= 0 {
		return fmt.Errorf("--node-lease-duration-seconds must be positive")
	}
	for _, ip := range o.ClusterDNS {
		if net.ParseIP(ip) == nil {
			return fmt.Errorf("--cluster-dns %q is not an IP address", ip)
		}
	}
	if err := o.Auth.Validate(); err != nil {
		return err
	}
	switch o.NetworkBackend {
	case "vxlan", "host-gw", "none":
	default:
		return fmt.Errorf("--network-backend %q: want vxlan, host-gw or none", o.NetworkBackend)
	}
	return nil
}
