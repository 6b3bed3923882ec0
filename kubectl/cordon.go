package kubectl

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// kubectl cordon|uncordon (and drain's first step), as kubectl v1.32's
// pkg/cmd/drain: resolve the nodes (names or -l), then patch
// spec.unschedulable where it differs and print "node/x cordoned",
// "node/x already cordoned", with " (dry run)" / " (server dry run)".

// nodeFlags are the flags cordon, uncordon and drain share.
type nodeFlags struct {
	selector string
	dryRun   string
}

func (f *nodeFlags) add(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.selector, "selector", "l", "", "Selector (label query) to filter on")
	cmd.Flags().StringVar(&f.dryRun, "dry-run", "none", `Must be "none", "server", or "client". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.`)
	cmd.Flags().Lookup("dry-run").NoOptDefVal = "unchanged"
}

// checkDryRun validates a --dry-run value as kubectl v1.32's
// GetDryRunStrategy: a bare --dry-run is the deprecated spelling of
// --dry-run=client (with a warning).
func checkDryRun(o *options, v *string) error {
	switch *v {
	case "", "none", "client", "server":
		return nil
	case "unchanged":
		fmt.Fprintln(o.err, "Warning: --dry-run is deprecated and can be replaced with --dry-run=client.")
		*v = "client"
		return nil
	}
	return fmt.Errorf(`Invalid dry-run value (%s). Must be "none", "server", or "client".`, *v)
}

// dryRunSuffix is what kubectl's printers append under a dry run.
func dryRunSuffix(v string) string {
	switch v {
	case "client":
		return " (dry run)"
	case "server":
		return " (server dry run)"
	}
	return ""
}

// resolveNodes checks the arguments as kubectl's drain Complete and
// fetches the nodes: each named one (NAME or node/NAME; the first missing
// one fails the command) or those -l selects.
func resolveNodes(ctx context.Context, o *options, cmd *cobra.Command, f *nodeFlags, args []string) (*client.Client, []*api.Node, error) {
	if len(args) == 0 && !cmd.Flags().Changed("selector") {
		return nil, nil, usageError(cmd, "USAGE: %s [flags]", cmd.Use)
	}
	if len(args) > 0 && f.selector != "" {
		return nil, nil, usageError(cmd, "cannot specify both a node name and a --selector option")
	}
	if err := checkDryRun(o, &f.dryRun); err != nil {
		return nil, nil, err
	}
	c, err := o.client()
	if err != nil {
		return nil, nil, err
	}
	if len(args) == 0 {
		nodes, _, err := c.Nodes().List(ctx, client.ListOptions{LabelSelector: f.selector})
		return c, nodes, err
	}
	names := make([]string, 0, len(args))
	for _, a := range args {
		name := a
		if typ, n, ok := strings.Cut(a, "/"); ok {
			info, err := api.Lookup(typ)
			if err != nil {
				return nil, nil, err
			}
			if info.GroupResource() != "nodes" {
				return nil, nil, fmt.Errorf("error: expected resource of type node, got %q", fmt.Sprintf("%s/%s, Resource=%s", info.Group, info.Version, info.Resource))
			}
			name = n
		}
		names = append(names, name)
	}
	nodes := make([]*api.Node, 0, len(names))
	for _, name := range names {
		n, err := c.Nodes().Get(ctx, name)
		if err != nil {
			return nil, nil, err
		}
		nodes = append(nodes, n)
	}
	return c, nodes, nil
}

// cordonPatch is the strategic merge patch kubectl's CordonHelper sends:
// unschedulable true, or removed.
func cordonPatch(desired bool) []byte {
	if desired {
		return []byte(`{"spec":{"unschedulable":true}}`)
	}
	return []byte(`{"spec":{"unschedulable":null}}`)
}

// cordonNodes sets spec.unschedulable of each node to desired, printing
// one line per node; a failed patch is printed and the others go on.
func cordonNodes(ctx context.Context, o *options, c *client.Client, nodes []*api.Node, desired bool, dryRun string) {
	verb := "cordon"
	if !desired {
		verb = "uncordon"
	}
	suffix := dryRunSuffix(dryRun)
	for _, n := range nodes {
		if n.Spec.Unschedulable == desired {
			fmt.Fprintf(o.out, "node/%s already %sed%s\n", n.Name, verb, suffix)
			continue
		}
		if dryRun != "client" {
			path := nodeInfo().Path("", n.Name)
			if dryRun == "server" {
				path += "?dryRun=All"
			}
			if _, err := c.Do(ctx, "PATCH", path, cordonPatch(desired), map[string]string{"Content-Type": string(client.StrategicMergePatchType)}); err != nil {
				fmt.Fprintf(o.err, "error: unable to %s node %q: %s\n", verb, n.Name, strings.TrimPrefix(formatError(err), "error: "))
				continue
			}
		}
		fmt.Fprintf(o.out, "node/%s %sed%s\n", n.Name, verb, suffix)
	}
}

func nodeInfo() *api.ResourceInfo {
	info, _ := api.ForKind("v1", "Node")
	return info
}

func newCordonCommand(o *options, desired bool) *cobra.Command {
	name, short := "cordon", "Mark node as unschedulable"
	if !desired {
		name, short = "uncordon", "Mark node as schedulable"
	}
	var f nodeFlags
	cmd := &cobra.Command{
		Use:                   name + " NODE",
		DisableFlagsInUseLine: true,
		Short:                 short,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, nodes, err := resolveNodes(cmd.Context(), o, cmd, &f, args)
			if err != nil {
				return err
			}
			cordonNodes(cmd.Context(), o, c, nodes, desired, f.dryRun)
			return nil
		},
	}
	f.add(cmd)
	return cmd
}
