package controller

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/pflag"

	"minik8s/controller/nodeipam"
	"minik8s/controller/nodelifecycle"
	"minik8s/controller/podautoscaler"
	"minik8s/pkg/addons"
)

// Options is every setting of the controller-manager, with its flag and default.
type Options struct {
	APIServer         string        // --apiserver: URL of the apiserver
	Kubeconfig        string        // --kubeconfig: server, CA and client certificate (--apiserver, if set, overrides the server)
	AllocateNodeCIDRs bool          // --allocate-node-cidrs: run the node IPAM controller
	ClusterCIDR       string        // --cluster-cidr: the pod CIDR of the cluster
	NodeCIDRMaskSize  int           // --node-cidr-mask-size: prefix length of a node's block
	Resync            time.Duration // --resync: informers' periodic resync (a backstop)
	RequestTimeout    time.Duration // --request-timeout: per apiserver request

	NamespaceController      bool          // --namespace-controller: empty and remove terminating namespaces
	ConcurrentNamespaceSyncs int           // --concurrent-namespace-syncs: namespaces deleted at once
	NamespaceSyncPeriod      time.Duration // --namespace-sync-period: the namespace informer's resync

	GarbageCollector          bool // --enable-garbage-collector: cascading deletion through ownerReferences
	ConcurrentGCSyncs         int  // --concurrent-gc-syncs: objects the garbage collector handles at once
	ReplicaSetController      bool // --replicaset-controller: run the ReplicaSet and ReplicationController controllers
	ConcurrentReplicaSetSyncs int  // --concurrent-replicaset-syncs: replica sets synced at once
	ConcurrentRCSyncs         int  // --concurrent-rc-syncs: replication controllers synced at once
	DeploymentController      bool // --deployment-controller: roll deployments out through replica sets
	ConcurrentDeploymentSyncs int  // --concurrent-deployment-syncs: deployments synced at once

	NodeLifecycleController   bool          // --node-lifecycle-controller: mark silent nodes Unknown, taint them, evict their pods
	NodeMonitorPeriod         time.Duration // --node-monitor-period
	NodeMonitorGracePeriod    time.Duration // --node-monitor-grace-period
	NodeStartupGracePeriod    time.Duration // --node-startup-grace-period
	NodeEvictionRate          float64       // --node-eviction-rate
	SecondaryNodeEvictionRate float64       // --secondary-node-eviction-rate
	LargeClusterSizeThreshold int           // --large-cluster-size-threshold
	UnhealthyZoneThreshold    float64       // --unhealthy-zone-threshold

	LeaderElect                    bool          // --leader-elect: hold a Lease before running the controllers
	LeaseName                      string        // --leader-elect-resource-name
	LeaseNS                        string        // --leader-elect-resource-namespace
	Identity                       string        // --leader-elect-identity (default hostname_uuid)
	LeaseDuration                  time.Duration // --leader-elect-lease-duration
	RenewDeadline                  time.Duration // --leader-elect-renew-deadline
	RetryPeriod                    time.Duration // --leader-elect-retry-period
	EndpointController             bool          // --endpoint-controller: keep the Endpoints of selector services
	ConcurrentEndpointSyncs        int           // --concurrent-endpoint-syncs: services whose Endpoints are synced at once
	EndpointSliceController        bool          // --endpointslice-controller: keep the EndpointSlices of selector services
	ConcurrentServiceEndpointSyncs int           // --concurrent-service-endpoint-syncs: services whose slices are synced at once
	MaxEndpointsPerSlice           int           // --max-endpoints-per-slice

	DaemonSetController        bool          // --daemonset-controller: run one pod per matching node for each DaemonSet
	Addons                     []string      // --addons: add-ons the add-on manager keeps (dns, ingress)
	ConcurrentDaemonSetSyncs   int           // --concurrent-daemonset-syncs: daemon sets synced at once
	HPAController              bool          // --horizontal-pod-autoscaler-controller: run the HorizontalPodAutoscaler controller
	ConcurrentHPASyncs         int           // --concurrent-horizontal-pod-autoscaler-syncs
	HPASyncPeriod              time.Duration // --horizontal-pod-autoscaler-sync-period
	HPATolerance               float64       // --horizontal-pod-autoscaler-tolerance
	HPACPUInitializationPeriod time.Duration // --horizontal-pod-autoscaler-cpu-initialization-period
	HPAInitialReadinessDelay   time.Duration // --horizontal-pod-autoscaler-initial-readiness-delay
	HPADownscaleStabilization  time.Duration // --horizontal-pod-autoscaler-downscale-stabilization
	JobController              bool          // --job-controller: run Jobs' pods to completion (and delete them after ttlSecondsAfterFinished)
	ConcurrentJobSyncs         int           // --concurrent-job-syncs: jobs synced at once
	CronJobController          bool          // --cronjob-controller: create Jobs on CronJobs' schedules
	ConcurrentCronJobSyncs     int           // --concurrent-cron-job-syncs: cron jobs synced at once

	ServiceAccountController bool   // --serviceaccount-controller: keep a `default` ServiceAccount in every namespace
	RootCAFile               string // --root-ca-file: CA published as ConfigMap kube-root-ca.crt in every namespace ("": not published)
}

