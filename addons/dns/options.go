package dns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	mdns "github.com/miekg/dns"
	"github.com/spf13/pflag"

	"minik8s/pkg/client"
)

// Options is every setting of the DNS server, with its flag and default
// (the ports are the contract of the kube-dns add-on: 53 UDP+TCP, 8080
// /health, 8181 /ready, 9153 /metrics, as CoreDNS's).
type Options struct {
	Server         string        // --server: apiserver URL (default: in-cluster, then kubeconfig)
	Kubeconfig     string        // --kubeconfig
	RequestTimeout time.Duration // --request-timeout: per apiserver request
	Listen         string        // --listen: DNS address (UDP and TCP)
	HealthAddr     string        // --health-addr: /health (liveness)
	ReadyAddr      string        // --ready-addr: /ready (readiness: informers synced)
	MetricsAddr    string        // --metrics-addr: /metrics (Prometheus text)
	ClusterDomain  string        // --cluster-domain
	TTL            uint32        // --ttl: of cluster records, seconds
	ServiceCIDR    string        // --service-cidr: its reverse names are answered here
	ClusterCIDR    string        // --cluster-cidr: pod CIDR, likewise
	DNSService     string        // --dns-service: namespace/name of the cluster DNS Service
	Upstreams      []string      // --upstream: resolvers for other names (default: --upstream-resolv)
	UpstreamResolv string        // --upstream-resolv: resolv.conf whose nameservers are the upstreams
	TryTimeout     time.Duration // --forward-timeout: one upstream try
	ForwardBudget  time.Duration // --forward-budget: all tries of one query, then SERVFAIL
	CacheSize      int           // --cache-size: forwarded answers kept (0: no cache)
	CacheMaxTTL    time.Duration // --cache-max-ttl: longest a forwarded answer is kept
	CacheServfail  time.Duration // --cache-servfail: how long a failed forward is remembered
	Debounce       time.Duration // --debounce: changes within this are one snapshot rebuild
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{
		RequestTimeout: 30 * time.Second,
		Listen:         ":53",
		HealthAddr:     ":8080",
		ReadyAddr:      ":8181",
		MetricsAddr:    ":9153",
		ClusterDomain:  "cluster.local",
		TTL:            5,
		ServiceCIDR:    "10.96.0.0/12",
		ClusterCIDR:    "10.244.0.0/16",
		DNSService:     "kube-system/kube-dns",
		UpstreamResolv: "/etc/resolv.conf",
		TryTimeout:     time.Second,
		ForwardBudget:  2 * time.Second,
		CacheSize:      10000,
		CacheMaxTTL:    30 * time.Second, // kubeadm's Corefile: cache 30
		CacheServfail:  5 * time.Second,  // CoreDNS's cache default
		Debounce:       50 * time.Millisecond,
	}
}

// AddFlags registers the flags on fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.Server, "server", o.Server, "URL of the apiserver (default: the kubernetes Service from KUBERNETES_SERVICE_HOST/PORT, else the kubeconfig)")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "kubeconfig file naming the apiserver")
	fs.DurationVar(&o.RequestTimeout, "request-timeout", o.RequestTimeout, "timeout of one apiserver request (not watches)")
	fs.StringVar(&o.Listen, "listen", o.Listen, "address of the DNS server (UDP and TCP)")
	fs.StringVar(&o.HealthAddr, "health-addr", o.HealthAddr, "address of /health, the liveness endpoint (empty: none)")
	fs.StringVar(&o.ReadyAddr, "ready-addr", o.ReadyAddr, "address of /ready, 200 once the caches are synced (empty: none)")
	fs.StringVar(&o.MetricsAddr, "metrics-addr", o.MetricsAddr, "address of /metrics in the Prometheus text format (empty: none)")
	fs.StringVar(&o.ClusterDomain, "cluster-domain", o.ClusterDomain, "the cluster's DNS domain")
	fs.Uint32Var(&o.TTL, "ttl", o.TTL, "TTL of cluster records in seconds")
	fs.StringVar(&o.ServiceCIDR, "service-cidr", o.ServiceCIDR, "service CIDR: reverse lookups of its addresses are answered here, never forwarded (empty: none)")
	fs.StringVar(&o.ClusterCIDR, "cluster-cidr", o.ClusterCIDR, "pod CIDR: reverse lookups of its addresses are answered here, never forwarded (empty: none)")
	fs.StringVar(&o.DNSService, "dns-service", o.DNSService, "namespace/name of the cluster DNS Service (ns.dns.<domain> answers its IP)")
	fs.StringSliceVar(&o.Upstreams, "upstream", o.Upstreams, "upstream resolvers (IP or IP:port, repeatable; default: the nameservers of --upstream-resolv)")
	fs.StringVar(&o.UpstreamResolv, "upstream-resolv", o.UpstreamResolv, "resolv.conf whose nameservers are the upstream resolvers")
	fs.DurationVar(&o.TryTimeout, "forward-timeout", o.TryTimeout, "timeout of one try at an upstream resolver")
	fs.DurationVar(&o.ForwardBudget, "forward-budget", o.ForwardBudget, "time for all tries of one forwarded query; then SERVFAIL")
	fs.IntVar(&o.CacheSize, "cache-size", o.CacheSize, "forwarded answers kept in the cache (0: no cache)")
	fs.DurationVar(&o.CacheMaxTTL, "cache-max-ttl", o.CacheMaxTTL, "longest time a forwarded answer is cached")
	fs.DurationVar(&o.CacheServfail, "cache-servfail", o.CacheServfail, "how long a query no upstream answered fails at once from the cache (0: never)")
	fs.DurationVar(&o.Debounce, "debounce", o.Debounce, "cluster changes within this time make one snapshot rebuild")
}

