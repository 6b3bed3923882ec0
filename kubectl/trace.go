package kubectl

import (
	"errors"

	"github.com/spf13/cobra"
)

// NewTracePluginCommand is the kubectl-trace plugin binary (a link to
// minik8s named kubectl-trace): the real kubectl runs it as `kubectl trace`.
func NewTracePluginCommand() *cobra.Command {
	return &cobra.Command{
		Use:  "kubectl-trace",
		RunE: func(*cobra.Command, []string) error { return errors.New("trace: not built yet") },
	}
}