// DefaultOptions returns the defaults (DESIGN.md §5).
func DefaultOptions() Options {
	nl := nodelifecycle.DefaultConfig()
	hpa := podautoscaler.DefaultConfig()
	return Options{
		APIServer:         "http://127.0.0.1:6443",
		AllocateNodeCIDRs: true,
		ClusterCIDR:       "10.244.0.0/16",
		NodeCIDRMaskSize:  24,
		Resync:            5 * time.Minute,
		RequestTimeout:    30 * time.Second,

		NamespaceController:      true,
		ConcurrentNamespaceSyncs: 10,
		NamespaceSyncPeriod:      5 * time.Minute,

		GarbageCollector:          true,
		ConcurrentGCSyncs:         20,
		ReplicaSetController:      true,
		ConcurrentReplicaSetSyncs: 5,
		ConcurrentRCSyncs:         5,
		DeploymentController:      true,
		ConcurrentDeploymentSyncs: 5,

		NodeLifecycleController:   true,
		NodeMonitorPeriod:         nl.MonitorPeriod,
		NodeMonitorGracePeriod:    nl.GracePeriod,
		NodeStartupGracePeriod:    nl.StartupGracePeriod,
		NodeEvictionRate:          nl.EvictionRate,
		SecondaryNodeEvictionRate: nl.SecondaryEvictionRate,
		LargeClusterSizeThreshold: nl.LargeClusterSizeThreshold,
		UnhealthyZoneThreshold:    nl.UnhealthyZoneThreshold,

		LeaderElect:                    true,
		LeaseName:                      "kube-controller-manager",
		LeaseNS:                        "kube-system",
		LeaseDuration:                  15 * time.Second,
		RenewDeadline:                  10 * time.Second,
		RetryPeriod:                    2 * time.Second,
		EndpointController:             true,
		ConcurrentEndpointSyncs:        5,
		EndpointSliceController:        true,
		ConcurrentServiceEndpointSyncs: 5,
		MaxEndpointsPerSlice:           100,

		DaemonSetController:        true,
		ConcurrentDaemonSetSyncs:   2,
		HPAController:              true,
		ConcurrentHPASyncs:         hpa.Workers,
		HPASyncPeriod:              hpa.SyncPeriod,
		HPATolerance:               hpa.Tolerance,
		HPACPUInitializationPeriod: hpa.CPUInitializationPeriod,
		HPAInitialReadinessDelay:   hpa.InitialReadinessDelay,
		HPADownscaleStabilization:  hpa.DownscaleStabilization,
		JobController:              true,
		ConcurrentJobSyncs:         5,
		CronJobController:          true,
		ConcurrentCronJobSyncs:     5,
		ServiceAccountController:   true,
	}
}

