package kubectl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/validation"

	"minik8s/pkg/client"
)

// labelKind is `kubectl label`: kubectl's label.go.
var labelKind = metaKind{
	field: "labels", noun: "label",
	parse:     parseLabels,
	conflicts: labelConflicts,
	changeMsg: labelChangeMsg,
	notFound:  true,
	// kubectl's label makes its printer per object, after the patch.
	lateOutputCheck: true,
}

// parseLabels is kubectl's parseLabels: KEY=VAL (one "=", a valid
// value) or KEY-.
func parseLabels(pairs []string) (map[string]string, []string, error) {
	set := map[string]string{}
	var remove []string
	for _, p := range pairs {
		switch {
		case strings.Contains(p, "="):
			parts := strings.Split(p, "=")
			if len(parts) != 2 {
				return nil, nil, fmt.Errorf("invalid label spec: %v", p)
			}
			if errs := validation.IsValidLabelValue(parts[1]); len(errs) != 0 {
				return nil, nil, fmt.Errorf("invalid label value: %q: %s", p, strings.Join(errs, ";"))
			}
			set[parts[0]] = parts[1]
		case strings.HasSuffix(p, "-"):
			remove = append(remove, p[:len(p)-1])
		default:
			return nil, nil, fmt.Errorf("unknown label spec: %v", p)
		}
	}
	return set, remove, nil
}

// labelConflicts is kubectl's validateNoOverwrites of label: every key
// set that the object has with another value.
func labelConflicts(cur map[string]any, set map[string]string) error {
	var msgs []string
	for _, k := range sortedKeys(set) {
		if v, ok := cur[k]; ok && v != set[k] {
			msgs = append(msgs, fmt.Sprintf("'%s' already has a value (%v), and --overwrite is false", k, v))
		}
	}
	switch len(msgs) {
	case 0:
		return nil
	case 1:
		return errors.New(msgs[0])
	}
	return fmt.Errorf("[%s]", strings.Join(msgs, ", "))
}

func newLabelCommand(o *options) *cobra.Command {
	var f metaFlags
	cmd := &cobra.Command{
		Use:   "label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version]",
		Short: "Update the labels on a resource",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMetaEdit(cmd.Context(), o, &labelKind, &f, args)
		},
	}
	f.add(cmd, &labelKind)
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
