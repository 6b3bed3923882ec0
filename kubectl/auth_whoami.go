package kubectl

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// The errors kubectl auth whoami prints for a 403 and a 404.
var (
	errWhoAmIForbidden  = errors.New("the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it")
	errWhoAmINotEnabled = errors.New("the selfsubjectreviews API is not enabled in the cluster\n" +
		"enable APISelfSubjectReview feature gate and authentication.k8s.io/v1alpha1 or authentication.k8s.io/v1beta1 API")
)

const selfSubjectReviewsPath = "/apis/authentication.k8s.io/v1/selfsubjectreviews"

func newAuthWhoAmICommand(o *options) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "whoami",
		Short: "Experimental: Check self subject attributes",
		Long:  "Experimental: Check who you are and your attributes (groups, extra).",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "" && output != "json" && output != "yaml" {
				return fmt.Errorf("unable to match a printer suitable for the output format %q, allowed formats are: json,yaml", output)
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			body, _ := json.Marshal(api.SelfSubjectReview{TypeMeta: api.TypeMeta{Kind: "SelfSubjectReview", APIVersion: api.AuthenticationGroupVersion}})
			data, err := c.Do(cmd.Context(), "POST", selfSubjectReviewsPath, body, nil)
			if err != nil {
				return whoAmIError(err)
			}
			var ssr api.SelfSubjectReview
			if err := json.Unmarshal(data, &ssr); err != nil {
				return fmt.Errorf("decoding SelfSubjectReview: %w", err)
			}
			if output != "" {
				return printObject(o.out, output, &ssr)
			}
			return printWhoAmI(o.out, ssr.Status.UserInfo)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Output format. One of: (json, yaml).")
	return cmd
}

// whoAmIError is kubectl's: 403 and 404 name the API, others as they are.
func whoAmIError(err error) error {
	if st, ok := client.AsStatus(err); ok {
		switch st.Code {
		case 403:
			return errWhoAmIForbidden
		case 404:
			return errWhoAmINotEnabled
		}
	}
	return err
}

// printWhoAmI is kubectl's ATTRIBUTE/VALUE table: the set attributes,
// then one line per extra, keys sorted.
func printWhoAmI(out io.Writer, ui api.UserInfo) error {
	w := tabwriter.NewWriter(out, 6, 4, 3, ' ', 0)
	fmt.Fprintf(w, "ATTRIBUTE\tVALUE\n")
	if ui.Username != "" {
		fmt.Fprintf(w, "Username\t%s\n", ui.Username)
	}
	if ui.UID != "" {
		fmt.Fprintf(w, "UID\t%s\n", ui.UID)
	}
	if len(ui.Groups) > 0 {
		fmt.Fprintf(w, "Groups\t[%s]\n", strings.Join(ui.Groups, " "))
	}
	keys := make([]string, 0, len(ui.Extra))
	for k := range ui.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "Extra: %s\t[%s]\n", k, strings.Join(ui.Extra[k], " "))
	}
	return w.Flush()
}
