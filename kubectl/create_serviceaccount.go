package kubectl

import (
	"github.com/spf13/cobra"

	"minik8s/pkg/api"
)

// `kubectl create serviceaccount NAME`, as kubectl v1.32's
// create_serviceaccount.go (whose errors say "failed to create
// serviceaccount: ...").
func newCreateServiceAccountCommand(o *options) *cobra.Command {
	f := createFlags{failPrefix: "failed to create serviceaccount"}
	cmd := &cobra.Command{
		Use:     "serviceaccount NAME [--dry-run=server|client|none]",
		Aliases: []string{"sa"},
		Short:   "Create a service account with the specified name",
		Args:    exactlyOneName,
		RunE: func(cmd *cobra.Command, args []string) error {
			return createObject(cmd.Context(), o, &f, &api.ServiceAccount{
				TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
				ObjectMeta: api.ObjectMeta{Name: args[0]},
			})
		},
	}
	f.add(cmd)
	return cmd
}
