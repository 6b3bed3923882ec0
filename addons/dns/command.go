package dns

import (
	"context"
	"fmt"
	"log"

	"github.com/spf13/cobra"

	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/cmdutil"
)

// NewCommand returns the "dns" command (the kube-dns add-on's pods run
// `/minik8s dns`).
func NewCommand() *cobra.Command {
	opts := DefaultOptions()
	cmd := cmdutil.Daemon("dns", "Run the cluster DNS server (the kube-dns add-on)", func(ctx context.Context, _ *cobra.Command) error {
		return Run(ctx, opts)
	})
	opts.AddFlags(cmd.Flags())
	return cmd
}

// Run runs the DNS server until ctx ends.
func Run(ctx context.Context, opts Options) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	cfg, err := opts.clientConfig()
	if err != nil {
		return err
	}
	cfg.Timeout, cfg.UserAgent = opts.RequestTimeout, "minik8s-dns"
	c, err := client.New(cfg)
	if err != nil {
		return err
	}
	ups, err := opts.upstreams()
	if err != nil {
		log.Printf("dns: no upstream resolvers (%v): names outside %s get SERVFAIL", err, opts.ClusterDomain)
	}
	metrics := &Metrics{}
	fwd := &Upstream{
		Servers: ups, TryTimeout: opts.TryTimeout, Budget: opts.ForwardBudget,
		Cache: NewCache(opts.CacheSize, opts.CacheMaxTTL), FailureTTL: opts.CacheServfail, Metrics: metrics,
	}
	// No informer resync: every change rebuilds the snapshot.
	factory := cache.NewSharedInformerFactory(c, 0)
	s := New(factory, ServerConfig{
		Records: opts.RecordConfig(), Listen: opts.Listen,
		HealthAddr: opts.HealthAddr, ReadyAddr: opts.ReadyAddr, MetricsAddr: opts.MetricsAddr,
		Debounce: opts.Debounce, Forwarder: fwd, Metrics: metrics,
	})
	if err := s.Listen(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		factory.Shutdown()
	}()
	factory.Start(ctx)
	log.Printf("dns: apiserver %s (%s), upstreams %v", cfg.Server, cfg.Source, ups)
	if err := s.Run(ctx); err != nil {
		return fmt.Errorf("dns: %w", err)
	}
	return nil
}
