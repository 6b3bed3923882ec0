package kubectl

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/printers"
)

// `kubectl api-resources` as kubectl's cmd/apiresources: the server's
// preferred resources from discovery (client-go's ServerPreferredResources:
// each group's preferred version, then what only other versions serve; no
// subresources), filtered by --api-group, --namespaced, --verbs and
// --categories, sorted stably by group (or --sort-by name|kind) and then
// by name.

type apiResourcesFlags struct {
	output, sortBy, apiGroup string
	namespaced, noHeaders    bool
	verbs, categories        []string
	groupSet, nsSet          bool
}

func newAPIResourcesCommand(o *options) *cobra.Command {
	f := &apiResourcesFlags{namespaced: true}
	cmd := &cobra.Command{
		Use:   "api-resources",
		Short: "Print the supported API resources on the server",
		Args:  noArgsUnexpectedLower,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.groupSet, f.nsSet = cmd.Flags().Changed("api-group"), cmd.Flags().Changed("namespaced")
			if err := f.validate(); err != nil {
				return err
			}
			c, err := o.client()
			if err != nil {
				return err
			}
			all, err := preferredResources(cmd.Context(), c)
			if err != nil {
				return err
			}
			return printAPIResources(o.out, f, sortAPIResources(filterAPIResources(all, f), f.sortBy))
		},
	}
	cmd.Flags().BoolVar(&f.noHeaders, "no-headers", false, "When using the default or custom-column output format, don't print headers (default print headers).")
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "Output format. One of: (wide, name).")
	cmd.Flags().StringVar(&f.apiGroup, "api-group", "", "Limit to resources in the specified API group.")
	cmd.Flags().BoolVar(&f.namespaced, "namespaced", true, "If false, non-namespaced resources will be returned, otherwise returning namespaced resources by default.")
	cmd.Flags().StringSliceVar(&f.verbs, "verbs", nil, "Limit to resources that support the specified verbs.")
	cmd.Flags().StringVar(&f.sortBy, "sort-by", "", "If non-empty, sort list of resources using specified field. The field can be either 'name' or 'kind'.")
	cmd.Flags().Bool("cached", false, "Use the cached list of resources if available.")
	cmd.Flags().StringSliceVar(&f.categories, "categories", nil, "Limit to resources that belong to the specified categories.")
	return cmd
}

// validate checks the flags as kubectl does (output first, in Complete).
func (f *apiResourcesFlags) validate() error {
	switch f.output {
	case "", "wide", "name":
	default:
		return fmt.Errorf("--output %v is not available", f.output)
	}
	if f.sortBy != "" && f.sortBy != "name" && f.sortBy != "kind" {
		return fmt.Errorf("--sort-by accepts only name or kind")
	}
	return nil
}

// preferredResources reads discovery: /api/v1, then /apis and each
// group's versions, preferred first.
func preferredResources(ctx context.Context, c *client.Client) ([]api.APIResource, error) {
	core, err := resourceListAt(ctx, c, "/api/v1")
	if err != nil {
		return nil, err
	}
	out := withoutSubresources(core, "", "v1", nil)
	b, err := c.Do(ctx, http.MethodGet, "/apis", nil, nil)
	if err != nil {
		return nil, err
	}
	var groups struct {
		Groups []struct {
			Name     string `json:"name"`
			Versions []struct {
				Version string `json:"version"`
			} `json:"versions"`
			PreferredVersion struct {
				Version string `json:"version"`
			} `json:"preferredVersion"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(b, &groups); err != nil {
		return nil, fmt.Errorf("decoding /apis: %w", err)
	}
	for _, g := range groups.Groups {
		versions := []string{g.PreferredVersion.Version}
		for _, v := range g.Versions {
			if v.Version != g.PreferredVersion.Version {
				versions = append(versions, v.Version)
			}
		}
		seen := map[string]bool{}
		for _, v := range versions {
			list, err := resourceListAt(ctx, c, "/apis/"+g.Name+"/"+v)
			if err != nil {
				return nil, err
			}
			out = append(out, withoutSubresources(list, g.Name, v, seen)...)
		}
	}
	return out, nil
}

func resourceListAt(ctx context.Context, c *client.Client, path string) ([]api.APIResource, error) {
	b, err := c.Do(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	var list struct {
		Resources []api.APIResource `json:"resources"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", path, err)
	}
	return list.Resources, nil
}

// withoutSubresources keeps a version's top-level resources that an
// earlier version of the group (seen) did not list, with their group and
// version set as kubectl sets them.
func withoutSubresources(list []api.APIResource, group, version string, seen map[string]bool) []api.APIResource {
	var out []api.APIResource
	for _, r := range list {
		if strings.Contains(r.Name, "/") || seen[r.Name] {
			continue
		}
		if seen != nil {
			seen[r.Name] = true
		}
		r.Group, r.Version = group, version
		out = append(out, r)
	}
	return out
}

// filterAPIResources keeps the rows the flags ask for; a resource without
// verbs is never listed.
func filterAPIResources(all []api.APIResource, f *apiResourcesFlags) []api.APIResource {
	var out []api.APIResource
	for _, r := range all {
		switch {
		case len(r.Verbs) == 0,
			f.groupSet && r.Group != f.apiGroup,
			f.nsSet && r.Namespaced != f.namespaced,
			!hasAllOf(r.Verbs, f.verbs),
			!hasAllOf(r.Categories, f.categories):
			continue
		}
		out = append(out, r)
	}
	return out
}

func hasAllOf(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// sortAPIResources sorts stably by group (the default), name or kind, and
// by name among equals.
func sortAPIResources(rs []api.APIResource, by string) []api.APIResource {
	key := func(r api.APIResource) string {
		switch by {
		case "name":
			return r.Name
		case "kind":
			return r.Kind
		}
		return r.Group
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if c := strings.Compare(key(rs[i]), key(rs[j])); c != 0 {
			return c < 0
		}
		return rs[i].Name < rs[j].Name
	})
	return rs
}

func printAPIResources(w io.Writer, f *apiResourcesFlags, rs []api.APIResource) error {
	switch f.output {
	case "name":
		for _, r := range rs {
			name := r.Name
			if r.Group != "" {
				name += "." + r.Group
			}
			fmt.Fprintln(w, name)
		}
		return nil
	}
	wide := f.output == "wide"
	tw := printers.NewTabWriter(w)
	if !f.noHeaders {
		h := "NAME\tSHORTNAMES\tAPIVERSION\tNAMESPACED\tKIND"
		if wide {
			h += "\tVERBS\tCATEGORIES"
		}
		fmt.Fprintln(tw, h)
	}
	for _, r := range rs {
		gv := r.Version
		if r.Group != "" {
			gv = r.Group + "/" + r.Version
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s", r.Name, strings.Join(r.ShortNames, ","), gv, r.Namespaced, r.Kind)
		if wide {
			fmt.Fprintf(tw, "\t%s\t%s", strings.Join(r.Verbs, ","), strings.Join(r.Categories, ","))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
