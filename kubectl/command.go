package kubectl

import (
	"errors"

	"github.com/spf13/cobra"
)

// NewCommand returns the "kubectl" command (PLACEHOLDER, being implemented).
func NewCommand() *cobra.Command {
	return &cobra.Command{Use: "kubectl", Short: "Control the cluster",
		RunE: func(*cobra.Command, []string) error { return errors.New("not implemented yet") }}
}
