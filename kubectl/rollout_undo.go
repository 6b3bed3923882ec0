package kubectl

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// undoSkipAnnotations are the annotations a rollback keeps from the
// deployment instead of taking them from the replica set.
var undoSkipAnnotations = map[string]bool{
	lastAppliedAnnotation:               true,
	revisionAnnotation:                  true,
	revisionHistoryAnnotation:           true,
	desiredReplicasAnnotation:           true,
	maxReplicasAnnotation:               true,
	"deprecated.deployment.rollback.to": true,
}

func newRolloutUndoCommand(o *options) *cobra.Command {
	var toRevision int64
	cmd := &cobra.Command{
		Use:   "undo (TYPE NAME | TYPE/NAME) [flags]",
		Short: "Undo a previous rollout",
		RunE: func(cmd *cobra.Command, args []string) error {
			return forEachDeployment(cmd.Context(), o, args, func(c *client.Client, d *api.Deployment) error {
				rss, err := controlledReplicaSets(cmd.Context(), c, d)
				if err != nil {
					return err
				}
				patch, skipped, err := undoPatch(d, rss, toRevision)
				if err != nil {
					return err
				}
				if skipped != "" {
					fmt.Fprintf(o.out, "deployment.apps/%s %s\n", d.Name, skipped)
					return nil
				}
				if _, err := c.Deployments(d.Namespace).Patch(cmd.Context(), d.Name, client.JSONPatchType, patch); err != nil {
					return fmt.Errorf("failed restoring revision %d: %w", toRevision, err)
				}
				fmt.Fprintf(o.out, "deployment.apps/%s rolled back\n", d.Name)
				return nil
			})
		},
	}
	cmd.Flags().Int64Var(&toRevision, "to-revision", 0, "The revision to rollback to. Default to 0 (last revision).")
	return cmd
}

// undoPatch is kubectl's client-side rollback: a JSON patch that puts the
// template (without pod-template-hash) and annotations of the replica set
// of toRevision (0: the one before the current) back on the deployment.
// skipped is kubectl's message when there is nothing to do.
func undoPatch(d *api.Deployment, rss []*api.ReplicaSet, toRevision int64) (patch []byte, skipped string, err error) {
	var target *api.ReplicaSet
	if toRevision == 0 {
		var max, second int64
		var maxRS, secondRS *api.ReplicaSet
		for _, rs := range rss {
			v := rsRevision(rs)
			switch {
			case v >= max:
				second, secondRS = max, maxRS
				max, maxRS = v, rs
			case v > second:
				second, secondRS = v, rs
			}
		}
		if secondRS == nil || second == 0 {
			return nil, "", fmt.Errorf("no rollout history found for deployment %q", d.Name)
		}
		target, toRevision = secondRS, second
	} else {
		for _, rs := range rss {
			if rsRevision(rs) == toRevision {
				target = rs
			}
		}
		if target == nil {
			return nil, "", fmt.Errorf("unable to find specified revision %d in history", toRevision)
		}
	}
	if d.Spec.Paused {
		return nil, "", errors.New("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' and try again")
	}
	tmpl := target.Spec.Template
	b, _ := json.Marshal(tmpl)
	var restored api.PodTemplateSpec
	_ = json.Unmarshal(b, &restored)
	delete(restored.Labels, podTemplateHashLabel)
	if len(restored.Labels) == 0 {
		restored.Labels = nil
	}
	if templatesEqual(&restored, &d.Spec.Template) {
		return nil, fmt.Sprintf("skipped rollback (current template already matches revision %d)", toRevision), nil
	}
	annotations := map[string]string{}
	for k := range undoSkipAnnotations {
		if v, ok := d.Annotations[k]; ok {
			annotations[k] = v
		}
	}
	for k, v := range target.Annotations {
		if !undoSkipAnnotations[k] {
			annotations[k] = v
		}
	}
	patch, err = json.Marshal([]map[string]any{
		{"op": "replace", "path": "/spec/template", "value": restored},
		{"op": "replace", "path": "/metadata/annotations", "value": annotations},
	})
	return patch, "", err
}

func templatesEqual(a, b *api.PodTemplateSpec) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	var m, n any
	_ = json.Unmarshal(x, &m)
	_ = json.Unmarshal(y, &n)
	return reflect.DeepEqual(m, n)
}
