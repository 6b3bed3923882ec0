package kubectl

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/printers"
)

func newConfigCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config SUBCOMMAND",
		Short: "Show the kubeconfig of the cluster kubectl talks to",
		RunE:  groupRun,
	}
	var raw, minify bool
	view := &cobra.Command{
		Use:   "view",
		Short: "Print the standard kubeconfig of the current cluster",
		Args:  noArgsUnexpectedLower,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := o.config()
			if err != nil {
				return err
			}
			ns := cfg.Namespace
			if o.namespace != "" {
				ns = o.namespace
			}
			b, err := client.NewKubeconfig(cfg.Server, ns).YAML()
			if err != nil {
				return err
			}
			_, err = o.out.Write(b)
			return err
		},
	}
	view.Flags().BoolVar(&raw, "raw", false, "Display raw byte data (minik8s has no secrets to redact)")
	view.Flags().BoolVar(&minify, "minify", false, "Remove all information not used by current-context (always the case)")
	cmd.AddCommand(view, newGetContextsCommand(o), newCurrentContextCommand(o), newUseContextCommand(o), newSetContextCommand(o))
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

func newVersionCommand(o *options) *cobra.Command {
	var clientOnly bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the client and server version information",
		Args:  noExtraArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(o.out, "Client Version: %s\n", Version)
			if clientOnly {
				return nil
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			data, err := c.Do(cmd.Context(), http.MethodGet, "/version", nil, nil)
			if err != nil {
				return err
			}
			var v struct {
				GitVersion string `json:"gitVersion"`
			}
			if err := json.Unmarshal(data, &v); err != nil {
				return fmt.Errorf("decode /version: %w", err)
			}
			fmt.Fprintf(o.out, "Server Version: %s\n", v.GitVersion)
			return nil
		},
	}
	cmd.Flags().BoolVar(&clientOnly, "client", false, "If true, shows client version only (no server required)")
	return cmd
}