// Validate checks the options.
func (o *Options) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(o.Listen); err != nil {
		errs = append(errs, fmt.Errorf("--listen %q: %w", o.Listen, err))
	}
	if _, ok := mdns.IsDomainName(o.ClusterDomain); !ok || o.ClusterDomain == "" || o.ClusterDomain == "." {
		errs = append(errs, fmt.Errorf("--cluster-domain %q: not a domain name", o.ClusterDomain))
	}
	if _, err := o.reverseCIDRs(); err != nil {
		errs = append(errs, err)
	}
	if ns, name, ok := strings.Cut(o.DNSService, "/"); !ok || ns == "" || name == "" {
		errs = append(errs, fmt.Errorf("--dns-service %q: want namespace/name", o.DNSService))
	}
	if _, err := ParseUpstreams(o.Upstreams); err != nil {
		errs = append(errs, fmt.Errorf("--upstream: %w", err))
	}
	if o.TryTimeout <= 0 || o.ForwardBudget < o.TryTimeout {
		errs = append(errs, fmt.Errorf("--forward-timeout %v, --forward-budget %v: want 0 < timeout <= budget", o.TryTimeout, o.ForwardBudget))
	}
	if o.CacheSize < 0 || o.CacheMaxTTL < 0 || o.CacheServfail < 0 || o.Debounce < 0 {
		errs = append(errs, errors.New("--cache-size, --cache-max-ttl, --cache-servfail and --debounce must not be negative"))
	}
	return errors.Join(errs...)
}

// reverseCIDRs parses --service-cidr and --cluster-cidr.
func (o *Options) reverseCIDRs() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range []struct{ flag, v string }{{"--service-cidr", o.ServiceCIDR}, {"--cluster-cidr", o.ClusterCIDR}} {
		if f.v == "" {
			continue
		}
		p, err := netip.ParsePrefix(f.v)
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", f.flag, f.v, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// RecordConfig is the records' Config the options describe.
func (o *Options) RecordConfig() Config {
	cidrs, _ := o.reverseCIDRs() // checked by Validate
	return Config{Zone: o.ClusterDomain, TTL: o.TTL, ReverseCIDRs: cidrs, DNSService: o.DNSService}
}

// upstreams are --upstream or, without it, the nameservers of
// --upstream-resolv (none when the file is missing: every forwarded query
// then gets SERVFAIL).
func (o *Options) upstreams() ([]string, error) {
	if len(o.Upstreams) > 0 {
		return ParseUpstreams(o.Upstreams)
	}
	if o.UpstreamResolv == "" {
		return nil, nil
	}
	return UpstreamsFromResolvConf(o.UpstreamResolv)
}

// clientConfig says how to reach the apiserver: --server or --kubeconfig
// when given; in a pod, the kubernetes Service (client.InClusterConfig);
// otherwise the usual kubeconfig search.
func (o *Options) clientConfig() (*client.Config, error) {
	return client.LoadAddonConfig(client.LoadOptions{Server: o.Server, Kubeconfig: o.Kubeconfig})
}
