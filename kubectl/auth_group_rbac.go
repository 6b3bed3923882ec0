package kubectl

import "github.com/spf13/cobra"

// newAuthGroupRBAC is a temporary `kubectl auth` group holding can-i (the
// authentication part's kubectl/auth.go adds whoami; the coordinator
// merges the two into one group).
func newAuthGroupRBAC(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Inspect authorization",
		Long:  "Inspect authorization.",
	}
	cmd.AddCommand(newCanICommand(o))
	return cmd
}
