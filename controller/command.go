package controller

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log"
	"os"
	"sync"

	"github.com/spf13/cobra"

	"minik8s/controller/addons"
	"minik8s/controller/clusterroleaggregation"
	"minik8s/controller/cronjob"
	"minik8s/controller/daemonset"
	"minik8s/controller/deployment"
	"minik8s/controller/endpoint"
	"minik8s/controller/endpointslice"
	"minik8s/controller/garbagecollector"
	"minik8s/controller/job"
	"minik8s/controller/namespace"
	"minik8s/controller/nodeipam"
	"minik8s/controller/nodelifecycle"
	"minik8s/controller/podautoscaler"
	"minik8s/controller/replicaset"
	"minik8s/controller/rootcacertpublisher"
	"minik8s/controller/serviceaccount"
	pkgaddons "minik8s/pkg/addons"
	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/leaderelection"
	"minik8s/pkg/client/record"
	"minik8s/pkg/cmdutil"
)

// NewCommand returns the "controller-manager" command.
func NewCommand() *cobra.Command {
	opts := DefaultOptions()
	cmd := cmdutil.Daemon("controller-manager", "Run the cluster controllers (node IPAM, namespace, ...)", func(ctx context.Context, _ *cobra.Command) error {
		return Run(ctx, opts)
	})
	opts.AddFlags(cmd.Flags())
	return cmd
}

// runner is one controller.
type runner interface {
	Run(ctx context.Context) error
}

// Run runs the enabled controllers until ctx ends (nil) or one fails (its
// error; the others are stopped). With leader election they run only while
// this controller-manager holds the Lease (kube-system/kube-controller-manager).
func Run(ctx context.Context, opts Options) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	if !opts.anyController() {
		return errors.New("no controller enabled")
	}
	c, err := client.NewForComponent(opts.Kubeconfig, opts.APIServer, client.Config{Timeout: opts.RequestTimeout, UserAgent: "minik8s-controller-manager"})
	if err != nil {
		return err
	}
	if !opts.LeaderElect {
		return runControllers(ctx, c, opts)
	}
	return runElected(ctx, c, opts)
}

// anyController reports whether some controller is enabled.
func (o *Options) anyController() bool {
	return o.AllocateNodeCIDRs || o.NamespaceController || o.DeploymentController || o.GarbageCollector ||
		o.ReplicaSetController || o.NodeLifecycleController || o.EndpointController || o.EndpointSliceController ||
		o.DaemonSetController || o.HPAController || len(o.Addons) > 0 || o.JobController || o.CronJobController ||
		o.ServiceAccountController || o.RootCAFile != ""
}

// runElected campaigns for the lease and runs the controllers while it
// leads. Kubernetes' controller-manager exits when it loses the lease and
// lets its supervisor restart it; `make up` has no supervisor, so it stops
// the controllers and campaigns again (their state is rebuilt each time),
// as the scheduler does.
func runElected(ctx context.Context, c *client.Client, opts Options) error {
	id := opts.Identity
	if id == "" {
		host, _ := os.Hostname()
		id = host + "_" + newUUID()
	}
	return leaderelection.RunLeading(ctx, leaderelection.Config{
		Client: c, Namespace: opts.LeaseNS, Name: opts.LeaseName, Identity: id,
		LeaseDuration: opts.LeaseDuration, RenewDeadline: opts.RenewDeadline, RetryPeriod: opts.RetryPeriod,
		OnNewLeader: func(who string) { log.Printf("controller-manager: leader is %s", who) },
	}, func(ctx context.Context) error { return runControllers(ctx, c, opts) })
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// runControllers runs the enabled controllers over one shared informer
// factory until ctx ends or one fails.
func runControllers(ctx context.Context, c *client.Client, opts Options) error {
	// One shared informer per resource for every controller of the process.
	factory := cache.NewSharedInformerFactory(c, opts.Resync)
	runners := newRunners(c, factory, opts)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	factory.Start(ctx) // after every controller has added its handlers
	defer func() {
		cancel()
		factory.Shutdown()
	}()
	var wg sync.WaitGroup
	errs := make(chan error, len(runners))
	for name, r := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Run(ctx); err != nil {
				errs <- fmt.Errorf("%s: %w", name, err)
				cancel()
			}
		}()
	}
	log.Printf("controller-manager: running against %s", opts.APIServer)
	wg.Wait()
	close(errs)
	return <-errs // nil when every controller stopped cleanly
}

