package printers

import (
	"time"

	"minik8s/pkg/api"
)

func init() {
	register("ReplicationController", append([]api.TableColumnDefinition{
		nameCol(),
		col("Desired", TypeInteger, "Number of desired pods."),
		col("Current", TypeInteger, "Number of pods the replication controller has created."),
		col("Ready", TypeInteger, "Number of ready pods."),
		ageCol(),
	}, templateWideCols()...), replicationControllerRow)
}

func replicationControllerRow(rc *api.ReplicationController, now time.Time) ([]any, []api.TableRowCondition) {
	var names, images string
	if rc.Spec.Template != nil {
		names, images = containerCells(rc.Spec.Template.Spec.Containers)
	}
	var sel *api.LabelSelector
	if len(rc.Spec.Selector) > 0 {
		sel = &api.LabelSelector{MatchLabels: rc.Spec.Selector}
	}
	return []any{
		rc.Name,
		int64(replicasOrDefault(rc.Spec.Replicas)),
		int64(rc.Status.Replicas),
		int64(rc.Status.ReadyReplicas),
		Age(rc.CreationTimestamp, now),
		names, images, selectorCell(sel),
	}, nil
}
