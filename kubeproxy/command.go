package kubeproxy

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"minik8s/kubeproxy/conntrack"
	"minik8s/kubeproxy/iptables"
	"minik8s/pkg/client"
	"minik8s/pkg/client/cache"
	"minik8s/pkg/cmdutil"
	pkgiptables "minik8s/pkg/iptables"
)

// NewCommand returns the "kubeproxy" command (run it in the node's network
// namespace).
func NewCommand() *cobra.Command {
	opts := DefaultOptions()
	cmd := cmdutil.Daemon("kubeproxy", "Run the service proxy of a node (iptables mode)", func(ctx context.Context, _ *cobra.Command) error {
		return Run(ctx, opts)
	})
	opts.AddFlags(cmd.Flags())
	return cmd
}

// NewLinkCommand is NewCommand under Kubernetes' name, for a "kube-proxy"
// link to the binary (hidden from minik8s's own help).
func NewLinkCommand() *cobra.Command {
	cmd := NewCommand()
	cmd.Use, cmd.Hidden = "kube-proxy", true
	return cmd
}

// Run runs kube-proxy until ctx ends.
func Run(ctx context.Context, opts Options) error {
	if err := opts.Complete(); err != nil {
		return err
	}
	if err := opts.Validate(); err != nil {
		return err
	}
	backend, _ := pkgiptables.ParseBackend(opts.Backend) // checked by Validate
	runner, err := pkgiptables.New(ctx, backend)
	if err != nil {
		return fmt.Errorf("iptables: %w", err)
	}
	c, err := client.NewForComponent(opts.Kubeconfig, opts.APIServer, client.Config{Timeout: opts.RequestTimeout, UserAgent: "minik8s-kubeproxy"})
	if err != nil {
		return err
	}
	cfg := Config{
		NodeName: opts.NodeName,
		Rules: iptables.Config{
			MasqueradeMark: opts.MasqueradeMark(),
			ClusterCIDR:    opts.ClusterCIDR,
			MasqueradeAll:  opts.MasqueradeAll,
			RandomFully:    true,
		},
		MinSyncPeriod: opts.MinSyncPeriod,
		SyncPeriod:    opts.SyncPeriod,
		Firewall:      NewFirewall(runner),
	}
	if opts.Conntrack {
		cfg.Conntrack = conntrack.Netlink{}
	}
	// No informer resync: the proxier's periodic and hourly full syncs are the backstop.
	factory := cache.NewSharedInformerFactory(c, 0, NodeFilter(opts.NodeName))
	p := New(factory, cfg)
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		factory.Shutdown()
	}()
	factory.Start(ctx)
	p.cfg.Logf("kubeproxy: node %s (ip %s), apiserver %s, iptables backend %s", opts.NodeName, opts.NodeIP, opts.APIServer, runner.Backend())
	return p.Run(ctx)
}
