package validation

import (
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

func baseJob() *api.Job {
	rs := baseReplicaSet()
	j := &api.Job{ObjectMeta: api.ObjectMeta{Name: "pi", UID: "u-1"}, Spec: api.JobSpec{Template: rs.Spec.Template}}
	j.Spec.Template.Spec.RestartPolicy = api.RestartNever
	return j
}

func TestDefaultJob(t *testing.T) {
	j := baseJob()
	Default(j)
	s := j.Spec
	if *s.Completions != 1 || *s.Parallelism != 1 || *s.BackoffLimit != 6 || *s.CompletionMode != "NonIndexed" || *s.Suspend {
		t.Errorf("defaults: %+v", s)
	}
	want := map[string]string{"batch.kubernetes.io/controller-uid": "u-1"}
	if !reflect.DeepEqual(s.Selector.MatchLabels, want) {
		t.Errorf("selector %v", s.Selector.MatchLabels)
	}
	for k, v := range map[string]string{"controller-uid": "u-1", "batch.kubernetes.io/controller-uid": "u-1", "job-name": "pi", "batch.kubernetes.io/job-name": "pi", "app": "web"} {
		if s.Template.Labels[k] != v {
			t.Errorf("template label %s = %q, want %q", k, s.Template.Labels[k], v)
		}
	}
	if errs := Validate(j); len(errs) != 0 {
		t.Errorf("defaulted job invalid: %v", errs)
	}
	// Parallelism alone leaves completions unset (a work queue job).
	wq := baseJob()
	wq.Spec.Parallelism = ptr(int32(3))
	Default(wq)
	if wq.Spec.Completions != nil || *wq.Spec.Parallelism != 3 {
		t.Errorf("work queue job: completions %v parallelism %d", wq.Spec.Completions, *wq.Spec.Parallelism)
	}
	// A manual selector is kept and the template is not labelled.
	m := baseJob()
	m.Spec.ManualSelector = ptr(true)
	m.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	Default(m)
	if _, ok := m.Spec.Template.Labels["controller-uid"]; ok || m.Spec.Selector.MatchLabels["app"] != "web" {
		t.Errorf("manual selector changed: %v %v", m.Spec.Selector, m.Spec.Template.Labels)
	}
}

func TestValidateJob(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*api.Job)
		want   []string
	}{
		{"valid", func(*api.Job) {}, nil},
		{"restartPolicy Always", func(j *api.Job) { j.Spec.Template.Spec.RestartPolicy = "" },
			[]string{`spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"`}},
		{"negative counts", func(j *api.Job) {
			j.Spec.Parallelism, j.Spec.Completions, j.Spec.BackoffLimit = ptr(int32(-1)), ptr(int32(-2)), ptr(int32(-3))
		}, []string{"spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
			"spec.completions: Invalid value: -2: must be greater than or equal to 0",
			"spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0"}},
		{"activeDeadlineSeconds 0", func(j *api.Job) { j.Spec.ActiveDeadlineSeconds = ptr(int64(0)) },
			[]string{"spec.activeDeadlineSeconds: Invalid value: 0: must be greater than 0"}},
		{"negative ttl", func(j *api.Job) { j.Spec.TTLSecondsAfterFinished = ptr(int32(-1)) },
			[]string{"spec.ttlSecondsAfterFinished: Invalid value: -1: must be greater than or equal to 0"}},
		{"Indexed", func(j *api.Job) { j.Spec.CompletionMode = ptr("Indexed") },
			[]string{`spec.completionMode: Unsupported value: "Indexed": supported values: "NonIndexed"`}},
		{"manual selector mismatch", func(j *api.Job) {
			j.Spec.ManualSelector = ptr(true)
			j.Spec.Selector = &api.LabelSelector{MatchLabels: map[string]string{"app": "db"}}
		}, []string{"spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := baseJob()
			tc.mutate(j)
			Default(j)
			var got []string
			for _, e := range Validate(j) {
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestJobUpdate(t *testing.T) {
	old := baseJob()
	Default(old)
	cur := baseJob()
	cur.UID = ""
	cur.Spec.Selector = old.Spec.Selector
	cur.Spec.Template.Labels = old.Spec.Template.Labels
	cur.Spec.Completions = ptr(int32(5))
	Default(cur)
	var got []string
	for _, e := range ValidateUpdate(cur, old) {
		got = append(got, e.Error())
	}
	if want := []string{"spec.completions: Invalid value: 5: field is immutable"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func baseCronJob() *api.CronJob {
	j := baseJob()
	return &api.CronJob{ObjectMeta: api.ObjectMeta{Name: "hello", UID: "c-1"},
		Spec: api.CronJobSpec{Schedule: "*/1 * * * *", JobTemplate: api.JobTemplateSpec{Spec: j.Spec}}}
}

func TestDefaultCronJob(t *testing.T) {
	c := baseCronJob()
	Default(c)
	s := c.Spec
	if s.ConcurrencyPolicy != "Allow" || *s.Suspend || *s.SuccessfulJobsHistoryLimit != 3 || *s.FailedJobsHistoryLimit != 1 {
		t.Errorf("defaults: %+v", s)
	}
	if s.JobTemplate.Spec.Selector != nil || *s.JobTemplate.Spec.BackoffLimit != 6 {
		t.Errorf("job template: selector %v backoffLimit %d", s.JobTemplate.Spec.Selector, *s.JobTemplate.Spec.BackoffLimit)
	}
	if errs := Validate(c); len(errs) != 0 {
		t.Errorf("defaulted cron job invalid: %v", errs)
	}
}

func TestValidateCronJob(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*api.CronJob)
		want   []string
	}{
		{"valid", func(*api.CronJob) {}, nil},
		{"hourly", func(c *api.CronJob) { c.Spec.Schedule = "@hourly" }, nil},
		{"no schedule", func(c *api.CronJob) { c.Spec.Schedule = "" }, []string{"spec.schedule: Required value"}},
		{"bad schedule", func(c *api.CronJob) { c.Spec.Schedule = "* * *" },
			[]string{`spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: * * *`}},
		{"CRON_TZ", func(c *api.CronJob) { c.Spec.Schedule = "CRON_TZ=UTC 0 * * * *" },
			[]string{`spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": time zones in the schedule are not supported`}},
		{"timeZone", func(c *api.CronJob) { c.Spec.TimeZone = ptr("Europe/Paris") },
			[]string{"spec.timeZone: Forbidden: time zones are not supported by minik8s (schedules run in UTC)"}},
		{"policy", func(c *api.CronJob) { c.Spec.ConcurrencyPolicy = "Sometimes" },
			[]string{`spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"`}},
		{"limits", func(c *api.CronJob) {
			c.Spec.SuccessfulJobsHistoryLimit, c.Spec.FailedJobsHistoryLimit, c.Spec.StartingDeadlineSeconds = ptr(int32(-1)), ptr(int32(-1)), ptr(int64(-1))
		}, []string{"spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
			"spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0",
			"spec.failedJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0"}},
		{"template restartPolicy", func(c *api.CronJob) { c.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = "Always" },
			[]string{`spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := baseCronJob()
			tc.mutate(c)
			Default(c)
			var got []string
			for _, e := range Validate(c) {
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
