package kubeproxy

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/spf13/pflag"

	pkgiptables "minik8s/pkg/iptables"
)

// Options is every setting of kube-proxy, with its flag and default.
type Options struct {
	APIServer      string        // --apiserver: URL of the apiserver
	Kubeconfig     string        // --kubeconfig: server, CA and client certificate (--apiserver, if set, overrides the server)
	RequestTimeout time.Duration // --request-timeout: per apiserver request
	NodeName       string        // --hostname-override (alias --node-name): this node's Node name (default: the hostname)
	NodeIP         string        // --node-ip: this node's address (logged; Kubernetes uses it for LB source ranges)
	ClusterCIDR    string        // --cluster-cidr: pod CIDR; traffic to a cluster IP from outside it is masqueraded
	MinSyncPeriod  time.Duration // --min-sync-period: at most one sync per period (changes are batched)
	SyncPeriod     time.Duration // --sync-period: a (partial) sync at least this often
	MasqueradeBit  int           // --masquerade-bit: the KUBE-MARK-MASQ mark is 1<<bit
	MasqueradeAll  bool          // --masquerade-all: masquerade all traffic to cluster IPs
	Backend        string        // --iptables-backend: auto, legacy or nft (pkg/iptables; the network agent's)
	Conntrack      bool          // --conntrack-cleanup: clear stale UDP conntrack entries
}

// DefaultOptions returns the defaults (Kubernetes' where it has one).
func DefaultOptions() Options {
	return Options{
		APIServer:      "http://127.0.0.1:6443",
		RequestTimeout: 30 * time.Second,
		ClusterCIDR:    "10.244.0.0/16",
		MinSyncPeriod:  time.Second,
		SyncPeriod:     30 * time.Second,
		MasqueradeBit:  14,
		Backend:        string(pkgiptables.DefaultBackend),
		Conntrack:      true,
	}
}

// AddFlags registers the flags on fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.APIServer, "apiserver", o.APIServer, "URL of the apiserver")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "kubeconfig file with the apiserver, its CA and this component's client certificate (made by `minik8s certs`)")
	fs.DurationVar(&o.RequestTimeout, "request-timeout", o.RequestTimeout, "timeout of one apiserver request (not watches)")
	fs.StringVar(&o.NodeName, "hostname-override", o.NodeName, "name of this node's Node object (default: the hostname)")
	fs.StringVar(&o.NodeName, "node-name", o.NodeName, "alias of --hostname-override")
	fs.StringVar(&o.NodeIP, "node-ip", o.NodeIP, "this node's IPv4 address")
	fs.StringVar(&o.ClusterCIDR, "cluster-cidr", o.ClusterCIDR, "pod CIDR of the cluster (traffic to a cluster IP from outside it is masqueraded; empty: none)")
	fs.DurationVar(&o.MinSyncPeriod, "min-sync-period", o.MinSyncPeriod, "minimum time between two syncs (changes in between are batched)")
	fs.DurationVar(&o.SyncPeriod, "sync-period", o.SyncPeriod, "a sync at least this often (a partial one; every chain is rewritten and the jump rules checked hourly)")
	fs.IntVar(&o.MasqueradeBit, "masquerade-bit", o.MasqueradeBit, "bit of the fwmark that marks packets to masquerade (0-31)")
	fs.BoolVar(&o.MasqueradeAll, "masquerade-all", o.MasqueradeAll, "masquerade all traffic sent to cluster IPs")
	fs.StringVar(&o.Backend, "iptables-backend", o.Backend, "iptables backend: legacy, nft or auto (detected as the network agent does; see docs/kubeproxy.md)")
	fs.BoolVar(&o.Conntrack, "conntrack-cleanup", o.Conntrack, "delete the conntrack entries of UDP Services that lead to no serving endpoint")
}

// Complete fills the defaults that depend on the machine.
func (o *Options) Complete() error {
	if o.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("hostname: %w", err)
		}
		o.NodeName = h // as the kubelet names its Node
	}
	return nil
}

// Validate checks the options.
func (o *Options) Validate() error {
	var errs []error
	if o.NodeName == "" {
		errs = append(errs, errors.New("--hostname-override is required"))
	}
	if o.NodeIP != "" {
		if a, err := netip.ParseAddr(o.NodeIP); err != nil || !a.Is4() {
			errs = append(errs, fmt.Errorf("--node-ip %q: want an IPv4 address", o.NodeIP))
		}
	}
	if o.ClusterCIDR != "" {
		if p, err := netip.ParsePrefix(o.ClusterCIDR); err != nil || !p.Addr().Is4() {
			errs = append(errs, fmt.Errorf("--cluster-cidr %q: want an IPv4 CIDR", o.ClusterCIDR))
		}
	}
	if o.MinSyncPeriod < 0 {
		errs = append(errs, fmt.Errorf("--min-sync-period %v: must not be negative", o.MinSyncPeriod))
	}
	if o.SyncPeriod <= 0 || o.SyncPeriod < o.MinSyncPeriod {
		errs = append(errs, fmt.Errorf("--sync-period %v: must be positive and at least --min-sync-period", o.SyncPeriod))
	}
	if o.MasqueradeBit < 0 || o.MasqueradeBit > 31 {
		errs = append(errs, fmt.Errorf("--masquerade-bit %d: want 0-31", o.MasqueradeBit))
	}
	if _, err := pkgiptables.ParseBackend(o.Backend); err != nil {
		errs = append(errs, fmt.Errorf("--iptables-backend: %w", err))
	}
	return errors.Join(errs...)
}

// MasqueradeMark is 1<<MasqueradeBit as iptables prints it ("0x4000").
func (o *Options) MasqueradeMark() string { return fmt.Sprintf("%#x", uint32(1)<<o.MasqueradeBit) }
