package kubectl

import (
	"github.com/spf13/cobra"
)

func newConfigCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config SUBCOMMAND",
		Short: "Modify kubeconfig files: contexts and the view of the kubeconfig in use",
		RunE:  groupRun,
	}
	cmd.AddCommand(newConfigViewCommand(o), newGetContextsCommand(o), newCurrentContextCommand(o), newUseContextCommand(o), newSetContextCommand(o))
	return cmd
}
