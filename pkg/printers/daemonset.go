package printers

import (
	"strings"
	"time"

	"minik8s/pkg/api"
)

func init() {
	register("DaemonSet", append([]api.TableColumnDefinition{
		nameCol(),
		col("Desired", TypeInteger, "The total number of nodes that should be running the daemon pod."),
		col("Current", TypeInteger, "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
		col("Ready", TypeInteger, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
		col("Up-to-date", TypeInteger, "The total number of nodes that are running updated daemon pod."),
		col("Available", TypeInteger, "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)."),
		col("Node Selector", TypeString, "NodeSelector is a selector which must be true for the pod to fit on a node."),
		ageCol(),
	}, templateWideCols()...), daemonSetRow)

	register("ControllerRevision", []api.TableColumnDefinition{
		nameCol(),
		col("Controller", TypeString, "The controller that owns the revision."),
		col("Revision", TypeInteger, "Revision indicates the revision of the state represented by Data."),
		ageCol(),
	}, controllerRevisionRow)
}

func daemonSetRow(ds *api.DaemonSet, now time.Time) ([]any, []api.TableRowCondition) {
	names, images := containerCells(ds.Spec.Template.Spec.Containers)
	st := ds.Status
	return []any{
		ds.Name,
		int64(st.DesiredNumberScheduled),
		int64(st.CurrentNumberScheduled),
		int64(st.NumberReady),
		int64(st.UpdatedNumberScheduled),
		int64(st.NumberAvailable),
		FormatLabels(ds.Spec.Template.Spec.NodeSelector),
		Age(ds.CreationTimestamp, now),
		names, images, selectorCell(ds.Spec.Selector),
	}, nil
}

// controllerRevisionRow names the owner as kubectl does: "daemonset.apps/web".
func controllerRevisionRow(r *api.ControllerRevision, now time.Time) ([]any, []api.TableRowCondition) {
	owner := "<none>"
	for _, ref := range r.OwnerReferences {
		if ref.Controller != nil && *ref.Controller {
			kind := strings.ToLower(ref.Kind)
			if g, _, ok := strings.Cut(ref.APIVersion, "/"); ok {
				kind += "." + g
			}
			owner = kind + "/" + ref.Name
		}
	}
	return []any{r.Name, owner, r.Revision, Age(r.CreationTimestamp, now)}, nil
}
