package cronjob

import (
	"testing"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/cron"
)

func tm(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Cases after Kubernetes' TestMostRecentScheduleTime (utils_test.go).
func TestMostRecentScheduleTime(t *testing.T) {
	i64 := func(v int64) *int64 { return &v }
	tests := []struct {
		name, schedule, created, last, now string
		deadline                           *int64
		want                               string // "" none
		wantMissed                         int
	}{
		{"no schedule yet", "0 * * * *", "2016-05-19T10:10:00Z", "", "2016-05-19T10:50:00Z", nil, "", 0},
		{"first schedule", "0 * * * *", "2016-05-19T09:50:00Z", "", "2016-05-19T10:01:00Z", nil, "2016-05-19T10:00:00Z", 1},
		{"since last schedule", "0 * * * *", "2016-05-19T08:50:00Z", "2016-05-19T09:00:00Z", "2016-05-19T10:30:00Z", nil, "2016-05-19T10:00:00Z", 1},
		{"already ran this hour", "0 * * * *", "2016-05-19T08:50:00Z", "2016-05-19T10:00:00Z", "2016-05-19T10:59:00Z", nil, "", 0},
		{"several missed", "0 * * * *", "2016-05-19T04:50:00Z", "2016-05-19T05:00:00Z", "2016-05-19T10:30:00Z", nil, "2016-05-19T10:00:00Z", 5},
		{"every minute, missed", "*/1 * * * *", "2016-05-19T10:00:00Z", "2016-05-19T10:00:00Z", "2016-05-19T10:03:30Z", nil, "2016-05-19T10:03:00Z", 3},
		{"deadline narrows the window", "0 * * * *", "2016-05-19T04:50:00Z", "2016-05-19T05:00:00Z", "2016-05-19T10:30:00Z", i64(3600), "2016-05-19T10:00:00Z", 1},
		{"deadline passed every time", "0 * * * *", "2016-05-19T04:50:00Z", "2016-05-19T05:00:00Z", "2016-05-19T10:30:00Z", i64(600), "", 0},
		{"more than 100 missed", "*/1 * * * *", "2016-05-19T00:00:00Z", "", "2016-05-19T10:00:30Z", nil, "2016-05-19T10:00:00Z", 101},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := cron.Parse(tc.schedule)
			if err != nil {
				t.Fatal(err)
			}
			cj := &api.CronJob{ObjectMeta: api.ObjectMeta{Name: "c", CreationTimestamp: api.Time{Time: tm(tc.created)}}}
			cj.Spec.StartingDeadlineSeconds = tc.deadline
			if tc.last != "" {
				cj.Status.LastScheduleTime = &api.Time{Time: tm(tc.last)}
			}
			got, missed, ok := mostRecentScheduleTime(cj, tm(tc.now), s)
			if tc.want == "" {
				if ok {
					t.Errorf("got %s, want none", got)
				}
				return
			}
			if !ok || !got.Equal(tm(tc.want)) || missed != tc.wantMissed {
				t.Errorf("got %s (ok %v) missed %d, want %s missed %d", got, ok, missed, tc.want, tc.wantMissed)
			}
		})
	}
}

func TestNextScheduleAndJobName(t *testing.T) {
	s, _ := cron.Parse("*/1 * * * *")
	if got := nextScheduleTime(tm("2016-05-19T10:00:30Z"), s); !got.Equal(tm("2016-05-19T10:01:00Z")) {
		t.Errorf("next %s", got)
	}
	cj := &api.CronJob{ObjectMeta: api.ObjectMeta{Name: "hello", Namespace: "ns"}}
	cj.Spec.JobTemplate.Labels = map[string]string{"a": "b"}
	cj.Spec.JobTemplate.Spec.Template.Labels = map[string]string{"app": "x"}
	j := jobFromTemplate(cj, tm("2016-05-19T10:01:00Z"), api.OwnerReference{Kind: "CronJob", Name: "hello"})
	if j.Name != "hello-24394201" || j.Namespace != "ns" || j.Labels["a"] != "b" || j.Spec.Template.Labels["app"] != "x" ||
		j.Annotations[api.CronJobScheduledTimestampAn] != "2016-05-19T10:01:00Z" || j.OwnerReferences[0].Kind != "CronJob" {
		t.Errorf("job %+v", j.ObjectMeta)
	}
}

func TestToPrune(t *testing.T) {
	mk := func(name, cond string, startMin int) *api.Job {
		j := &api.Job{ObjectMeta: api.ObjectMeta{Name: name}}
		j.Status.StartTime = &api.Time{Time: tm("2016-05-19T10:00:00Z").Add(time.Duration(startMin) * time.Minute)}
		if cond != "" {
			j.Status.Conditions = []api.JobCondition{{Type: cond, Status: "True"}}
		}
		return j
	}
	jobs := []*api.Job{mk("ok3", "Complete", 3), mk("ok1", "Complete", 1), mk("run", "", 0), mk("ok2", "Complete", 2),
		mk("ok4", "Complete", 4), mk("f1", "Failed", 1), mk("f2", "Failed", 2)}
	three, one := int32(3), int32(1)
	var got []string
	for _, j := range toPrune(jobs, &three, &one) {
		got = append(got, j.Name)
	}
	if want := "ok1 f1"; len(got) != 2 || got[0]+" "+got[1] != want {
		t.Errorf("pruned %v, want %s", got, want)
	}
	if p := toPrune(jobs, nil, nil); len(p) != 0 {
		t.Errorf("no limits pruned %d", len(p))
	}
}

func TestTrackJobs(t *testing.T) {
	done := &api.Job{ObjectMeta: api.ObjectMeta{Name: "a"}, Status: api.JobStatus{CompletionTime: &api.Time{Time: tm("2016-05-19T10:02:00Z")},
		Conditions: []api.JobCondition{{Type: "Complete", Status: "True"}}}}
	running := &api.Job{ObjectMeta: api.ObjectMeta{Name: "b", Namespace: "ns", UID: "u"}}
	st := trackJobs(api.CronJobStatus{Active: []api.ObjectReference{{Name: "a"}, {Name: "gone"}}}, []*api.Job{done, running})
	if len(st.Active) != 1 || st.Active[0].Name != "b" || st.Active[0].UID != "u" {
		t.Errorf("active %+v", st.Active)
	}
	if st.LastSuccessfulTime == nil || !st.LastSuccessfulTime.Time.Equal(tm("2016-05-19T10:02:00Z")) {
		t.Errorf("lastSuccessfulTime %v", st.LastSuccessfulTime)
	}
}
