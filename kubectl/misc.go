package kubectl

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/printers"
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

func newAPIResourcesCommand(o *options) *cobra.Command {
	var noHeaders bool
	var output string
	cmd := &cobra.Command{
		Use:   "api-resources",
		Short: "Print the supported API resources on the server",
		Args:  noArgsUnexpectedLower,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output == "name" {
				for _, r := range api.Resources {
					name := r.Resource
					if r.Group != "" {
						name += "." + r.Group
					}
					fmt.Fprintln(o.out, name)
				}
				return nil
			}
			tw := printers.NewTabWriter(o.out)
			if !noHeaders {
				fmt.Fprintln(tw, "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND")
			}
			for _, r := range api.Resources {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\n", r.Resource, strings.Join(r.ShortNames, ","), r.APIVersion(), r.Namespaced, r.Kind)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&noHeaders, "no-headers", false, "Don't print headers")
	cmd.Flags().StringVarP(&output, "output", "o", "", "Output format: name")
	return cmd
}
