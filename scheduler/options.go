package scheduler

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"minik8s/scheduler/framework"
)

// Options is every setting of the scheduler, with its flag and default.
type Options struct {
	APIServer      string        // --apiserver: URL of the apiserver
	Kubeconfig     string        // --kubeconfig: server, CA and client certificate (--apiserver, if set, overrides the server)
	Policy         string        // --policy: spread | least-allocated | most-allocated
	Config         string        // --config: YAML file {policy: ..., schedulerName: ...}; flags win
	SchedulerName  string        // --scheduler-name: spec.schedulerName served
	Resync         time.Duration // --resync: informers' periodic resync (a backstop)
	RequestTimeout time.Duration // --request-timeout: per apiserver request

	LeaderElect   bool          // --leader-elect: campaign for the Lease before scheduling
	LeaseName     string        // --leader-elect-resource-name
	LeaseNS       string        // --leader-elect-resource-namespace
	Identity      string        // --leader-elect-identity (default hostname_pid)
	LeaseDuration time.Duration // --leader-elect-lease-duration
	RenewDeadline time.Duration // --leader-elect-renew-deadline
	RetryPeriod   time.Duration // --leader-elect-retry-period

	// OnStarted, if set, is called with the scheduler when it starts
	// (after leadership is won); tests use it to watch what it does.
	OnStarted func(*Scheduler)
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	return Options{
		APIServer:      "http://127.0.0.1:6443",
		Policy:         framework.DefaultPolicy,
		SchedulerName:  DefaultSchedulerName,
		Resync:         5 * time.Minute,
		RequestTimeout: 30 * time.Second,
		LeaderElect:    true,
		LeaseName:      "kube-scheduler",
		LeaseNS:        "kube-system",
		LeaseDuration:  15 * time.Second,
		RenewDeadline:  10 * time.Second,
		RetryPeriod:    2 * time.Second,
	}
}

// AddFlags registers the flags on fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.APIServer, "apiserver", o.APIServer, "URL of the apiserver")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "kubeconfig file with the apiserver, its CA and this component's client certificate (made by `minik8s certs`)")
	fs.StringVar(&o.Policy, "policy", o.Policy, "scoring policy: "+fmt.Sprint(framework.PolicyNames()))
	fs.StringVar(&o.Config, "config", o.Config, "YAML file with policy and schedulerName (flags given explicitly win)")
	fs.StringVar(&o.SchedulerName, "scheduler-name", o.SchedulerName, "spec.schedulerName of the pods this scheduler binds (pods with none too)")
	fs.DurationVar(&o.Resync, "resync", o.Resync, "period of the informers' full resync")
	fs.DurationVar(&o.RequestTimeout, "request-timeout", o.RequestTimeout, "timeout of one apiserver request (not watches)")
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "hold a Lease before scheduling, so several schedulers can run")
	fs.StringVar(&o.LeaseName, "leader-elect-resource-name", o.LeaseName, "name of the Lease")
	fs.StringVar(&o.LeaseNS, "leader-elect-resource-namespace", o.LeaseNS, "namespace of the Lease")
	fs.StringVar(&o.Identity, "leader-elect-identity", o.Identity, "identity in the Lease (default hostname_pid)")
	fs.DurationVar(&o.LeaseDuration, "leader-elect-lease-duration", o.LeaseDuration, "how long others wait on an unrenewed Lease")
	fs.DurationVar(&o.RenewDeadline, "leader-elect-renew-deadline", o.RenewDeadline, "how long the leader keeps trying to renew before it stops")
	fs.DurationVar(&o.RetryPeriod, "leader-elect-retry-period", o.RetryPeriod, "interval of acquire and renew attempts")
}

// FileConfig is the --config file.
type FileConfig struct {
	Policy        string `json:"policy,omitempty"`
	SchedulerName string `json:"schedulerName,omitempty"`
}

// ApplyConfigFile reads o.Config and sets the fields whose flag was not
// given (changed reports that).
func (o *Options) ApplyConfigFile(changed func(flag string) bool) error {
	if o.Config == "" {
		return nil
	}
	b, err := os.ReadFile(o.Config)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	var fc FileConfig
	if err := yaml.UnmarshalStrict(b, &fc); err != nil {
		return fmt.Errorf("--config %s: %w", o.Config, err)
	}
	if fc.Policy != "" && !changed("policy") {
		o.Policy = fc.Policy
	}
	if fc.SchedulerName != "" && !changed("scheduler-name") {
		o.SchedulerName = fc.SchedulerName
	}
	return nil
}

// Validate checks the options.
func (o *Options) Validate() error {
	if o.APIServer == "" {
		return fmt.Errorf("--apiserver is required")
	}
	if _, err := framework.LookupPolicy(o.Policy); err != nil {
		return fmt.Errorf("--policy: %w", err)
	}
	if o.LeaderElect && !(o.LeaseDuration > o.RenewDeadline && o.RenewDeadline > o.RetryPeriod && o.RetryPeriod > 0) {
		return fmt.Errorf("leader election needs lease duration > renew deadline > retry period > 0")
	}
	return nil
}