// AddFlags registers the flags on fs.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.APIServer, "apiserver", o.APIServer, "URL of the apiserver")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "kubeconfig file with the apiserver, its CA and this component's client certificate (made by `minik8s certs`)")
	fs.BoolVar(&o.AllocateNodeCIDRs, "allocate-node-cidrs", o.AllocateNodeCIDRs, "give every node a pod CIDR (spec.podCIDR) from --cluster-cidr")
	fs.StringVar(&o.ClusterCIDR, "cluster-cidr", o.ClusterCIDR, "pod CIDR of the cluster, cut into one block per node")
	fs.IntVar(&o.NodeCIDRMaskSize, "node-cidr-mask-size", o.NodeCIDRMaskSize, "prefix length of each node's pod CIDR")
	fs.DurationVar(&o.Resync, "resync", o.Resync, "period of the informers' full resync")
	fs.DurationVar(&o.RequestTimeout, "request-timeout", o.RequestTimeout, "timeout of one apiserver request (not watches)")
	fs.BoolVar(&o.NamespaceController, "namespace-controller", o.NamespaceController, "delete the contents of terminating namespaces, then finalize them")
	fs.IntVar(&o.ConcurrentNamespaceSyncs, "concurrent-namespace-syncs", o.ConcurrentNamespaceSyncs, "number of namespaces deleted at once")
	fs.BoolVar(&o.ReplicaSetController, "replicaset-controller", o.ReplicaSetController, "keep the pods of ReplicaSets and ReplicationControllers")
	fs.IntVar(&o.ConcurrentReplicaSetSyncs, "concurrent-replicaset-syncs", o.ConcurrentReplicaSetSyncs, "number of replica sets synced at once")
	fs.IntVar(&o.ConcurrentRCSyncs, "concurrent-rc-syncs", o.ConcurrentRCSyncs, "number of replication controllers synced at once")
	fs.DurationVar(&o.NamespaceSyncPeriod, "namespace-sync-period", o.NamespaceSyncPeriod, "period of the namespace informer's full resync")
	fs.BoolVar(&o.DeploymentController, "deployment-controller", o.DeploymentController, "roll deployments out through replica sets")
	fs.IntVar(&o.ConcurrentDeploymentSyncs, "concurrent-deployment-syncs", o.ConcurrentDeploymentSyncs, "number of deployments synced at once")
	fs.BoolVar(&o.GarbageCollector, "enable-garbage-collector", o.GarbageCollector, "delete dependents through ownerReferences (cascading deletion)")
	fs.IntVar(&o.ConcurrentGCSyncs, "concurrent-gc-syncs", o.ConcurrentGCSyncs, "number of objects the garbage collector handles at once")
	fs.BoolVar(&o.NodeLifecycleController, "node-lifecycle-controller", o.NodeLifecycleController, "mark nodes that stop renewing their lease Unknown, taint them and evict their pods")
	fs.DurationVar(&o.NodeMonitorPeriod, "node-monitor-period", o.NodeMonitorPeriod, "how often node health is checked")
	fs.DurationVar(&o.NodeMonitorGracePeriod, "node-monitor-grace-period", o.NodeMonitorGracePeriod, "how long a node may go without renewing its lease or posting status before it is marked Unknown")
	fs.DurationVar(&o.NodeStartupGracePeriod, "node-startup-grace-period", o.NodeStartupGracePeriod, "how long a node that never posted status may stay silent before it is marked Unknown")
	fs.Float64Var(&o.NodeEvictionRate, "node-eviction-rate", o.NodeEvictionRate, "nodes per second that get a NoExecute taint (per zone) when nodes fail")
	fs.Float64Var(&o.SecondaryNodeEvictionRate, "secondary-node-eviction-rate", o.SecondaryNodeEvictionRate, "the same in a partially disrupted zone of a large cluster")
	fs.IntVar(&o.LargeClusterSizeThreshold, "large-cluster-size-threshold", o.LargeClusterSizeThreshold, "zones of at most this many nodes stop tainting when partially disrupted")
	fs.Float64Var(&o.UnhealthyZoneThreshold, "unhealthy-zone-threshold", o.UnhealthyZoneThreshold, "share of not-ready nodes (at least 3) that makes a zone partially disrupted")
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "hold a Lease before running the controllers, so several controller-managers can run")
	fs.StringVar(&o.LeaseName, "leader-elect-resource-name", o.LeaseName, "name of the Lease")
	fs.StringVar(&o.LeaseNS, "leader-elect-resource-namespace", o.LeaseNS, "namespace of the Lease")
	fs.StringVar(&o.Identity, "leader-elect-identity", o.Identity, "identity in the Lease (default hostname_uuid)")
	fs.DurationVar(&o.LeaseDuration, "leader-elect-lease-duration", o.LeaseDuration, "how long others wait on an unrenewed Lease")
	fs.DurationVar(&o.RenewDeadline, "leader-elect-renew-deadline", o.RenewDeadline, "how long the leader keeps trying to renew before it stops")
	fs.DurationVar(&o.RetryPeriod, "leader-elect-retry-period", o.RetryPeriod, "interval of acquire and renew attempts")
	fs.BoolVar(&o.EndpointController, "endpoint-controller", o.EndpointController, "keep the Endpoints of services with a selector")
	fs.IntVar(&o.ConcurrentEndpointSyncs, "concurrent-endpoint-syncs", o.ConcurrentEndpointSyncs, "number of services whose Endpoints are synced at once")
	fs.BoolVar(&o.EndpointSliceController, "endpointslice-controller", o.EndpointSliceController, "keep the EndpointSlices (discovery.k8s.io/v1) of services with a selector")
	fs.IntVar(&o.ConcurrentServiceEndpointSyncs, "concurrent-service-endpoint-syncs", o.ConcurrentServiceEndpointSyncs, "number of services whose EndpointSlices are synced at once")
	fs.StringSliceVar(&o.Addons, "addons", o.Addons, "comma-separated add-ons to create and keep in the cluster (dns, ingress); empty: none")
	fs.BoolVar(&o.DaemonSetController, "daemonset-controller", o.DaemonSetController, "run one pod of each DaemonSet on every node it fits")
	fs.IntVar(&o.ConcurrentDaemonSetSyncs, "concurrent-daemonset-syncs", o.ConcurrentDaemonSetSyncs, "number of daemon sets synced at once")
	fs.BoolVar(&o.JobController, "job-controller", o.JobController, "run the pods of each Job to completion")
	fs.IntVar(&o.ConcurrentJobSyncs, "concurrent-job-syncs", o.ConcurrentJobSyncs, "number of jobs synced at once")
	fs.BoolVar(&o.CronJobController, "cronjob-controller", o.CronJobController, "create the Jobs of each CronJob on its schedule")
	fs.IntVar(&o.ConcurrentCronJobSyncs, "concurrent-cron-job-syncs", o.ConcurrentCronJobSyncs, "number of cron jobs synced at once")
	fs.BoolVar(&o.ServiceAccountController, "serviceaccount-controller", o.ServiceAccountController, "create a `default` ServiceAccount in every namespace (and again when it is deleted)")
	fs.StringVar(&o.RootCAFile, "root-ca-file", o.RootCAFile, "cluster CA bundle (PEM) published in every namespace as ConfigMap kube-root-ca.crt (key ca.crt) for pods to verify the apiserver; empty: not published")
	fs.IntVar(&o.MaxEndpointsPerSlice, "max-endpoints-per-slice", o.MaxEndpointsPerSlice, "most endpoints in one EndpointSlice")
	fs.BoolVar(&o.HPAController, "horizontal-pod-autoscaler-controller", o.HPAController, "scale the targets of HorizontalPodAutoscalers on their pods' resource metrics")
	fs.IntVar(&o.ConcurrentHPASyncs, "concurrent-horizontal-pod-autoscaler-syncs", o.ConcurrentHPASyncs, "number of HorizontalPodAutoscalers synced at once")
	fs.DurationVar(&o.HPASyncPeriod, "horizontal-pod-autoscaler-sync-period", o.HPASyncPeriod, "how often each HorizontalPodAutoscaler is synced")
	fs.Float64Var(&o.HPATolerance, "horizontal-pod-autoscaler-tolerance", o.HPATolerance, "minimum change (from 1.0) in the usage ratio before the autoscaler acts")
	fs.DurationVar(&o.HPACPUInitializationPeriod, "horizontal-pod-autoscaler-cpu-initialization-period", o.HPACPUInitializationPeriod, "after a pod starts, its cpu samples count only once it is ready and a full window was sampled since")
	fs.DurationVar(&o.HPAInitialReadinessDelay, "horizontal-pod-autoscaler-initial-readiness-delay", o.HPAInitialReadinessDelay, "after a pod starts, the time in which a readiness change counts as its initial readiness")
	fs.DurationVar(&o.HPADownscaleStabilization, "horizontal-pod-autoscaler-downscale-stabilization", o.HPADownscaleStabilization, "window whose highest recommendation a scale-down may not go below")
}

