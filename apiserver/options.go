package apiserver

import (
	"time"

	"github.com/spf13/pflag"

	"minik8s/apiserver/metrics"
	"minik8s/pkg/auth/authenticator"
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

	// Limits against slow or stuck clients (docs/api.md, Limits).
	MaxRequestsInflight         int           // --max-requests-inflight: concurrent non-mutating requests beyond which 429 (0: no limit)
	MaxMutatingRequestsInflight int           // --max-mutating-requests-inflight: concurrent mutating requests beyond which 429 (0: no limit)
	WatchBufferEvents           int           // events one watch may have waiting for its client before it is closed
	WatchBufferBytes            int           // bytes of encoded events one watch may have waiting before it is closed
	WatchBlockTimeout           time.Duration // how long a full watch buffer waits for the client before the watch is closed
	WatchWriteTimeout           time.Duration // longest one write to a watch (or stream) client may block
	ReadHeaderTimeout           time.Duration // longest a client may take to send a request's headers
	BodyReadTimeout             time.Duration // longest a client may take to send a (non-streaming) request's body
	IdleTimeout                 time.Duration // a keep-alive connection with no request for this long is closed
	AccessLog                   bool          // --access-log
	UnsafeNoFsync               bool          // tests only: embedded etcd without fsync
	KubeletDialNetns            string        // --kubelet-dial-netns: reach kubelets from inside this network namespace (the lab)
	ProxyAllowLoopback          bool          // tests only: pods/proxy and services/proxy may dial loopback addresses

	DefaultNotReadyTolerationSeconds    int64  // --default-not-ready-toleration-seconds: added to every new pod
	DefaultUnreachableTolerationSeconds int64  // --default-unreachable-toleration-seconds: added to every new pod
	AdvertiseAddress                    string // --advertise-address: where the kubernetes Service's endpoints point ("": the first non-loopback bind address, else 127.0.0.1)

	// Serving and authentication (docs/security.md).
	TLSCertFile       string // --tls-cert-file: the serving certificate (PEM)
	TLSPrivateKeyFile string // --tls-private-key-file
	ClientCAFile      string // --client-ca-file: client certificates signed by it authenticate (CN user, O groups)
	// InsecureServing serves plain HTTP with no authentication: every
	// request is the privileged user system:unsecured (system:masters).
	// In-process tests only; no flag sets it.
	InsecureServing bool
	// Authenticator replaces the one built from the flags (in-process
	// tests that need several identities; no flag sets it).
	Authenticator                authenticator.Request
	TokenAuthFile                string   // --token-auth-file: static bearer tokens (CSV token,user,uid,"group1,group2")
	AnonymousAuth                bool     // --anonymous-auth: unauthenticated requests are system:anonymous (else 401)
	ServiceAccountKeyFiles       []string // --service-account-key-file: public (or private) keys that verify ServiceAccount tokens
	ServiceAccountSigningKeyFile string   // --service-account-signing-key-file: private key that signs ServiceAccount tokens
	ServiceAccountIssuer         string   // --service-account-issuer
	APIAudiences                 []string // --api-audiences (default: the issuer)
	ServiceAccountMaxTokenExp    time.Duration
	AuthorizationMode            []string // --authorization-mode: ordered list of AlwaysAllow, AlwaysDeny, Node, RBAC

	KubeletClientCertificate    string // --kubelet-client-certificate: the apiserver's client certificate towards kubelets
	KubeletClientKey            string // --kubelet-client-key
	KubeletCertificateAuthority string // --kubelet-certificate-authority: verifies the kubelets' serving certificates

	EtcdCAFile   string // --etcd-cafile: verifies an external etcd's serving certificate
	EtcdCertFile string // --etcd-certfile: client certificate towards etcd
	EtcdKeyFile  string // --etcd-keyfile

	EncryptionProviderConfig string // --encryption-provider-config: EncryptionConfiguration file (Secrets at rest)
	AuditLogPath             string // --audit-log-path: one JSON audit Event per line ("-": stdout)
	AuditPolicyFile          string // --audit-policy-file: audit.k8s.io/v1 Policy

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

		MaxRequestsInflight:         400,
		MaxMutatingRequestsInflight: 200,
		WatchBufferEvents:           defaultWatchBufferEvents,
		WatchBufferBytes:            defaultWatchBufferBytes,
		WatchBlockTimeout:           defaultWatchBlockTimeout,
		WatchWriteTimeout:           defaultWatchWriteTimeout,
		ReadHeaderTimeout:           32 * time.Second, // Kubernetes' secure serving
		BodyReadTimeout:             60 * time.Second,
		IdleTimeout:                 90 * time.Second, // Kubernetes' secure serving

		DefaultNotReadyTolerationSeconds:    300,
		DefaultUnreachableTolerationSeconds: 300,
		MetricsResolution:                   metrics.DefaultResolution,

		AnonymousAuth:             true,
		ServiceAccountIssuer:      "https://kubernetes.default.svc.cluster.local",
		ServiceAccountMaxTokenExp: 0,
		AuthorizationMode:         []string{"AlwaysAllow"},
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
	fs.IntVar(&o.MaxRequestsInflight, "max-requests-inflight", o.MaxRequestsInflight,
		"maximum number of non-mutating requests in flight at a given time; beyond it the server answers 429 (0: no limit; watches and other long-running requests are not counted)")
	fs.IntVar(&o.MaxMutatingRequestsInflight, "max-mutating-requests-inflight", o.MaxMutatingRequestsInflight,
		"maximum number of mutating requests in flight at a given time; beyond it the server answers 429 (0: no limit)")
	fs.BoolVar(&o.AccessLog, "access-log", o.AccessLog, "log every request")
	fs.Int64Var(&o.DefaultNotReadyTolerationSeconds, "default-not-ready-toleration-seconds", o.DefaultNotReadyTolerationSeconds,
		"tolerationSeconds of the toleration for notReady:NoExecute that is added by default to every pod that does not already have such a toleration")
	fs.Int64Var(&o.DefaultUnreachableTolerationSeconds, "default-unreachable-toleration-seconds", o.DefaultUnreachableTolerationSeconds,
		"tolerationSeconds of the toleration for unreachable:NoExecute that is added by default to every pod that does not already have such a toleration")
	fs.StringVar(&o.AdvertiseAddress, "advertise-address", o.AdvertiseAddress, "IP address the kubernetes Service (10.96.0.1:443) forwards to (default: the first non-loopback --bind-address, else 127.0.0.1)")
	fs.DurationVar(&o.MetricsResolution, "metrics-resolution", o.MetricsResolution, "how often the kubelets' /stats/summary are scraped for the resource metrics API (metrics.k8s.io; kubectl top, HPA); 0 disables")
	fs.StringVar(&o.TLSCertFile, "tls-cert-file", o.TLSCertFile, "serving certificate (PEM); the apiserver serves only HTTPS")
	fs.StringVar(&o.TLSPrivateKeyFile, "tls-private-key-file", o.TLSPrivateKeyFile, "private key of --tls-cert-file")
	fs.StringVar(&o.ClientCAFile, "client-ca-file", o.ClientCAFile, "CA bundle: a client certificate it signed authenticates as its CN (user) and O (groups)")
	fs.StringVar(&o.TokenAuthFile, "token-auth-file", o.TokenAuthFile, "static bearer tokens, CSV lines token,user,uid,\"group1,group2\"")
	fs.BoolVar(&o.AnonymousAuth, "anonymous-auth", o.AnonymousAuth, "requests without credentials are system:anonymous (allowed only what RBAC grants it); false: 401")
	fs.StringSliceVar(&o.ServiceAccountKeyFiles, "service-account-key-file", o.ServiceAccountKeyFiles, "PEM keys that verify ServiceAccount tokens (default: the signing key)")
	fs.StringVar(&o.ServiceAccountSigningKeyFile, "service-account-signing-key-file", o.ServiceAccountSigningKeyFile, "PEM private key that signs ServiceAccount tokens (TokenRequest)")
	fs.StringVar(&o.ServiceAccountIssuer, "service-account-issuer", o.ServiceAccountIssuer, "iss claim of ServiceAccount tokens")
	fs.StringSliceVar(&o.APIAudiences, "api-audiences", o.APIAudiences, "audiences a token must be for (default: the issuer)")
	fs.DurationVar(&o.ServiceAccountMaxTokenExp, "service-account-max-token-expiration", o.ServiceAccountMaxTokenExp, "longest lifetime of a requested ServiceAccount token (0: no limit)")
	fs.StringSliceVar(&o.AuthorizationMode, "authorization-mode", o.AuthorizationMode, "ordered authorizers: AlwaysAllow, AlwaysDeny, Node, RBAC")
	fs.StringVar(&o.KubeletClientCertificate, "kubelet-client-certificate", o.KubeletClientCertificate, "client certificate the apiserver presents to kubelets")
	fs.StringVar(&o.KubeletClientKey, "kubelet-client-key", o.KubeletClientKey, "private key of --kubelet-client-certificate")
	fs.StringVar(&o.KubeletCertificateAuthority, "kubelet-certificate-authority", o.KubeletCertificateAuthority, "CA that verifies the kubelets' serving certificates")
	fs.StringVar(&o.EtcdCAFile, "etcd-cafile", o.EtcdCAFile, "CA that verifies an external etcd's serving certificate")
	fs.StringVar(&o.EtcdCertFile, "etcd-certfile", o.EtcdCertFile, "client certificate towards etcd")
	fs.StringVar(&o.EtcdKeyFile, "etcd-keyfile", o.EtcdKeyFile, "private key of --etcd-certfile")
	fs.StringVar(&o.EncryptionProviderConfig, "encryption-provider-config", o.EncryptionProviderConfig, "EncryptionConfiguration file: how Secrets are encrypted at rest")
	fs.StringVar(&o.AuditLogPath, "audit-log-path", o.AuditLogPath, "audit log: one JSON audit.k8s.io/v1 Event per line (\"-\": stdout)")
	fs.StringVar(&o.AuditPolicyFile, "audit-policy-file", o.AuditPolicyFile, "audit.k8s.io/v1 Policy: what is logged at which level")
	fs.StringVar(&o.KubeletDialNetns, "kubelet-dial-netns", o.KubeletDialNetns, "network namespace (path, or name under /run/netns) to dial kubelets from, for logs and exec (the lab's node addresses exist only there)")
}
