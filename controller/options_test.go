package controller

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestOptionsValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(*Options)
		wantErr string
	}{
		{"defaults", func(*Options) {}, ""},
		{"no apiserver", func(o *Options) { o.APIServer = "" }, "--apiserver is required"},
		{"bad cluster CIDR", func(o *Options) { o.ClusterCIDR = "10.244.0.0" }, "--cluster-cidr"},
		{"mask shorter than the cluster", func(o *Options) { o.NodeCIDRMaskSize = 8 }, "between the cluster prefix length 16 and 30"},
		{"IPAM off ignores the CIDR", func(o *Options) { o.AllocateNodeCIDRs = false; o.ClusterCIDR = "x" }, ""},
		{"no namespace workers", func(o *Options) { o.ConcurrentNamespaceSyncs = 0 }, "--concurrent-namespace-syncs"},
		{"no deployment workers", func(o *Options) { o.ConcurrentDeploymentSyncs = 0 }, "--concurrent-deployment-syncs"},
		{"no gc workers", func(o *Options) { o.ConcurrentGCSyncs = 0 }, "--concurrent-gc-syncs"},
		{"gc off ignores its workers", func(o *Options) { o.GarbageCollector = false; o.ConcurrentGCSyncs = 0 }, ""},
		{"no node grace period", func(o *Options) { o.NodeMonitorGracePeriod = 0 }, "--node-monitor-grace-period"},
		{"negative eviction rate", func(o *Options) { o.NodeEvictionRate = -1 }, "--node-eviction-rate"},
		{"lease shorter than renew deadline", func(o *Options) { o.LeaseDuration = 5 * time.Second }, "lease duration > renew deadline"},
		{"no leader election ignores the lease", func(o *Options) { o.LeaderElect = false; o.LeaseDuration = 0 }, ""},
		{"no endpoint workers", func(o *Options) { o.ConcurrentEndpointSyncs = 0 }, "--concurrent-endpoint-syncs"},
		{"unknown add-on", func(o *Options) { o.Addons = []string{"dns", "mail"} }, `--addons: unknown add-on "mail"`},
		{"add-ons", func(o *Options) { o.Addons = []string{"dns", "ingress"} }, ""},
		{"no daemonset workers", func(o *Options) { o.ConcurrentDaemonSetSyncs = 0 }, "--concurrent-daemonset-syncs"},
		{"no job workers", func(o *Options) { o.ConcurrentJobSyncs = 0 }, "--concurrent-job-syncs"},
		{"no cronjob workers", func(o *Options) { o.ConcurrentCronJobSyncs = 0 }, "--concurrent-cron-job-syncs"},
		{"slices too large", func(o *Options) { o.MaxEndpointsPerSlice = 1001 }, "--max-endpoints-per-slice"},
		{"no hpa sync period", func(o *Options) { o.HPASyncPeriod = 0 }, "--horizontal-pod-autoscaler-sync-period"},
		{"negative hpa tolerance", func(o *Options) { o.HPATolerance = -0.1 }, "--horizontal-pod-autoscaler-*"},
		{"hpa off ignores its settings", func(o *Options) { o.HPAController = false; o.HPASyncPeriod = 0 }, ""},
	} {
		o := DefaultOptions()
		tc.edit(&o)
		err := o.Validate()
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestRunWithoutControllers(t *testing.T) {
	o := DefaultOptions()
	o.AllocateNodeCIDRs = false
	o.NamespaceController = false
	o.DeploymentController = false
	o.GarbageCollector = false
	o.ReplicaSetController = false
	o.NodeLifecycleController = false
	o.EndpointController = false
	o.EndpointSliceController = false
	o.DaemonSetController = false
	o.HPAController = false
	o.JobController = false
	o.CronJobController = false
	o.ServiceAccountController = false
	if err := Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), "no controller enabled") {
		t.Errorf("Run = %v, want 'no controller enabled'", err)
	}
}

func TestCommandFlags(t *testing.T) {
	cmd := NewCommand()
	for _, f := range []string{"apiserver", "cluster-cidr", "node-cidr-mask-size", "allocate-node-cidrs", "resync",
		"namespace-controller", "concurrent-namespace-syncs", "namespace-sync-period", "enable-garbage-collector", "concurrent-gc-syncs",
		"replicaset-controller", "concurrent-replicaset-syncs", "job-controller", "concurrent-job-syncs", "cronjob-controller", "concurrent-cron-job-syncs", "concurrent-rc-syncs", "deployment-controller", "concurrent-deployment-syncs",
		"node-lifecycle-controller", "node-monitor-period", "node-monitor-grace-period", "node-startup-grace-period", "node-eviction-rate",
		"secondary-node-eviction-rate", "large-cluster-size-threshold", "unhealthy-zone-threshold",
		"leader-elect", "leader-elect-resource-name", "leader-elect-resource-namespace", "leader-elect-identity",
		"leader-elect-lease-duration", "leader-elect-renew-deadline", "leader-elect-retry-period",
		"endpoint-controller", "concurrent-endpoint-syncs", "endpointslice-controller", "concurrent-service-endpoint-syncs", "max-endpoints-per-slice",
		"daemonset-controller", "concurrent-daemonset-syncs", "addons",
		"horizontal-pod-autoscaler-controller", "concurrent-horizontal-pod-autoscaler-syncs", "horizontal-pod-autoscaler-sync-period",
		"horizontal-pod-autoscaler-tolerance", "horizontal-pod-autoscaler-cpu-initialization-period",
		"horizontal-pod-autoscaler-initial-readiness-delay", "horizontal-pod-autoscaler-downscale-stabilization"} {
		if cmd.Flags().Lookup(f) == nil {
			t.Errorf("flag --%s missing", f)
		}
	}
	if def := cmd.Flags().Lookup("cluster-cidr").DefValue; def != "10.244.0.0/16" {
		t.Errorf("--cluster-cidr default %q", def)
	}
}

func TestDefaultsMatchKubernetes(t *testing.T) {
	o := DefaultOptions()
	if o.NodeMonitorPeriod != 5*time.Second || o.NodeMonitorGracePeriod != 40*time.Second || o.NodeStartupGracePeriod != time.Minute ||
		o.NodeEvictionRate != 0.1 || o.SecondaryNodeEvictionRate != 0.01 || o.LargeClusterSizeThreshold != 50 || o.UnhealthyZoneThreshold != 0.55 {
		t.Errorf("node lifecycle defaults: %+v", o)
	}
	if !o.LeaderElect || o.LeaseNS != "kube-system" || o.LeaseName != "kube-controller-manager" ||
		o.LeaseDuration != 15*time.Second || o.RenewDeadline != 10*time.Second || o.RetryPeriod != 2*time.Second {
		t.Errorf("leader election defaults: %+v", o)
	}
	if o.HPASyncPeriod != 15*time.Second || o.HPATolerance != 0.1 || o.HPACPUInitializationPeriod != 5*time.Minute ||
		o.HPAInitialReadinessDelay != 30*time.Second || o.HPADownscaleStabilization != 5*time.Minute || o.ConcurrentHPASyncs != 5 {
		t.Errorf("horizontal pod autoscaler defaults: %+v", o)
	}
	if id := newUUID(); len(id) != 36 || id[14] != '4' {
		t.Errorf("newUUID() = %q, want a version 4 UUID", id)
	}
}
