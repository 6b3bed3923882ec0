package validation

import (
	"minik8s/pkg/api"
	"minik8s/pkg/cron"
	"minik8s/pkg/labels"
)

// Job and CronJob: defaults and validation of Kubernetes' batch/v1
// (pkg/apis/batch/v1/defaults.go, pkg/apis/batch/validation, and the job
// strategy's generated selector).

// Default values of batch/v1.
const (
	DefaultJobBackoffLimit            = 6
	DefaultSuccessfulJobsHistoryLimit = 3
	DefaultFailedJobsHistoryLimit     = 1
)

// defaultJobSpec fills in a job's defaults; with uid (a new job) and no
// manual selector it also generates the selector controller-uid=<uid>
// and labels the template to match, as Kubernetes' job strategy does.
func defaultJobSpec(s *api.JobSpec, name, uid string) {
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions, s.Parallelism = ptr(int32(1)), ptr(int32(1))
	}
	if s.Parallelism == nil {
		s.Parallelism = ptr(int32(1))
	}
	if s.BackoffLimit == nil {
		s.BackoffLimit = ptr(int32(DefaultJobBackoffLimit))
	}
	if s.CompletionMode == nil {
		s.CompletionMode = ptr(api.NonIndexedCompletion)
	}
	if s.Suspend == nil {
		s.Suspend = ptr(false)
	}
	if s.PodReplacementPolicy == nil {
		s.PodReplacementPolicy = ptr("TerminatingOrFailed")
	}
	if s.ManualSelector == nil || !*s.ManualSelector {
		if uid != "" && s.Selector == nil {
			s.Selector = &api.LabelSelector{MatchLabels: map[string]string{api.BatchJobControllerUIDLabel: uid}}
			if s.Template.Labels == nil {
				s.Template.Labels = map[string]string{}
			}
			s.Template.Labels[api.JobControllerUIDLabel] = uid
			s.Template.Labels[api.BatchJobControllerUIDLabel] = uid
			s.Template.Labels[api.JobNameLabel] = name
			s.Template.Labels[api.BatchJobNameLabel] = name
		}
	}
	DefaultPodSpec(&s.Template.Spec)
}

func defaultCronJob(c *api.CronJob) {
	s := &c.Spec
	if s.ConcurrencyPolicy == "" {
		s.ConcurrencyPolicy = api.AllowConcurrent
	}
	if s.Suspend == nil {
		s.Suspend = ptr(false)
	}
	if s.SuccessfulJobsHistoryLimit == nil {
		s.SuccessfulJobsHistoryLimit = ptr(int32(DefaultSuccessfulJobsHistoryLimit))
	}
	if s.FailedJobsHistoryLimit == nil {
		s.FailedJobsHistoryLimit = ptr(int32(DefaultFailedJobsHistoryLimit))
	}
	// The template's selector is generated per job, when the job is made.
	defaultJobSpec(&s.JobTemplate.Spec, "", "")
}

