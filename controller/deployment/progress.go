package deployment

import (
	"fmt"
	"time"

	"minik8s/pkg/api"
)

// GetCondition is the deployment status's condition of a type, or nil.
func GetCondition(s *api.DeploymentStatus, typ string) *api.DeploymentCondition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == typ {
			return &s.Conditions[i]
		}
	}
	return nil
}

// SetCondition sets c, keeping the transition time when the status did
// not change (and the update time too when the reason did not either).
func SetCondition(s *api.DeploymentStatus, c api.DeploymentCondition) {
	cur := GetCondition(s, c.Type)
	if cur != nil && cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	RemoveCondition(s, c.Type)
	s.Conditions = append(s.Conditions, c)
}

// RemoveCondition drops the condition of a type.
func RemoveCondition(s *api.DeploymentStatus, typ string) {
	out := s.Conditions[:0]
	for _, c := range s.Conditions {
		if c.Type != typ {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		out = nil
	}
	s.Conditions = out
}

// NewCondition is a condition that changed at now.
func NewCondition(typ, status, reason, message string, now time.Time) api.DeploymentCondition {
	t := api.NewTime(now.UTC().Truncate(time.Second))
	return api.DeploymentCondition{Type: typ, Status: status, Reason: reason, Message: message, LastUpdateTime: t, LastTransitionTime: t}
}

// CalculateStatus is the deployment's status from its replica sets, with
// the Available condition (MinimumReplicasAvailable/Unavailable).
func CalculateStatus(d *api.Deployment, newRS *api.ReplicaSet, allRSs []*api.ReplicaSet, now time.Time) api.DeploymentStatus {
	available := AvailableReplicaCount(allRSs)
	total := ReplicaCount(allRSs)
	unavailable := total - available
	if unavailable < 0 {
		unavailable = 0
	}
	s := api.DeploymentStatus{
		ObservedGeneration:  d.Generation,
		Replicas:            ActualReplicaCount(allRSs),
		UpdatedReplicas:     ActualReplicaCount([]*api.ReplicaSet{newRS}),
		ReadyReplicas:       ReadyReplicaCount(allRSs),
		AvailableReplicas:   available,
		UnavailableReplicas: unavailable,
		CollisionCount:      d.Status.CollisionCount,
	}
	s.Conditions = append([]api.DeploymentCondition(nil), d.Status.Conditions...)
	if available >= replicas(d.Spec.Replicas)-MaxUnavailable(d) {
		SetCondition(&s, NewCondition(ConditionAvailable, "True", ReasonMinimumAvailable, "Deployment has minimum availability.", now))
	} else {
		SetCondition(&s, NewCondition(ConditionAvailable, "False", ReasonMinimumUnavailabe, "Deployment does not have minimum availability.", now))
	}
	return s
}

// DeploymentComplete: every replica is updated and available and the
// controller has seen the current generation.
func DeploymentComplete(d *api.Deployment, s *api.DeploymentStatus) bool {
	want := replicas(d.Spec.Replicas)
	return s.UpdatedReplicas == want && s.Replicas == want && s.AvailableReplicas == want &&
		s.ObservedGeneration >= d.Generation
}

// DeploymentProgressing: the new status has more updated, ready or
// available pods, or fewer old ones, than the deployment's current status.
func DeploymentProgressing(d *api.Deployment, s *api.DeploymentStatus) bool {
	old := d.Status
	return s.UpdatedReplicas > old.UpdatedReplicas ||
		s.Replicas-s.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		s.ReadyReplicas > old.ReadyReplicas ||
		s.AvailableReplicas > old.AvailableReplicas
}

func hasProgressDeadline(d *api.Deployment) bool {
	return d.Spec.ProgressDeadlineSeconds != nil && *d.Spec.ProgressDeadlineSeconds != int32(^uint32(0)>>1)
}

// DeploymentTimedOut: the Progressing condition was last updated more than
// progressDeadlineSeconds before now.
func DeploymentTimedOut(d *api.Deployment, s *api.DeploymentStatus, now time.Time) bool {
	if !hasProgressDeadline(d) {
		return false
	}
	c := GetCondition(s, ConditionProgressing)
	if c == nil {
		return false
	}
	if c.Reason == ReasonNewRSAvailable {
		return false
	}
	if c.Reason == ReasonTimedOut {
		return true
	}
	deadline := c.LastUpdateTime.Time.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second)
	return deadline.Before(now)
}

