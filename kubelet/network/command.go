package network

import (
	"context"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// NewCommand returns the "netagent" command: the agent on its own, for a
// node whose kubelet does not run it (run it in the node's network
// namespace, e.g. `ip netns exec mk8s-node1 minik8s netagent ...`).
func NewCommand() *cobra.Command {
	opts := DefaultOptions()
	cmd := &cobra.Command{
		Use:          "netagent",
		Short:        "Run the node network agent (pod bridge, vxlan/host-gw routes, iptables, hostPorts)",
		SilenceUsage: true,
		Args:         cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := New(opts)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return a.Run(ctx)
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}
