package network

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/spf13/pflag"

	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/iptables"
)

// Options is every setting of the network agent, with its flag and default.
type Options struct {
	NodeName       string        // --node-name: the Node whose podCIDR this node serves
	NodeIP         string        // --node-ip: published public IP, VTEP local address (default: the interface's first IPv4)
	Interface      string        // --iface: uplink towards the other nodes
	Backend        string        // --backend: vxlan or host-gw
	APIServer      string        // --apiserver: URL (unused when Client is set)
	Kubeconfig     string        // --kubeconfig: server, CA and client certificate (--apiserver, if set, overrides the server)
	ClusterCIDR    string        // --cluster-cidr: every pod of the cluster
	ResyncInterval time.Duration // --resync: full re-sync (re-creates what was deleted by hand)
	Bridge         string        // --bridge: the pod bridge the CNI bridge plugin uses
	MTU            int           // --mtu: pod network MTU; 0 = uplink MTU (minus 50 for vxlan)
	HostPorts      bool          // --hostports: write the KUBE-HOSTPORTS chains
	// IPTablesBackend is --iptables-backend: legacy, nft or auto (detected;
	// kube-proxy on the same node must end up with the same one).
	IPTablesBackend string

	// Client, if set, is used instead of one made from APIServer (the
	// kubelet passes its own).
	Client *client.Client
	// Informers, if set, is the node's shared informer factory (made with
	// cache.NodeScoped; the kubelet passes its own, so one process lists
	// and watches pods and nodes once); nil: the agent makes and runs one.
	Informers *cache.SharedInformerFactory
	// Logf reports what the agent does; nil means the standard logger.
	Logf func(format string, args ...any)
}

// DefaultOptions returns the defaults (DESIGN.md §5).
func DefaultOptions() Options {
	return Options{
		Interface:      "eth0",
		Backend:        BackendVXLAN,
		APIServer:      "http://127.0.0.1:6443",
		ClusterCIDR:    "10.244.0.0/16",
		ResyncInterval: 10 * time.Second,
		Bridge:         "cni0",
		HostPorts:      true,

		IPTablesBackend: string(iptables.DefaultBackend),
	}
}

// AddFlags registers the flags on fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.NodeName, "node-name", o.NodeName, "name of this node's Node object (required)")
	fs.StringVar(&o.NodeIP, "node-ip", o.NodeIP, "this node's address towards the other nodes (default: the first IPv4 of --iface)")
	fs.StringVar(&o.Interface, "iface", o.Interface, "uplink interface towards the other nodes")
	fs.StringVar(&o.Backend, "backend", o.Backend, "cross-node backend: vxlan or host-gw")
	fs.StringVar(&o.APIServer, "apiserver", o.APIServer, "URL of the apiserver")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "kubeconfig file with the apiserver, its CA and this component's client certificate (made by `minik8s certs`)")
	fs.StringVar(&o.ClusterCIDR, "cluster-cidr", o.ClusterCIDR, "pod CIDR of the whole cluster")
	fs.DurationVar(&o.ResyncInterval, "resync", o.ResyncInterval, "period of the full re-sync of routes and rules")
	fs.StringVar(&o.Bridge, "bridge", o.Bridge, "pod bridge (the CNI bridge plugin's bridge)")
	fs.IntVar(&o.MTU, "mtu", o.MTU, "pod network MTU (0: the uplink's, minus 50 for vxlan)")
	fs.BoolVar(&o.HostPorts, "hostports", o.HostPorts, "write the KUBE-HOSTPORTS DNAT chains for pods' hostPorts")
	fs.StringVar(&o.IPTablesBackend, "iptables-backend", o.IPTablesBackend, "iptables backend: legacy, nft or auto (the one the node already uses, else legacy); kube-proxy must use the same")
}

// Validate checks the options.
func (o *Options) Validate() error {
	if o.NodeName == "" {
		return fmt.Errorf("--node-name is required")
	}
	if o.Backend != BackendVXLAN && o.Backend != BackendHostGW {
		return fmt.Errorf("--backend %q: want %s or %s", o.Backend, BackendVXLAN, BackendHostGW)
	}
	if p, err := netip.ParsePrefix(o.ClusterCIDR); err != nil || !p.Addr().Is4() {
		return fmt.Errorf("--cluster-cidr %q: want an IPv4 CIDR", o.ClusterCIDR)
	}
	if o.NodeIP != "" {
		if a, err := netip.ParseAddr(o.NodeIP); err != nil || !a.Is4() {
			return fmt.Errorf("--node-ip %q: want an IPv4 address", o.NodeIP)
		}
	}
	if _, err := iptables.ParseBackend(o.IPTablesBackend); err != nil {
		return fmt.Errorf("--iptables-backend: %w", err)
	}
	if o.ResyncInterval <= 0 {
		return fmt.Errorf("--resync must be positive")
	}
	if o.Interface == "" || o.Bridge == "" {
		return fmt.Errorf("--iface and --bridge are required")
	}
	if o.Client == nil && o.APIServer == "" {
		return fmt.Errorf("--apiserver is required")
	}
	return nil
}

// MTU is the pod network's MTU for a backend over an uplink of uplinkMTU,
// unless set explicitly: what the CNI conflist's "mtu" should say.
func MTU(backend string, uplinkMTU, explicit int) int {
	if explicit > 0 {
		return explicit
	}
	if backend == BackendVXLAN {
		return uplinkMTU - VXLANOverhead
	}
	return uplinkMTU
}
