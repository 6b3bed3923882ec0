package kubectl

import "github.com/spf13/cobra"

// newAuthCommand is `kubectl auth`, the group of whoami (and can-i, which
// the RBAC part adds in its own file with one AddCommand line here).
func newAuthCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Inspect authorization",
		Long:  "Inspect authorization.",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newAuthWhoAmICommand(o))
	cmd.AddCommand(newCanICommand(o))
	return cmd
}
