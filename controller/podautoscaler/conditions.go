package podautoscaler

import (
	"fmt"
	"time"

	"minik8s/pkg/api"
)

// HPA condition types.
const (
	AbleToScale    = "AbleToScale"
	ScalingActive  = "ScalingActive"
	ScalingLimited = "ScalingLimited"
)

// setCondition sets a condition of the HPA, adding it if absent; its
// transition time changes only when its status does.
func setCondition(hpa *api.HorizontalPodAutoscaler, now time.Time, condType, status, reason, format string, args ...any) {
	hpa.Status.Conditions = setConditionInList(hpa.Status.Conditions, now, condType, status, reason, fmt.Sprintf(format, args...))
}

func setConditionInList(list []api.HorizontalPodAutoscalerCondition, now time.Time, condType, status, reason, message string) []api.HorizontalPodAutoscalerCondition {
	var c *api.HorizontalPodAutoscalerCondition
	for i := range list {
		if list[i].Type == condType {
			c = &list[i]
			break
		}
	}
	if c == nil {
		list = append(list, api.HorizontalPodAutoscalerCondition{Type: condType})
		c = &list[len(list)-1]
	}
	if c.Status != status {
		c.LastTransitionTime = api.NewTime(now.UTC().Truncate(time.Second))
	}
	c.Status, c.Reason, c.Message = status, reason, message
	return list
}
