package apiserver

import (
	"context"

	"github.com/spf13/cobra"

	"minik8s/pkg/cmdutil"
)

// NewCommand returns the "apiserver" command.
func NewCommand() *cobra.Command {
	opts := DefaultOptions()
	cmd := cmdutil.Daemon("apiserver", "Run the API server (embedded etcd unless --etcd-servers is given)", func(ctx context.Context, cmd *cobra.Command) error {
		srv, err := NewServer(opts)
		if err != nil {
			return err
		}
		go func() {
			select {
			case <-srv.Ready():
				cmd.PrintErrf("apiserver: serving on %s\n", srv.URL())
			case <-ctx.Done():
			}
		}()
		return srv.Run(ctx)
	})
	opts.AddFlags(cmd.Flags())
	return cmd
}
