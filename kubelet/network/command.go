package network

import (
	"context"

	"github.com/spf13/cobra"

	"minik8s/pkg/cmdutil"
)

// NewCommand returns the "netagent" command: the agent on its own, for a
// node whose kubelet does not run it (run it in the node's network
// namespace, e.g. `ip netns exec mk8s-node1 minik8s netagent ...`).
func NewCommand() *cobra.Command {
	opts := DefaultOptions()
	cmd := cmdutil.Daemon("netagent", "Run the node network agent (pod bridge, vxlan/host-gw routes, iptables, hostPorts)", func(ctx context.Context, _ *cobra.Command) error {
		a, err := New(opts)
		if err != nil {
			return err
		}
		return a.Run(ctx)
	})
	opts.AddFlags(cmd.Flags())
	return cmd
}
