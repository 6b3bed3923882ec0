package kubectl

import (
	"encoding/json"
	"fmt"
	"net/http"

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
