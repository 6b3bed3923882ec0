package printers

import (
	"fmt"
	"time"

	"minik8s/pkg/api"
)

// Job and CronJob columns, as Kubernetes v1.32 prints them (printJob,
// printCronJob in pkg/printers/internalversion).
func init() {
	register("Job", append([]api.TableColumnDefinition{
		nameCol(),
		col("Status", TypeString, "Status of the job."),
		col("Completions", TypeString, "The number of succeeded pods out of the desired completions."),
		col("Duration", TypeString, "Time the job ran (or has been running)."),
		ageCol(),
	}, templateWideCols()...), jobRow)

	register("CronJob", []api.TableColumnDefinition{
		nameCol(),
		col("Schedule", TypeString, "The schedule in Cron format."),
		col("Timezone", TypeString, "The time zone of the schedule."),
		col("Suspend", "boolean", "Whether later runs are suspended."),
		col("Active", TypeInteger, "Number of jobs running."),
		col("Last Schedule", TypeDate, "When the job was last scheduled."),
		ageCol(),
		wideCol("Containers", TypeString, "Names of each container in the template."),
		wideCol("Images", TypeString, "Images referenced by each container in the template."),
		wideCol("Selector", TypeString, "Label selector for the jobs' pods."),
	}, cronJobRow)
}

func jobHas(j *api.Job, typ string) bool {
	for _, c := range j.Status.Conditions {
		if c.Type == typ && c.Status == "True" {
			return true
		}
	}
	return false
}

// JobStatus is the STATUS column of a job.
func JobStatus(j *api.Job) string {
	switch {
	case jobHas(j, api.JobComplete):
		return "Complete"
	case jobHas(j, api.JobFailed):
		return "Failed"
	case j.DeletionTimestamp != nil:
		return "Terminating"
	case jobHas(j, api.JobSuspended):
		return "Suspended"
	case jobHas(j, api.JobFailureTarget):
		return "FailureTarget"
	case jobHas(j, api.JobSuccessCriteria):
		return "SuccessCriteriaMet"
	}
	return "Running"
}

func jobRow(j *api.Job, now time.Time) ([]any, []api.TableRowCondition) {
	var completions string
	switch {
	case j.Spec.Completions != nil:
		completions = fmt.Sprintf("%d/%d", j.Status.Succeeded, *j.Spec.Completions)
	case j.Spec.Parallelism != nil && *j.Spec.Parallelism > 1:
		completions = fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, *j.Spec.Parallelism)
	default:
		completions = fmt.Sprintf("%d/1", j.Status.Succeeded)
	}
	var d string
	switch {
	case j.Status.StartTime == nil:
	case j.Status.CompletionTime == nil:
		d = HumanDuration(now.Sub(j.Status.StartTime.Time))
	default:
		d = HumanDuration(j.Status.CompletionTime.Sub(j.Status.StartTime.Time))
	}
	names, images := containerCells(j.Spec.Template.Spec.Containers)
	return []any{j.Name, JobStatus(j), completions, d, Age(j.CreationTimestamp, now),
		names, images, selectorCell(j.Spec.Selector)}, nil
}

func cronJobRow(c *api.CronJob, now time.Time) ([]any, []api.TableRowCondition) {
	last := "<none>"
	if c.Status.LastScheduleTime != nil {
		last = Age(*c.Status.LastScheduleTime, now)
	}
	tz := "<none>"
	if c.Spec.TimeZone != nil {
		tz = *c.Spec.TimeZone
	}
	suspend := "<unset>"
	if c.Spec.Suspend != nil {
		suspend = "False"
		if *c.Spec.Suspend {
			suspend = "True"
		}
	}
	names, images := containerCells(c.Spec.JobTemplate.Spec.Template.Spec.Containers)
	return []any{c.Name, c.Spec.Schedule, tz, suspend, int64(len(c.Status.Active)), last, Age(c.CreationTimestamp, now),
		names, images, selectorCell(c.Spec.JobTemplate.Spec.Selector)}, nil
}
