package apiserver

import (
	"time"

	"github.com/spf13/pflag"

	"minik8s/apiserver/metrics"
)

// Options is every setting of the apiserver, with its flag and default.
type Options struct {
	BindAddress           string        // --bind-address: one address or a comma-separated list
	Port                  int           // --port (0: a free port, for tests)
	DataDir               string        // --data-dir: embedded etcd data
	EtcdServers           []string      // --etcd-servers: external etcd instead of embedded
	EtcdLogFile           string        // --etcd-log-file: embedded etcd log (default stderr)
	EtcdLogLevel          string        // --etcd-log-level: embedded etcd log level (default warn)
	ServiceClusterIPRange string        // --service-cluster-ip-range
	ServiceNodePortRange  string        // --service-node-port-range
	RequestTimeout        time.Duration // --request-timeout: non-watch requests
	MaxWatchTimeout       time.Duration // --max-watch-timeout: longest watch before the client must re-watch
	BookmarkInterval      time.Duration // --bookmark-interval
	CompactionInterval    time.Duration // --compaction-interval: 0 disables auto compaction
	CompactionRetention   int64         // --compaction-retention: revisions kept by auto compaction
	MaxBodyBytes          int64         // request body limit
	AccessLog             bool          // --access-log
	UnsafeNoFsync         bool          // tests only: embedded etcd without fsync
	KubeletDialNetns      string        // --kubelet-dial-netns: reach kubelets from inside this network namespace (the lab)
	ProxyAllowLoopback    bool          // tests only: pods/proxy and services/proxy may dial loopback addresses

	DefaultNotReadyTolerationSeconds    int64  // --default-not-ready-toleration-seconds: added to every new pod
	DefaultUnreachableTolerationSeconds int64  // --default-unreachable-toleration-seconds: added to every new pod
	AdvertiseAddress                    string // --advertise-address: where the kubernetes Service's endpoints point ("": the first non-loopback bind address, else 127.0.0.1)

	MetricsResolution time.Duration // --metrics-resolution: how often the kubelets' /stats/summary are scraped for metrics.k8s.io (0: never)
	// MetricsFetcher replaces the kubelets as the source of summaries (tests).
	MetricsFetcher metrics.SummaryFetcher
	// KubernetesServiceInterval is how often the kubernetes Service and its
	// endpoints are checked (0: every 10 s); tests shorten it.
	KubernetesServiceInterval time.Duration
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{
		BindAddress:           "127.0.0.1",
		Port:                  6443,
		DataDir:               "/var/lib/minik8s/etcd",
		EtcdLogLevel:          "warn",
		ServiceClusterIPRange: "10.96.0.0/12",
		ServiceNodePortRange:  "30000-32767",
		RequestTimeout:        60 * time.Second,
		MaxWatchTimeout:       30 * time.Minute,
		BookmarkInterval:      time.Minute,
		CompactionInterval:    5 * time.Minute,
		CompactionRetention:   10000,
		MaxBodyBytes:          3 << 20,

		DefaultNotReadyTolerationSeconds:    300,
		DefaultUnreachableTolerationSeconds: 300,
		MetricsResolution:                   metrics.DefaultResolution,
	}
}

// AddFlags registers the flags on fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.BindAddress, "bind-address", o.BindAddress, "address(es) to serve on, comma-separated (e.g. 127.0.0.1,192.168.77.1)")
	fs.IntVar(&o.Port, "port", o.Port, "port to serve plain HTTP on")
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "data directory of the embedded etcd (kept across restarts)")
	fs.StringSliceVar(&o.EtcdServers, "etcd-servers", o.EtcdServers, "external etcd endpoints (http://a:2379,http://b:2379) instead of the embedded etcd")
	fs.StringVar(&o.EtcdLogFile, "etcd-log-file", o.EtcdLogFile, "log file of the embedded etcd (default stderr, warnings only)")
	fs.StringVar(&o.EtcdLogLevel, "etcd-log-level", o.EtcdLogLevel, "log level of the embedded etcd (debug, info, warn, error, fatal)")
	fs.StringVar(&o.ServiceClusterIPRange, "service-cluster-ip-range", o.ServiceClusterIPRange, "CIDR service cluster IPs are allocated from")
	fs.StringVar(&o.ServiceNodePortRange, "service-node-port-range", o.ServiceNodePortRange, "port range NodePorts are allocated from")
	fs.DurationVar(&o.RequestTimeout, "request-timeout", o.RequestTimeout, "timeout of non-watch requests")
	fs.DurationVar(&o.MaxWatchTimeout, "max-watch-timeout", o.MaxWatchTimeout, "longest a watch stays open")
	fs.DurationVar(&o.BookmarkInterval, "bookmark-interval", o.BookmarkInterval, "interval of watch BOOKMARK events")
	fs.DurationVar(&o.CompactionInterval, "compaction-interval", o.CompactionInterval, "interval of etcd auto compaction (0 disables)")
	fs.Int64Var(&o.CompactionRetention, "compaction-retention", o.CompactionRetention, "number of recent revisions auto compaction keeps")
	fs.BoolVar(&o.AccessLog, "access-log", o.AccessLog, "log every request")
	fs.Int64Var(&o.DefaultNotReadyTolerationSeconds, "default-not-ready-toleration-seconds", o.DefaultNotReadyTolerationSeconds,
		"tolerationSeconds of the toleration for notReady:NoExecute that is added by default to every pod that does not already have such a toleration")
	fs.Int64Var(&o.DefaultUnreachableTolerationSeconds, "default-unreachable-toleration-seconds", o.DefaultUnreachableTolerationSeconds,
		"tolerationSeconds of the toleration for unreachable:NoExecute that is added by default to every pod that does not already have such a toleration")
	fs.StringVar(&o.AdvertiseAddress, "advertise-address", o.AdvertiseAddress, "IP address the kubernetes Service (10.96.0.1:443) forwards to (default: the first non-loopback --bind-address, else 127.0.0.1)")
	fs.DurationVar(&o.MetricsResolution, "metrics-resolution", o.MetricsResolution, "how often the kubelets' /stats/summary are scraped for the resource metrics API (metrics.k8s.io; kubectl top, HPA); 0 disables")
	fs.StringVar(&o.KubeletDialNetns, "kubelet-dial-netns", o.KubeletDialNetns, "network namespace (path, or name under /run/netns) to dial kubelets from, for logs and exec (the lab's node addresses exist only there)")
}
