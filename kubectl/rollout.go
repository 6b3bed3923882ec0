package kubectl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// The deployment controller's annotations and label (controller/deployment
// owns them; components do not import each other).
const (
	revisionAnnotation        = "deployment.kubernetes.io/revision"
	revisionHistoryAnnotation = "deployment.kubernetes.io/revision-history"
	desiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas"
	maxReplicasAnnotation     = "deployment.kubernetes.io/max-replicas"
	changeCauseAnnotation     = "kubernetes.io/change-cause"
	restartedAtAnnotation     = "kubectl.kubernetes.io/restartedAt"
	lastAppliedAnnotation     = "kubectl.kubernetes.io/last-applied-configuration"
	podTemplateHashLabel      = "pod-template-hash"
)

func newRolloutCommand(o *options) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout SUBCOMMAND",
		Short: "Manage the rollout of a resource",
		Long:  "Manage the rollout of one or many resources.\n\nValid resource types include:\n\n  *  deployments\n  *  daemonsets (status)",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(cmd, args[0])
			}
			return cmd.Help()
		},
	}
	cmd.AddCommand(newRolloutStatusCommand(o), newRolloutHistoryCommand(o), newRolloutUndoCommand(o),
		newRolloutRestartCommand(o), newRolloutPauseCommand(o, true), newRolloutPauseCommand(o, false))
	return cmd
}

// rolloutTarget is one object a rollout subcommand acts on.
type rolloutTarget struct{ kind, name string }

// rolloutTargets resolves "deployment NAME" / "ds/NAME" to the objects,
// of the kinds the subcommand supports (Deployment, and for status
// DaemonSet).
func rolloutTargets(args []string, kinds ...string) ([]rolloutTarget, error) {
	if len(args) == 0 {
		return nil, errors.New(resourcesRequired)
	}
	targets, err := parseTargets(args)
	if err != nil {
		return nil, err
	}
	var out []rolloutTarget
	for _, t := range targets {
		if !slices.Contains(kinds, t.info.Kind) {
			if len(kinds) == 1 {
				return nil, fmt.Errorf("no rollout for %s: only deployments roll out in minik8s", kindName(t.info))
			}
			return nil, fmt.Errorf("no rollout for %s: only deployments and daemon sets roll out in minik8s", kindName(t.info))
		}
		if len(t.names) == 0 {
			return nil, errNoName
		}
		for _, n := range t.names {
			out = append(out, rolloutTarget{t.info.Kind, n})
		}
	}
	return out, nil
}

// forEachDeployment is the prologue every rollout subcommand shares:
// resolve the arguments to deployment names (rolloutTargets), then fetch
// each deployment and hand it to fn, stopping at the first error.
func forEachDeployment(ctx context.Context, o *options, args []string, fn func(c *client.Client, d *api.Deployment) error) error {
	targets, err := rolloutTargets(args, "Deployment")
	if err != nil {
		return err
	}
	c, ns, err := o.clientNS()
	if err != nil {
		return err
	}
	for _, t := range targets {
		d, err := c.Deployments(ns).Get(ctx, t.name)
		if err != nil {
			return err
		}
		if err := fn(c, d); err != nil {
			return err
		}
	}
	return nil
}

func deploymentInfo() *api.ResourceInfo {
	info, _ := api.ForKind("apps/v1", "Deployment")
	return info
}

// deploymentStatus is kubectl's DeploymentStatusViewer: the message for the
// rollout's state and whether it is done.
func deploymentStatus(d *api.Deployment, revision int64) (string, bool, error) {
	if revision > 0 {
		rev, err := strconv.ParseInt(d.Annotations[revisionAnnotation], 10, 64)
		if err != nil {
			return "", false, fmt.Errorf("cannot get the revision of deployment %q: %w", d.Name, err)
		}
		if rev != revision {
			return "", false, fmt.Errorf("desired revision (%d) is different from the running revision (%d)", revision, rev)
		}
	}
	if d.Generation > d.Status.ObservedGeneration {
		return "Waiting for deployment spec update to be observed...\n", false, nil
	}
	for _, c := range d.Status.Conditions {
		if c.Type == "Progressing" && c.Reason == "ProgressDeadlineExceeded" {
			return "", false, fmt.Errorf("deployment %q exceeded its progress deadline", d.Name)
		}
	}
	s := d.Status
	if d.Spec.Replicas != nil && s.UpdatedReplicas < *d.Spec.Replicas {
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d out of %d new replicas have been updated...\n", d.Name, s.UpdatedReplicas, *d.Spec.Replicas), false, nil
	}
	if s.Replicas > s.UpdatedReplicas {
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d old replicas are pending termination...\n", d.Name, s.Replicas-s.UpdatedReplicas), false, nil
	}
	if s.AvailableReplicas < s.UpdatedReplicas {
		return fmt.Sprintf("Waiting for deployment %q rollout to finish: %d of %d updated replicas are available...\n", d.Name, s.AvailableReplicas, s.UpdatedReplicas), false, nil
	}
	return fmt.Sprintf("deployment %q successfully rolled out\n", d.Name), true, nil
}

