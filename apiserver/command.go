package apiserver

import (
	"context"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// NewCommand returns the "apiserver" command.
func NewCommand() *cobra.Command {
	opts := DefaultOptions()
	cmd := &cobra.Command{
		Use:          "apiserver",
		Short:        "Run the API server (embedded etcd unless --etcd-servers is given)",
		SilenceUsage: true,
		Args:         cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			srv, err := NewServer(opts)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			go func() {
				select {
				case <-srv.Ready():
					cmd.PrintErrf("apiserver: serving on http://%s\n", srv.Addr())
				case <-ctx.Done():
				}
			}()
			return srv.Run(ctx)
		},
	}
	opts.AddFlags(cmd.Flags())
	return cmd
}
