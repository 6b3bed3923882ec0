package printers

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestPrintJobs(t *testing.T) {
	done := &api.Job{ObjectMeta: api.ObjectMeta{Name: "pi", CreationTimestamp: ago(5 * time.Minute)},
		Spec: api.JobSpec{Completions: i32(3), Parallelism: i32(2)},
		Status: api.JobStatus{Succeeded: 3, StartTime: agoPtr(5 * time.Minute), CompletionTime: agoPtr(5*time.Minute - 12*time.Second),
			Conditions: []api.JobCondition{{Type: "Complete", Status: "True"}}}}
	running := &api.Job{ObjectMeta: api.ObjectMeta{Name: "wq", CreationTimestamp: ago(time.Minute)},
		Spec: api.JobSpec{Parallelism: i32(2)}, Status: api.JobStatus{StartTime: agoPtr(40 * time.Second), Active: 2}}
	failed := &api.Job{ObjectMeta: api.ObjectMeta{Name: "bad", CreationTimestamp: ago(time.Hour)},
		Spec: api.JobSpec{Completions: i32(1)},
		Status: api.JobStatus{Failed: 7, StartTime: agoPtr(time.Hour), Conditions: []api.JobCondition{
			{Type: "FailureTarget", Status: "True"}, {Type: "Failed", Status: "True"}}}}
	suspended := &api.Job{ObjectMeta: api.ObjectMeta{Name: "later", CreationTimestamp: ago(2 * time.Minute)},
		Status: api.JobStatus{Conditions: []api.JobCondition{{Type: "Suspended", Status: "True"}}}}
	got := printed(t, "Job", []api.Object{done, running, failed, suspended}, PrintOptions{})
	want := lines(
		"NAME    STATUS      COMPLETIONS   DURATION   AGE",
		"pi      Complete    3/3           12s        5m",
		"wq      Running     0/1 of 2      40s        60s",
		"bad     Failed      0/1           60m        60m",
		"later   Suspended   0/1                      2m",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPrintCronJobs(t *testing.T) {
	f := false
	c := &api.CronJob{ObjectMeta: api.ObjectMeta{Name: "hello", CreationTimestamp: ago(10 * time.Minute)},
		Spec:   api.CronJobSpec{Schedule: "*/1 * * * *", Suspend: &f},
		Status: api.CronJobStatus{Active: []api.ObjectReference{{Name: "hello-1"}}, LastScheduleTime: agoPtr(30 * time.Second)}}
	never := &api.CronJob{ObjectMeta: api.ObjectMeta{Name: "never", CreationTimestamp: ago(time.Minute)},
		Spec: api.CronJobSpec{Schedule: "@yearly"}}
	got := printed(t, "CronJob", []api.Object{c, never}, PrintOptions{})
	want := lines(
		"NAME    SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE",
		"hello   */1 * * * *   <none>     False     1        30s             10m",
		"never   @yearly       <none>     <unset>   0        <none>          60s",
	)
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
