package kubectl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/client"
)

// parseLabelArgs splits "k=v" (set) and "k-" (remove) arguments.
func parseLabelArgs(args []string) (set map[string]string, remove []string, err error) {
	set = map[string]string{}
	for _, a := range args {
		if strings.HasSuffix(a, "-") && !strings.Contains(a, "=") {
			remove = append(remove, strings.TrimSuffix(a, "-"))
			continue
		}
		k, v, ok := strings.Cut(a, "=")
		if !ok || k == "" {
			return nil, nil, fmt.Errorf("invalid label spec: %s", a)
		}
		set[k] = v
	}
	return set, remove, nil
}

func newLabelCommand(o *options) *cobra.Command {
	var overwrite bool
	cmd := &cobra.Command{
		Use:   "label TYPE NAME KEY_1=VAL_1 ... KEY_N=VAL_N | TYPE/NAME KEY=VAL | KEY-",
		Short: "Update the labels on a resource",
		RunE: func(cmd *cobra.Command, args []string) error {
			var objArgs, labelArgs []string
			for _, a := range args {
				if strings.Contains(a, "=") || (strings.HasSuffix(a, "-") && len(objArgs) > 0) {
					labelArgs = append(labelArgs, a)
				} else {
					objArgs = append(objArgs, a)
				}
			}
			if len(objArgs) == 0 {
				return errors.New("one or more resources must be specified as <resource> <name> or <resource>/<name>")
			}
			if len(labelArgs) == 0 {
				return fmt.Errorf("at least one label update is required")
			}
			set, remove, err := parseLabelArgs(labelArgs)
			if err != nil {
				return err
			}
			targets, err := parseTargets(objArgs)
			if err != nil {
				return err
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			for _, t := range targets {
				if len(t.names) == 0 {
					return errNoName
				}
				tns := namespaceFor(t.info, ns)
				for _, name := range t.names {
					obj, err := c.Get(cmd.Context(), t.info, tns, name)
					if err != nil {
						return err
					}
					cur := obj.GetObjectMeta().Labels
					labels := map[string]any{}
					changed := false
					for k, v := range set {
						if old, ok := cur[k]; ok && old != v && !overwrite {
							return fmt.Errorf("'%s' already has a value (%s), and --overwrite is false", k, old)
						}
						if cur[k] != v || cur == nil {
							changed = true
						}
						labels[k] = v
					}
					for _, k := range remove {
						if _, ok := cur[k]; ok {
							changed = true
						}
						labels[k] = nil
					}
					if !changed {
						fmt.Fprintf(o.out, "%s/%s not labeled\n", kindName(t.info), name)
						continue
					}
					patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": labels}})
					if _, err := c.Patch(cmd.Context(), t.info, tns, name, client.MergePatchType, patch); err != nil {
						return err
					}
					fmt.Fprintf(o.out, "%s/%s labeled\n", kindName(t.info), name)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&overwrite, "overwrite", false, "If true, allow labels to be overwritten")
	return cmd
}

func newScaleCommand(o *options) *cobra.Command {
	var replicas int32
	cmd := &cobra.Command{
		Use:   "scale --replicas=COUNT TYPE NAME | TYPE/NAME",
		Short: "Set a new size for a deployment or replica set",
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("replicas") || replicas < 0 {
				return fmt.Errorf("the --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
			}
			if len(args) == 0 {
				return errors.New(resourcesRequired)
			}
			targets, err := parseTargets(args)
			if err != nil {
				return err
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"replicas": replicas}})
			for _, t := range targets {
				if t.info.Kind != "Deployment" && t.info.Kind != "ReplicaSet" {
					return fmt.Errorf("cannot scale %s: only deployments and replicasets can be scaled", t.info.Resource)
				}
				if len(t.names) == 0 {
					return errNoName
				}
				for _, name := range t.names {
					if _, err := c.Patch(cmd.Context(), t.info, namespaceFor(t.info, ns), name, client.MergePatchType, patch); err != nil {
						return err
					}
					fmt.Fprintf(o.out, "%s/%s scaled\n", kindName(t.info), name)
				}
			}
			return nil
		},
	}
	cmd.Flags().Int32Var(&replicas, "replicas", 0, "The new desired number of replicas")
	return cmd
}