func newRolloutStatusCommand(o *options) *cobra.Command {
	var (
		watch    bool
		revision int64
		timeout  time.Duration
	)
	cmd := &cobra.Command{
		Use:   "status (TYPE NAME | TYPE/NAME)",
		Short: "Show the status of the rollout",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			targets, err := rolloutTargets(args, "Deployment", "DaemonSet")
			if err != nil {
				return err
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			for _, t := range targets {
				status := func(ctx context.Context) (string, bool, error) {
					d, err := c.Deployments(ns).Get(ctx, t.name)
					if err != nil {
						return "", false, err
					}
					return deploymentStatus(d, revision)
				}
				if t.kind == "DaemonSet" {
					status = func(ctx context.Context) (string, bool, error) {
						ds, err := client.Typed[*api.DaemonSet](c, ns).Get(ctx, t.name)
						if err != nil {
							return "", false, err
						}
						return daemonSetStatus(ds)
					}
				}
				if err := rolloutStatus(ctx, o, status, watch); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&watch, "watch", "w", true, "Watch the status of the rollout until it's done.")
	cmd.Flags().Int64Var(&revision, "revision", 0, "Pin to a specific revision for showing its status. Defaults to 0 (last revision).")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "The length of time to wait before ending watch, zero means never.")
	return cmd
}

// rolloutStatus prints each new status message until the rollout is done
// (polling the object; every message once, as kubectl's watch does).
func rolloutStatus(ctx context.Context, o *options, status func(context.Context) (string, bool, error), watch bool) error {
	last := ""
	for {
		msg, done, err := status(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return errors.New("timed out waiting for the condition")
			}
			return err
		}
		if msg != last {
			fmt.Fprint(o.out, msg)
			last = msg
		}
		if done || !watch {
			return nil
		}
		select {
		case <-ctx.Done():
			return errors.New("timed out waiting for the condition")
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// controlledReplicaSets are the replica sets whose controller is d.
func controlledReplicaSets(ctx context.Context, c *client.Client, d *api.Deployment) ([]*api.ReplicaSet, error) {
	all, _, err := c.ReplicaSets(d.Namespace).List(ctx, client.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []*api.ReplicaSet
	for _, rs := range all {
		for _, ref := range rs.OwnerReferences {
			if ref.Controller != nil && *ref.Controller && ref.UID == d.UID {
				out = append(out, rs)
			}
		}
	}
	return out, nil
}

func rsRevision(rs *api.ReplicaSet) int64 {
	v, _ := strconv.ParseInt(rs.Annotations[revisionAnnotation], 10, 64)
	return v
}

// pausePatch is the merge patch of spec.paused.
func pausePatch(paused bool) []byte {
	b, _ := json.Marshal(map[string]any{"spec": map[string]any{"paused": paused}})
	return b
}

func newRolloutPauseCommand(o *options, pause bool) *cobra.Command {
	verb, done, short := "pause", "paused", "Mark the provided resource as paused"
	if !pause {
		verb, done, short = "resume", "resumed", "Resume a paused resource"
	}
	return &cobra.Command{
		Use:   verb + " RESOURCE",
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			return forEachDeployment(cmd.Context(), o, args, func(c *client.Client, d *api.Deployment) error {
				if d.Spec.Paused == pause {
					if pause {
						return fmt.Errorf("deployments.apps %q is already paused", d.Name)
					}
					return fmt.Errorf("deployments.apps %q is not paused", d.Name)
				}
				if _, err := c.Deployments(d.Namespace).Patch(cmd.Context(), d.Name, client.StrategicMergePatchType, pausePatch(pause)); err != nil {
					return err
				}
				fmt.Fprintf(o.out, "deployment.apps/%s %s\n", d.Name, done)
				return nil
			})
		},
	}
}

func newRolloutRestartCommand(o *options) *cobra.Command {
	return &cobra.Command{
		Use:   "restart RESOURCE",
		Short: "Restart a resource",
		RunE: func(cmd *cobra.Command, args []string) error {
			return forEachDeployment(cmd.Context(), o, args, func(c *client.Client, d *api.Deployment) error {
				if d.Spec.Paused {
					return errors.New("can't restart paused deployment (run rollout resume first)")
				}
				patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{
					"metadata": map[string]any{"annotations": map[string]string{restartedAtAnnotation: time.Now().Format(time.RFC3339)}}}}})
				if _, err := c.Deployments(d.Namespace).Patch(cmd.Context(), d.Name, client.StrategicMergePatchType, patch); err != nil {
					return err
				}
				fmt.Fprintf(o.out, "deployment.apps/%s restarted\n", d.Name)
				return nil
			})
		},
	}
}