// Validate checks the options.
func (o *Options) Validate() error {
	if o.APIServer == "" {
		return fmt.Errorf("--apiserver is required")
	}
	if o.NamespaceController && o.ConcurrentNamespaceSyncs < 1 {
		return fmt.Errorf("--concurrent-namespace-syncs must be at least 1")
	}
	if o.DeploymentController && o.ConcurrentDeploymentSyncs < 1 {
		return fmt.Errorf("--concurrent-deployment-syncs must be at least 1")
	}
	if o.GarbageCollector && o.ConcurrentGCSyncs < 1 {
		return fmt.Errorf("--concurrent-gc-syncs must be at least 1")
	}
	if o.ReplicaSetController && (o.ConcurrentReplicaSetSyncs < 1 || o.ConcurrentRCSyncs < 1) {
		return fmt.Errorf("--concurrent-replicaset-syncs and --concurrent-rc-syncs must be at least 1")
	}
	if o.NodeLifecycleController && (o.NodeMonitorPeriod <= 0 || o.NodeMonitorGracePeriod <= 0 || o.NodeStartupGracePeriod <= 0) {
		return fmt.Errorf("--node-monitor-period, --node-monitor-grace-period and --node-startup-grace-period must be positive")
	}
	if o.NodeLifecycleController && (o.NodeEvictionRate < 0 || o.SecondaryNodeEvictionRate < 0) {
		return fmt.Errorf("--node-eviction-rate and --secondary-node-eviction-rate must not be negative")
	}
	if o.LeaderElect && !(o.LeaseDuration > o.RenewDeadline && o.RenewDeadline > o.RetryPeriod && o.RetryPeriod > 0) {
		return fmt.Errorf("leader election needs lease duration > renew deadline > retry period > 0")
	}
	if o.EndpointController && o.ConcurrentEndpointSyncs < 1 {
		return fmt.Errorf("--concurrent-endpoint-syncs must be at least 1")
	}
	if o.EndpointSliceController && (o.ConcurrentServiceEndpointSyncs < 1 || o.MaxEndpointsPerSlice < 1 || o.MaxEndpointsPerSlice > 1000) {
		return fmt.Errorf("--concurrent-service-endpoint-syncs must be at least 1 and --max-endpoints-per-slice 1 to 1000")
	}
	for _, a := range o.Addons {
		if _, err := addons.Manifest(a); err != nil {
			return fmt.Errorf("--addons: %w", err)
		}
	}
	if o.DaemonSetController && o.ConcurrentDaemonSetSyncs < 1 {
		return fmt.Errorf("--concurrent-daemonset-syncs must be at least 1")
	}
	if o.JobController && o.ConcurrentJobSyncs < 1 {
		return fmt.Errorf("--concurrent-job-syncs must be at least 1")
	}
	if o.CronJobController && o.ConcurrentCronJobSyncs < 1 {
		return fmt.Errorf("--concurrent-cron-job-syncs must be at least 1")
	}
	if o.HPAController && (o.ConcurrentHPASyncs < 1 || o.HPASyncPeriod <= 0 || o.HPATolerance < 0 || o.HPACPUInitializationPeriod < 0 ||
		o.HPAInitialReadinessDelay < 0 || o.HPADownscaleStabilization < 0) {
		return fmt.Errorf("--concurrent-horizontal-pod-autoscaler-syncs must be at least 1, --horizontal-pod-autoscaler-sync-period positive and the other --horizontal-pod-autoscaler-* values not negative")
	}
	if o.RootCAFile != "" {
		if _, err := os.ReadFile(o.RootCAFile); err != nil {
			return fmt.Errorf("--root-ca-file: %w", err)
		}
	}
	if o.AllocateNodeCIDRs {
		if _, err := nodeipam.NewRange(o.ClusterCIDR, o.NodeCIDRMaskSize); err != nil {
			return fmt.Errorf("--cluster-cidr/--node-cidr-mask-size: %w", err)
		}
	}
	return nil
}
