package controller

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os/signal"
	"sync"
	"syscall"

	"github.com/spf13/cobra"

	"minik8s/controller/deployment"
	"minik8s/controller/endpoint"
	"minik8s/controller/endpointslice"
	"minik8s/controller/garbagecollector"
	"minik8s/controller/namespace"
	"minik8s/controller/nodeipam"
	"minik8s/controller/replicaset"
	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/record"
)

// NewCommand returns the "controller-manager" command.
func NewCommand() *cobra.Command {
	opts := DefaultOptions()
	cmd := &cobra.Command{
		Use:          "controller-manager",
		Short:        "Run the cluster controllers (node IPAM, namespace, ...)",
		SilenceUsage: true,
		Args:         cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return Run(ctx, opts)
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}

// runner is one controller.
type runner interface {
	Run(ctx context.Context) error
}

// Run runs the enabled controllers until ctx ends (nil) or one fails (its
// error; the others are stopped).
func Run(ctx context.Context, opts Options) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	c, err := client.New(&client.Config{Server: opts.APIServer, Timeout: opts.RequestTimeout, UserAgent: "minik8s-controller-manager"})
	if err != nil {
		return err
	}
	// One shared informer per resource for every controller of the process.
	factory := cache.NewSharedInformerFactory(c, opts.Resync)
	runners := map[string]runner{}
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
	if opts.EndpointController {
		runners["endpoint"] = endpoint.New(c, factory, endpoint.Config{Workers: opts.ConcurrentEndpointSyncs})
	}
	if opts.EndpointSliceController {
		runners["endpointslice"] = endpointslice.New(c, factory, endpointslice.Config{Workers: opts.ConcurrentServiceEndpointSyncs, MaxEndpointsPerSlice: opts.MaxEndpointsPerSlice})
	}
	if len(runners) == 0 {
		return errors.New("no controller enabled")
	}
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
