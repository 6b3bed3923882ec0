package kubectl

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// unsupportedTop are the real kubectl's commands minik8s's kubectl does not
// have; each says so instead of "unknown command". (The real kubectl works
// against minik8s for most of them.)
var unsupportedTop = []string{
	"certificate",
	"debug", "kustomize",
	"taint",
}

// unsupportedCreate are the real kubectl's `create` subcommands for kinds
// minik8s does not serve (pkg/api/registry.go).
var unsupportedCreate = map[string]string{
	"ingress":             "ingresses",
	"poddisruptionbudget": "poddisruptionbudgets",
	"priorityclass":       "priorityclasses",
	"quota":               "resourcequotas",
}

// unsupported is a hidden command that fails with a clear message; it
// takes any arguments and flags so that the message is what gets printed.
func unsupported(name, why string) *cobra.Command {
	return &cobra.Command{
		Use:                name,
		Short:              "Not supported by minik8s",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("%q is not supported by minik8s: %s", cmd.CommandPath(), why)
		},
	}
}

func unsupportedCommands() []*cobra.Command {
	out := make([]*cobra.Command, 0, len(unsupportedTop))
	for _, name := range unsupportedTop {
		out = append(out, unsupported(name, "use the real kubectl, or one of: "+supportedList))
	}
	return out
}

// supportedList names the commands this kubectl has.
var supportedList = strings.Join([]string{
	"apply", "create", "get", "describe", "delete", "config", "api-resources", "version",
	"wait", "label", "scale", "logs", "exec", "events", "run", "expose", "rollout", "set",
	"cordon", "uncordon", "drain", "top", "autoscale", "annotate",
	"attach", "port-forward", "proxy", "cp", "explain",
	"patch", "replace", "diff", "edit",
	"api-versions", "cluster-info",
}, ", ")
