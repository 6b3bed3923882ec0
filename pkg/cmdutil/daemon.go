// Package cmdutil holds what the components' commands share.
package cmdutil

import (
	"context"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// Daemon returns the cobra command of a long-running component: it takes
// no arguments, prints no usage when run fails, and calls run with a
// context that SIGINT or SIGTERM cancels (the daemon then shuts down and
// returns). The caller adds its flags.
func Daemon(use, short string, run func(ctx context.Context, cmd *cobra.Command) error) *cobra.Command {
	return &cobra.Command{
		Use:          use,
		Short:        short,
		SilenceUsage: true,
		Args:         cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return run(ctx, cmd)
		},
	}
}