// newRunners makes the enabled controllers (and their event recorders),
// adding their handlers to the factory's informers.
func newRunners(c *client.Client, factory *cache.SharedInformerFactory, opts Options) map[string]runner {
	runners := map[string]runner{}
	runners["clusterrole-aggregation"] = clusterroleaggregation.New(c, factory)
	if opts.AllocateNodeCIDRs {
		r, _ := nodeipam.NewRange(opts.ClusterCIDR, opts.NodeCIDRMaskSize) // checked by Validate
		runners["nodeipam"] = nodeipam.New(c, factory, r)
	}
	if opts.NamespaceController {
		runners["namespace"] = namespace.New(c, factory, namespace.Config{Resync: opts.NamespaceSyncPeriod, Workers: opts.ConcurrentNamespaceSyncs})
	}
	if opts.DeploymentController {
		runners["deployment"] = deployment.New(c, factory, deployment.Config{Workers: opts.ConcurrentDeploymentSyncs})
	}
	if opts.GarbageCollector {
		runners["garbagecollector"] = garbagecollector.New(c, factory, garbagecollector.Config{Workers: opts.ConcurrentGCSyncs})
	}
	if opts.ReplicaSetController {
		rec := record.NewRecorder(c, api.EventSource{Component: "replicaset-controller"})
		runners["replicaset-events"] = rec
		runners["replicaset"] = replicaset.New(replicaset.ReplicaSetKind, c, factory, rec, replicaset.Config{Workers: opts.ConcurrentReplicaSetSyncs})
		rcRec := record.NewRecorder(c, api.EventSource{Component: "replication-controller"})
		runners["replicationcontroller-events"] = rcRec
		runners["replicationcontroller"] = replicaset.New(replicaset.ReplicationControllerKind, c, factory, rcRec, replicaset.Config{Workers: opts.ConcurrentRCSyncs})
	}
	if opts.NodeLifecycleController {
		rec := record.NewRecorder(c, api.EventSource{Component: "node-controller"})
		evictRec := record.NewRecorder(c, api.EventSource{Component: "taint-eviction-controller"})
		runners["node-controller-events"], runners["taint-eviction-controller-events"] = rec, evictRec
		runners["nodelifecycle"] = nodelifecycle.New(c, factory, rec, evictRec, nodelifecycle.Config{
			MonitorPeriod: opts.NodeMonitorPeriod, GracePeriod: opts.NodeMonitorGracePeriod, StartupGracePeriod: opts.NodeStartupGracePeriod,
			EvictionRate: opts.NodeEvictionRate, SecondaryEvictionRate: opts.SecondaryNodeEvictionRate,
			LargeClusterSizeThreshold: opts.LargeClusterSizeThreshold, UnhealthyZoneThreshold: opts.UnhealthyZoneThreshold,
		})
	}
	if opts.EndpointController {
		runners["endpoint"] = endpoint.New(c, factory, endpoint.Config{Workers: opts.ConcurrentEndpointSyncs})
	}
	if opts.EndpointSliceController {
		runners["endpointslice"] = endpointslice.New(c, factory, endpointslice.Config{Workers: opts.ConcurrentServiceEndpointSyncs, MaxEndpointsPerSlice: opts.MaxEndpointsPerSlice})
	}
	if opts.DaemonSetController {
		rec := record.NewRecorder(c, api.EventSource{Component: "daemonset-controller"})
		runners["daemonset-events"] = rec
		runners["daemonset"] = daemonset.New(c, factory, rec, daemonset.Config{Workers: opts.ConcurrentDaemonSetSyncs})
	}
	if len(opts.Addons) > 0 {
		objs, err := pkgaddons.Load(opts.Addons)
		if err != nil {
			log.Printf("controller-manager: add-ons: %v", err) // the objects that loaded are still managed
		}
		if m, err := addons.New(c, factory, objs); err != nil {
			log.Printf("controller-manager: add-on manager: %v", err)
		} else {
			runners["addons"] = m
		}
	}
	if opts.HPAController {
		rec := record.NewRecorder(c, api.EventSource{Component: "horizontal-pod-autoscaler"})
		runners["horizontal-pod-autoscaler-events"] = rec
		runners["horizontal-pod-autoscaler"] = podautoscaler.New(c, factory, rec, podautoscaler.Config{
			SyncPeriod: opts.HPASyncPeriod, Tolerance: opts.HPATolerance, Workers: opts.ConcurrentHPASyncs,
			CPUInitializationPeriod: opts.HPACPUInitializationPeriod, InitialReadinessDelay: opts.HPAInitialReadinessDelay,
			DownscaleStabilization: opts.HPADownscaleStabilization,
		})
	}
	if opts.JobController {
		rec := record.NewRecorder(c, api.EventSource{Component: "job-controller"})
		runners["job-events"] = rec
		runners["job"] = job.New(c, factory, rec, job.Config{Workers: opts.ConcurrentJobSyncs})
	}
	if opts.CronJobController {
		rec := record.NewRecorder(c, api.EventSource{Component: "cronjob-controller"})
		runners["cronjob-events"] = rec
		runners["cronjob"] = cronjob.New(c, factory, rec, cronjob.Config{Workers: opts.ConcurrentCronJobSyncs})
	}
	if opts.ServiceAccountController {
		runners["serviceaccount"] = serviceaccount.New(c, factory, serviceaccount.Config{Resync: opts.Resync})
	}
	if opts.RootCAFile != "" {
		ca, _ := os.ReadFile(opts.RootCAFile) // checked by Validate
		runners["root-ca-cert-publisher"] = rootcacertpublisher.New(c, factory, rootcacertpublisher.Config{RootCA: ca, Resync: opts.Resync})
	}
	return runners
}
