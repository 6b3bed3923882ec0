// Package cronjob is the CronJob controller (Kubernetes'
// pkg/controller/cronjob, v2): it creates a Job at each scheduled time of
// a cron job (named <cronjob>-<scheduled time in minutes>), honours
// startingDeadlineSeconds, the Allow/Forbid/Replace concurrency policies
// and suspend, tracks the active jobs, lastScheduleTime and
// lastSuccessfulTime, and deletes finished jobs beyond the history limits.
// Schedules run in UTC (timeZone is rejected by validation).
package cronjob

import (
	"fmt"
	"sort"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/cron"
)

// maxMissed bounds the missed schedules counted before giving up on
// counting (Kubernetes warns at 100 missed start times).
const maxMissed = 100

// mostRecentScheduleTime is the latest schedule time in (earliest, now],
// where earliest is the last schedule time (or the creation time) moved
// up to now-startingDeadlineSeconds; ok false when none. missed counts the
// schedule times in the window (at most maxMissed+1).
func mostRecentScheduleTime(cj *api.CronJob, now time.Time, s *cron.Schedule) (t time.Time, missed int, ok bool) {
	earliest := cj.CreationTimestamp.Time
	if cj.Status.LastScheduleTime != nil {
		earliest = cj.Status.LastScheduleTime.Time
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil {
		if lim := now.Add(-api.Seconds(*d)); lim.After(earliest) {
			earliest = lim
		}
	}
	for next := s.Next(earliest.UTC()); !next.IsZero() && !next.After(now); next = s.Next(next) {
		t, ok = next, true
		missed++
		if missed > maxMissed {
			// Jump to the last one directly instead of walking them all.
			for n := s.Next(next); !n.IsZero() && !n.After(now); n = s.Next(n) {
				t = n
			}
			break
		}
	}
	return t, missed, ok
}

// nextScheduleTime is the first schedule time after now.
func nextScheduleTime(now time.Time, s *cron.Schedule) time.Time {
	return s.Next(now.UTC())
}

// jobName is the name of the job scheduled at t: <cronjob>-<minutes since the epoch>.
func jobName(cj *api.CronJob, t time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, t.Unix()/60)
}

// jobFromTemplate builds the job a cron job runs at scheduled.
func jobFromTemplate(cj *api.CronJob, scheduled time.Time, ref api.OwnerReference) *api.Job {
	t := cj.Spec.JobTemplate
	j := &api.Job{ObjectMeta: api.ObjectMeta{Name: jobName(cj, scheduled), Namespace: cj.Namespace,
		Labels: copyMap(t.Labels), Annotations: copyMap(t.Annotations), OwnerReferences: []api.OwnerReference{ref}},
		Spec: t.Spec}
	if j.Annotations == nil {
		j.Annotations = map[string]string{}
	}
	j.Annotations[api.CronJobScheduledTimestampAn] = scheduled.UTC().Format(time.RFC3339)
	j.Spec.Template.Labels = copyMap(t.Spec.Template.Labels)
	return j
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// finishedType is "Complete" or "Failed" for a finished job, "" otherwise.
func finishedType(j *api.Job) string {
	for _, c := range j.Status.Conditions {
		if (c.Type == api.JobComplete || c.Type == api.JobFailed) && c.Status == "True" {
			return c.Type
		}
	}
	return ""
}

// toPrune lists the finished jobs beyond the history limits, oldest first
// (by start time, then name), as Kubernetes' removeOldestJobs does.
func toPrune(jobs []*api.Job, successfulLimit, failedLimit *int32) []*api.Job {
	var ok, failed []*api.Job
	for _, j := range jobs {
		switch finishedType(j) {
		case api.JobComplete:
			ok = append(ok, j)
		case api.JobFailed:
			failed = append(failed, j)
		}
	}
	return append(oldest(ok, successfulLimit), oldest(failed, failedLimit)...)
}

func oldest(jobs []*api.Job, limit *int32) []*api.Job {
	if limit == nil || len(jobs) <= int(*limit) {
		return nil
	}
	sort.SliceStable(jobs, func(a, b int) bool {
		ta, tb := startOf(jobs[a]), startOf(jobs[b])
		if !ta.Equal(tb) {
			return ta.Before(tb)
		}
		return jobs[a].Name < jobs[b].Name
	})
	return jobs[:len(jobs)-int(*limit)]
}

func startOf(j *api.Job) time.Time {
	if j.Status.StartTime != nil {
		return j.Status.StartTime.Time
	}
	return j.CreationTimestamp.Time
}