// RolloutStatus is syncRolloutStatus' decision: the status with the
// Progressing condition for where the rollout is (complete, progressing,
// or past its deadline).
func RolloutStatus(d *api.Deployment, newRS *api.ReplicaSet, allRSs []*api.ReplicaSet, now time.Time) api.DeploymentStatus {
	s := CalculateStatus(d, newRS, allRSs, now)
	if !hasProgressDeadline(d) {
		RemoveCondition(&s, ConditionProgressing)
		return s
	}
	cur := GetCondition(&s, ConditionProgressing)
	if cur != nil && cur.Status == "Unknown" && cur.Reason == ReasonPaused {
		return s // paused: no progress to estimate
	}
	name := ""
	if newRS != nil {
		name = newRS.Name
	}
	switch {
	case DeploymentComplete(d, &s):
		msg := fmt.Sprintf("ReplicaSet %q has successfully progressed.", name)
		if newRS == nil {
			msg = "Deployment has successfully progressed."
		}
		SetCondition(&s, NewCondition(ConditionProgressing, "True", ReasonNewRSAvailable, msg, now))
	case DeploymentProgressing(d, &s):
		msg := fmt.Sprintf("ReplicaSet %q is progressing.", name)
		if newRS == nil {
			msg = "Deployment is progressing."
		}
		c := NewCondition(ConditionProgressing, "True", ReasonRSUpdated, msg, now)
		if cur != nil && cur.Status == "True" {
			c.LastTransitionTime = cur.LastTransitionTime
		}
		RemoveCondition(&s, ConditionProgressing) // a new update time
		s.Conditions = append(s.Conditions, c)
	case DeploymentTimedOut(d, &s, now):
		msg := fmt.Sprintf("ReplicaSet %q has timed out progressing.", name)
		if newRS == nil {
			msg = fmt.Sprintf("Deployment %q has timed out progressing.", d.Name)
		}
		SetCondition(&s, NewCondition(ConditionProgressing, "False", ReasonTimedOut, msg, now))
	}
	return s
}

// PausedCondition is checkPausedConditions' decision: Progressing Unknown
// DeploymentPaused while paused, DeploymentResumed once resumed; nil when
// the condition already says so (or there is no deadline).
func PausedCondition(d *api.Deployment, now time.Time) *api.DeploymentCondition {
	if !hasProgressDeadline(d) {
		return nil
	}
	cur := GetCondition(&d.Status, ConditionProgressing)
	if cur != nil && cur.Reason == ReasonTimedOut {
		return nil
	}
	pausedCond := cur != nil && cur.Reason == ReasonPaused
	switch {
	case d.Spec.Paused && !pausedCond:
		c := NewCondition(ConditionProgressing, "Unknown", ReasonPaused, "Deployment is paused", now)
		return &c
	case !d.Spec.Paused && pausedCond:
		c := NewCondition(ConditionProgressing, "Unknown", ReasonResumed, "Deployment is resumed", now)
		return &c
	}
	return nil
}

// RequeueAfter is when a progressing deployment must be looked at again to
// notice its deadline passing (0: no need).
func RequeueAfter(d *api.Deployment, s *api.DeploymentStatus, now time.Time) time.Duration {
	if !hasProgressDeadline(d) || DeploymentComplete(d, s) {
		return 0
	}
	c := GetCondition(s, ConditionProgressing)
	if c == nil || c.Reason == ReasonTimedOut || c.Status != "True" {
		return 0
	}
	after := c.LastUpdateTime.Time.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second).Sub(now)
	if after < time.Second {
		return time.Second
	}
	return after
}