func validateJobSpec(s *api.JobSpec, p Path, template bool) ErrorList {
	var errs ErrorList
	for _, f := range []struct {
		name string
		v    *int32
	}{{"parallelism", s.Parallelism}, {"completions", s.Completions}, {"backoffLimit", s.BackoffLimit}} {
		if f.v != nil {
			errs = append(errs, nonNegative(p.Child(f.name), int64(*f.v))...)
		}
	}
	if s.ActiveDeadlineSeconds != nil && *s.ActiveDeadlineSeconds <= 0 {
		errs = append(errs, Invalid(p.Child("activeDeadlineSeconds"), *s.ActiveDeadlineSeconds, "must be greater than 0"))
	}
	if s.TTLSecondsAfterFinished != nil {
		errs = append(errs, nonNegative(p.Child("ttlSecondsAfterFinished"), int64(*s.TTLSecondsAfterFinished))...)
	}
	if s.CompletionMode != nil && *s.CompletionMode != api.NonIndexedCompletion {
		errs = append(errs, NotSupported(p.Child("completionMode"), *s.CompletionMode, []string{api.NonIndexedCompletion}))
	}
	sp := p.Child("selector")
	if s.Selector == nil {
		if !template {
			errs = append(errs, Required(sp, ""))
		}
	} else {
		selErrs := ValidateLabelSelector(s.Selector, sp)
		errs = append(errs, selErrs...)
		if len(selErrs) == 0 {
			if sel, err := labels.FromLabelSelector(s.Selector); err != nil {
				errs = append(errs, Invalid(sp, s.Selector, err.Error()))
			} else if !sel.Matches(s.Template.Labels) {
				errs = append(errs, Invalid(p.Child("template").Child("metadata").Child("labels"), s.Template.Labels, "`selector` does not match template `labels`"))
			}
		}
	}
	tp := p.Child("template")
	errs = append(errs, ValidateLabels(s.Template.Labels, tp.Child("metadata").Child("labels"))...)
	errs = append(errs, validatePodSpec(&s.Template.Spec, tp.Child("spec"))...)
	if rp := s.Template.Spec.RestartPolicy; rp != api.RestartOnFailure && rp != api.RestartNever {
		if rp == "" {
			errs = append(errs, Required(tp.Child("spec").Child("restartPolicy"), `valid values: "OnFailure", "Never"`))
		} else {
			errs = append(errs, NotSupported(tp.Child("spec").Child("restartPolicy"), rp, []string{api.RestartOnFailure, api.RestartNever}))
		}
	}
	return errs
}

func validateCronJobSpec(s *api.CronJobSpec, p Path) ErrorList {
	var errs ErrorList
	if s.Schedule == "" {
		errs = append(errs, Required(p.Child("schedule"), ""))
	} else if _, err := cron.Parse(s.Schedule); err != nil {
		errs = append(errs, Invalid(p.Child("schedule"), s.Schedule, err.Error()))
	}
	if s.TimeZone != nil {
		errs = append(errs, Forbidden(p.Child("timeZone"), "time zones are not supported by minik8s (schedules run in UTC)"))
	}
	if s.StartingDeadlineSeconds != nil {
		errs = append(errs, nonNegative(p.Child("startingDeadlineSeconds"), *s.StartingDeadlineSeconds)...)
	}
	if s.ConcurrencyPolicy != "" {
		errs = append(errs, oneOf(p.Child("concurrencyPolicy"), s.ConcurrencyPolicy, api.AllowConcurrent, api.ForbidConcurrent, api.ReplaceConcurrent)...)
	}
	if v := s.SuccessfulJobsHistoryLimit; v != nil {
		errs = append(errs, nonNegative(p.Child("successfulJobsHistoryLimit"), int64(*v))...)
	}
	if v := s.FailedJobsHistoryLimit; v != nil {
		errs = append(errs, nonNegative(p.Child("failedJobsHistoryLimit"), int64(*v))...)
	}
	return append(errs, validateJobSpec(&s.JobTemplate.Spec, p.Child("jobTemplate").Child("spec"), true)...)
}

// validateJobUpdate: a job's selector, completions and completion mode
// are immutable (Kubernetes also freezes the pod template; minik8s does not check it).
func validateJobUpdate(n, o *api.JobSpec) ErrorList {
	var errs ErrorList
	if n.Selector != nil && !selectorsEqual(n.Selector, o.Selector) {
		errs = append(errs, Invalid("spec.selector", n.Selector, "field is immutable"))
	}
	if n.Completions != nil && o.Completions != nil && *n.Completions != *o.Completions {
		errs = append(errs, Invalid("spec.completions", *n.Completions, "field is immutable"))
	}
	if n.CompletionMode != nil && o.CompletionMode != nil && *n.CompletionMode != *o.CompletionMode {
		errs = append(errs, Invalid("spec.completionMode", *n.CompletionMode, "field is immutable"))
	}
	return errs
}
