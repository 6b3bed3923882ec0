package job

import (
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/controller"
)

// counts are a job's pods by state.
type counts struct {
	active, succeeded, failed, ready, terminating int32
	// restarts sums the container restarts of the active pods (a job with
	// restartPolicy OnFailure counts them against its backoffLimit).
	restarts int32
}

func countPods(pods []*api.Pod) counts {
	var c counts
	for _, p := range pods {
		switch {
		case p.Status.Phase == api.PodSucceeded:
			c.succeeded++
		case p.Status.Phase == api.PodFailed:
			c.failed++
		case p.DeletionTimestamp != nil:
			c.terminating++
		default:
			c.active++
			if controller.IsPodReady(p) {
				c.ready++
			}
			for _, cs := range p.Status.ContainerStatuses {
				c.restarts += cs.RestartCount
			}
		}
	}
	return c
}

// plan is what one sync does: pods to create or delete, the new status,
// and when to look again (deadline).
type plan struct {
	create     int
	deleteAll  bool // delete every active pod (job finished or suspended)
	deleteN    int  // delete this many active pods (parallelism lowered)
	status     api.JobStatus
	requeueIn  time.Duration
	finishedAs string // condition type set by this sync, if any
	reason     string
	message    string
}

// IsFinished reports whether the job has a true Complete or Failed condition.
func IsFinished(j *api.Job) (bool, string) {
	for _, c := range j.Status.Conditions {
		if (c.Type == api.JobComplete || c.Type == api.JobFailed) && c.Status == "True" {
			return true, c.Type
		}
	}
	return false, ""
}

// decide computes a job's next step from its spec, last status and pods.
func decide(j *api.Job, pods []*api.Pod, now time.Time) plan {
	c := countPods(pods)
	st := j.Status
	st.Succeeded, st.Failed = c.succeeded, c.failed
	st.Active, st.Ready, st.Terminating = c.active, &c.ready, &c.terminating
	p := plan{}
	nowT := api.Time{Time: now.UTC().Truncate(time.Second)}
	if done, _ := IsFinished(j); done {
		// The counts are final; only leftover pods go.
		p.deleteAll = c.active > 0
		p.status = j.Status
		return p
	}
	suspended := j.Spec.Suspend != nil && *j.Spec.Suspend
	if suspended {
		st.Conditions = setCondition(st.Conditions, api.JobSuspended, "True", "JobSuspended", "Job suspended", nowT)
		p.deleteAll = c.active > 0
		st.Active = 0
		p.status = st
		return p
	}
	if cond := findCondition(st.Conditions, api.JobSuspended); cond != nil && cond.Status == "True" {
		st.Conditions = setCondition(st.Conditions, api.JobSuspended, "False", "JobResumed", "Job resumed", nowT)
		st.StartTime = nil // the deadline counts from the resume
	}
	if st.StartTime == nil {
		st.StartTime = &nowT
	}
	backoff := int32(6)
	if j.Spec.BackoffLimit != nil {
		backoff = *j.Spec.BackoffLimit
	}
	var failReason, failMessage string
	switch {
	case c.failed > backoff || pastBackoffLimitOnFailure(j, c, backoff):
		failReason, failMessage = api.JobReasonBackoffLimitExceeded, "Job has reached the specified backoff limit"
	case j.Spec.ActiveDeadlineSeconds != nil:
		deadline := st.StartTime.Time.Add(api.Seconds(*j.Spec.ActiveDeadlineSeconds))
		if !now.Before(deadline) {
			failReason, failMessage = api.JobReasonDeadlineExceeded, "Job was active longer than specified deadline"
		} else {
			p.requeueIn = deadline.Sub(now)
		}
	}
	if failReason != "" {
		st.Conditions = setCondition(st.Conditions, api.JobFailureTarget, "True", failReason, failMessage, nowT)
		st.Conditions = setCondition(st.Conditions, api.JobFailed, "True", failReason, failMessage, nowT)
		p.deleteAll = c.active > 0
		st.Active = 0
		p.status, p.finishedAs, p.reason, p.message = st, api.JobFailed, failReason, failMessage
		return p
	}
	parallelism := int32(1)
	if j.Spec.Parallelism != nil {
		parallelism = *j.Spec.Parallelism
	}
	var complete bool
	var want int32
	if j.Spec.Completions == nil {
		// A work queue: done once some pod succeeded and none is left.
		complete = c.succeeded > 0 && c.active == 0
		want = parallelism
		if c.succeeded > 0 {
			want = c.active // no new pods once one succeeded
		}
	} else {
		complete = c.succeeded >= *j.Spec.Completions
		want = min(*j.Spec.Completions-c.succeeded, parallelism)
		if want < 0 {
			want = 0
		}
	}
	if complete {
		st.Conditions = setCondition(st.Conditions, api.JobSuccessCriteria, "True", api.JobReasonCompletionsReached, "Reached expected number of succeeded pods", nowT)
		st.Conditions = setCondition(st.Conditions, api.JobComplete, "True", api.JobReasonCompletionsReached, "Reached expected number of succeeded pods", nowT)
		st.CompletionTime = &nowT
		p.deleteAll = c.active > 0
		st.Active = 0
		p.status, p.finishedAs, p.reason = st, api.JobComplete, api.JobReasonCompletionsReached
		return p
	}
	switch {
	case c.active < want:
		p.create = int(want - c.active)
	case c.active > want:
		p.deleteN = int(c.active - want)
	}
	p.status = st
	return p
}

// pastBackoffLimitOnFailure: with restartPolicy OnFailure failed
// containers restart in place, so their restarts count as failures
// (Kubernetes' pastBackoffLimitOnFailure).
func pastBackoffLimitOnFailure(j *api.Job, c counts, backoff int32) bool {
	if j.Spec.Template.Spec.RestartPolicy != api.RestartOnFailure {
		return false
	}
	if backoff == 0 {
		return c.restarts > 0
	}
	return c.restarts >= backoff
}

func findCondition(conds []api.JobCondition, typ string) *api.JobCondition {
	for i := range conds {
		if conds[i].Type == typ {
			return &conds[i]
		}
	}
	return nil
}

// setCondition sets a condition, keeping its transition time when the
// status does not change.
func setCondition(conds []api.JobCondition, typ, status, reason, message string, now api.Time) []api.JobCondition {
	out := append([]api.JobCondition(nil), conds...)
	if c := findCondition(out, typ); c != nil {
		if c.Status == status && c.Reason == reason && c.Message == message {
			return out
		}
		if c.Status != status {
			c.LastTransitionTime = now
		}
		c.Status, c.Reason, c.Message, c.LastProbeTime = status, reason, message, now
		return out
	}
	return append(out, api.JobCondition{Type: typ, Status: status, Reason: reason, Message: message, LastProbeTime: now, LastTransitionTime: now})
}

// ttlExpiry is when a finished job with ttlSecondsAfterFinished is to be
// deleted (ok false: never).
func ttlExpiry(j *api.Job) (time.Time, bool) {
	if j.Spec.TTLSecondsAfterFinished == nil || j.DeletionTimestamp != nil {
		return time.Time{}, false
	}
	done, typ := IsFinished(j)
	if !done {
		return time.Time{}, false
	}
	var finish time.Time
	if c := findCondition(j.Status.Conditions, typ); c != nil {
		finish = c.LastTransitionTime.Time
	}
	if j.Status.CompletionTime != nil && typ == api.JobComplete {
		finish = j.Status.CompletionTime.Time
	}
	return finish.Add(api.Seconds(int64(*j.Spec.TTLSecondsAfterFinished))), true
}
