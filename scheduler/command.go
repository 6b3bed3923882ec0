package scheduler

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/client/leaderelection"
	"minik8s/pkg/client/record"
	"minik8s/pkg/cmdutil"
	"minik8s/scheduler/framework"
)

// NewCommand returns the "scheduler" command.
func NewCommand() *cobra.Command {
	opts := DefaultOptions()
	cmd := cmdutil.Daemon("scheduler", "Run the scheduler: bind pending pods to nodes", func(ctx context.Context, cmd *cobra.Command) error {
		if err := opts.ApplyConfigFile(func(f string) bool { return cmd.Flags().Changed(f) }); err != nil {
			return err
		}
		return Run(ctx, opts)
	})
	opts.AddFlags(cmd.Flags())
	return cmd
}

// Run runs the scheduler until ctx ends (nil) or it fails. With leader
// election it schedules only while it holds the lease, and campaigns again
// when it loses it.
func Run(ctx context.Context, opts Options) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	c, err := client.NewForComponent(opts.Kubeconfig, opts.APIServer, client.Config{Timeout: opts.RequestTimeout, UserAgent: "minik8s-scheduler"})
	if err != nil {
		return err
	}
	if !opts.LeaderElect {
		return runScheduler(ctx, c, opts)
	}
	id := opts.Identity
	if id == "" {
		host, _ := os.Hostname()
		id = fmt.Sprintf("%s_%d", host, os.Getpid())
	}
	return leaderelection.RunLeading(ctx, leaderelection.Config{
		Client: c, Namespace: opts.LeaseNS, Name: opts.LeaseName, Identity: id,
		LeaseDuration: opts.LeaseDuration, RenewDeadline: opts.RenewDeadline, RetryPeriod: opts.RetryPeriod,
		OnNewLeader: func(who string) { log.Printf("scheduler: leader is %s", who) },
	}, func(ctx context.Context) error { return runScheduler(ctx, c, opts) })
}

// runScheduler runs one scheduler with its own informers and recorder.
func runScheduler(ctx context.Context, c *client.Client, opts Options) error {
	policy, _ := framework.LookupPolicy(opts.Policy) // checked by Validate
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	factory := cache.NewSharedInformerFactory(c, opts.Resync)
	rec := record.NewRecorder(c, api.EventSource{Component: opts.SchedulerName})
	s := New(c, factory, rec, Config{Policy: policy, SchedulerName: opts.SchedulerName})
	if opts.OnStarted != nil {
		opts.OnStarted(s)
	}
	factory.Start(ctx)
	defer func() {
		cancel()
		factory.Shutdown()
	}()
	go func() { _ = rec.Run(ctx) }()
	log.Printf("scheduler: running against %s", opts.APIServer)
	return s.Run(ctx)
}
