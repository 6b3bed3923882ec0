package job

import (
	"math"
	"testing"
	"time"

	"minik8s/pkg/api"
)

func i32(v int32) *int32 { return &v }
func i64(v int64) *int64 { return &v }

func newJob(completions, parallelism *int32, backoff int32) *api.Job {
	j := &api.Job{ObjectMeta: api.ObjectMeta{Name: "j", Namespace: "default", UID: "u"}}
	j.Spec.Completions, j.Spec.Parallelism, j.Spec.BackoffLimit = completions, parallelism, &backoff
	j.Spec.Template.Spec.RestartPolicy = api.RestartNever
	return j
}

// podsIn makes pending, active (running), succeeded and failed pods.
func podsIn(pending, active, succeeded, failed int) []*api.Pod {
	var out []*api.Pod
	add := func(n int, phase string) {
		for range n {
			out = append(out, &api.Pod{Spec: api.PodSpec{NodeName: "n"}, Status: api.PodStatus{Phase: phase}})
		}
	}
	add(pending, api.PodPending)
	add(active, api.PodRunning)
	add(succeeded, api.PodSucceeded)
	add(failed, api.PodFailed)
	return out
}

// Cases from Kubernetes' TestControllerSyncJob (job_controller_test.go).
func TestDecide(t *testing.T) {
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name                      string
		completions, parallelism  *int32
		backoff                   int32
		pending, active, ok, fail int
		wantCreate, wantDelete    int
		wantCondition, wantReason string
		wantActive                int32
	}{
		{"job start", i32(5), i32(2), 6, 0, 0, 0, 0, 2, 0, "", "", 0},
		{"WQ job start", nil, i32(2), 6, 0, 0, 0, 0, 2, 0, "", "", 0},
		{"pending pods", i32(5), i32(2), 6, 2, 0, 0, 0, 0, 0, "", "", 2},
		{"correct # of pods", i32(5), i32(3), 6, 0, 3, 0, 0, 0, 0, "", "", 3},
		{"too few active pods", i32(5), i32(2), 6, 0, 1, 1, 0, 1, 0, "", "", 1},
		{"too many active pods", i32(5), i32(2), 6, 0, 3, 0, 0, 0, 1, "", "", 3},
		{"failed + succeed pods: reset backoff delay", i32(5), i32(2), 6, 0, 1, 1, 1, 1, 0, "", "", 1},
		{"new failed pod", i32(5), i32(2), 6, 0, 1, 0, 1, 1, 0, "", "", 1},
		{"only new failed pod", i32(5), i32(2), 6, 0, 0, 0, 1, 2, 0, "", "", 0},
		{"job finish", i32(5), i32(2), 6, 0, 0, 5, 0, 0, 0, "Complete", "CompletionsReached", 0},
		{"WQ job finishing", nil, i32(2), 6, 0, 1, 1, 0, 0, 0, "", "", 1},
		{"WQ job all finished", nil, i32(2), 6, 0, 0, 2, 0, 0, 0, "Complete", "CompletionsReached", 0},
		{"WQ job all finished despite one failure", nil, i32(2), 6, 0, 0, 1, 1, 0, 0, "Complete", "CompletionsReached", 0},
		{"more active pods than parallelism", i32(5), i32(2), 6, 0, 10, 0, 0, 0, 8, "", "", 10},
		{"more active pods than remaining completions", i32(5), i32(3), 6, 0, 3, 4, 0, 0, 2, "", "", 3},
		{"zero parallelism", i32(5), i32(0), 6, 0, 0, 0, 0, 0, 0, "", "", 0},
		{"backoff limit exceeded", i32(5), i32(2), 1, 0, 1, 0, 2, 0, 0, "Failed", "BackoffLimitExceeded", 0},
		{"backoff limit zero, one failure", i32(1), i32(1), 0, 0, 0, 0, 1, 0, 0, "Failed", "BackoffLimitExceeded", 0},
		{"failures at the limit", i32(5), i32(2), 2, 0, 0, 0, 2, 2, 0, "", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := newJob(tc.completions, tc.parallelism, tc.backoff)
			p := decide(j, podsIn(tc.pending, tc.active, tc.ok, tc.fail), now)
			if p.create != tc.wantCreate || p.deleteN != tc.wantDelete {
				t.Errorf("create %d delete %d, want %d %d", p.create, p.deleteN, tc.wantCreate, tc.wantDelete)
			}
			if p.finishedAs != tc.wantCondition || p.reason != tc.wantReason {
				t.Errorf("finished %q (%q), want %q (%q)", p.finishedAs, p.reason, tc.wantCondition, tc.wantReason)
			}
			st := p.status
			if st.Active != tc.wantActive || st.Succeeded != int32(tc.ok) || st.Failed != int32(tc.fail) {
				t.Errorf("status active %d succeeded %d failed %d", st.Active, st.Succeeded, st.Failed)
			}
			if st.StartTime == nil || !st.StartTime.Time.Equal(now) {
				t.Errorf("startTime %v", st.StartTime)
			}
			if tc.wantCondition != "" {
				if done, typ := IsFinished(&api.Job{Status: st}); !done || typ != tc.wantCondition {
					t.Errorf("conditions %+v", st.Conditions)
				}
				if p.deleteAll != (tc.pending+tc.active > 0) {
					t.Errorf("deleteAll %v", p.deleteAll)
				}
			}
			if tc.wantCondition == "Complete" && (st.CompletionTime == nil || !st.CompletionTime.Time.Equal(now)) {
				t.Errorf("completionTime %v", st.CompletionTime)
			}
			if tc.wantCondition != "Complete" && st.CompletionTime != nil {
				t.Errorf("completionTime set on an unfinished job")
			}
		})
	}
}

func TestDecideDeadline(t *testing.T) {
	start := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	j := newJob(i32(3), i32(1), 6)
	j.Spec.ActiveDeadlineSeconds = i64(10)
	j.Status.StartTime = &api.Time{Time: start}
	p := decide(j, podsIn(0, 1, 0, 0), start.Add(4*time.Second))
	if p.finishedAs != "" || p.requeueIn != 6*time.Second {
		t.Errorf("before the deadline: finished %q requeue %v", p.finishedAs, p.requeueIn)
	}
	p = decide(j, podsIn(0, 1, 0, 0), start.Add(10*time.Second))
	if p.finishedAs != api.JobFailed || p.reason != api.JobReasonDeadlineExceeded || !p.deleteAll || p.status.Active != 0 {
		t.Errorf("at the deadline: %+v", p)
	}
}

// An activeDeadlineSeconds of 2^63-1 (valid for a Job) is far away, not
// already past after a wrap to -1 s.
func TestDecideHugeDeadline(t *testing.T) {
	start := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	j := newJob(i32(3), i32(1), 6)
	j.Spec.ActiveDeadlineSeconds = i64(math.MaxInt64)
	j.Status.StartTime = &api.Time{Time: start}
	p := decide(j, podsIn(0, 1, 0, 0), start.Add(time.Hour))
	if p.finishedAs != "" || p.requeueIn < 100*365*24*time.Hour {
		t.Errorf("huge deadline: finished %q requeue %v", p.finishedAs, p.requeueIn)
	}
}

func TestDecideOnFailureRestarts(t *testing.T) {
	j := newJob(i32(1), i32(1), 2)
	j.Spec.Template.Spec.RestartPolicy = api.RestartOnFailure
	pods := podsIn(0, 1, 0, 0)
	pods[0].Status.ContainerStatuses = []api.ContainerStatus{{RestartCount: 1}}
	if p := decide(j, pods, time.Now()); p.finishedAs != "" {
		t.Errorf("1 restart, limit 2: %q", p.finishedAs)
	}
	pods[0].Status.ContainerStatuses[0].RestartCount = 2
	if p := decide(j, pods, time.Now()); p.reason != api.JobReasonBackoffLimitExceeded {
		t.Errorf("2 restarts, limit 2: %q", p.reason)
	}
}

func TestDecideSuspendAndFinished(t *testing.T) {
	j := newJob(i32(2), i32(2), 6)
	j.Spec.Suspend = func() *bool { b := true; return &b }()
	p := decide(j, podsIn(0, 2, 0, 0), time.Now())
	if !p.deleteAll || p.create != 0 || findCondition(p.status.Conditions, api.JobSuspended) == nil {
		t.Errorf("suspended: %+v", p)
	}
	done := newJob(i32(1), i32(1), 6)
	done.Status = api.JobStatus{Succeeded: 1, Conditions: []api.JobCondition{{Type: "Complete", Status: "True"}}}
	p = decide(done, nil, time.Now())
	if p.create != 0 || p.status.Succeeded != 1 {
		t.Errorf("finished job (pods gone) changed: %+v", p)
	}
}

func TestTTLExpiry(t *testing.T) {
	fin := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	j := newJob(i32(1), i32(1), 6)
	if _, ok := ttlExpiry(j); ok {
		t.Error("no ttl: expiry")
	}
	j.Spec.TTLSecondsAfterFinished = i32(30)
	if _, ok := ttlExpiry(j); ok {
		t.Error("unfinished: expiry")
	}
	j.Status.Conditions = []api.JobCondition{{Type: "Complete", Status: "True", LastTransitionTime: api.Time{Time: fin}}}
	j.Status.CompletionTime = &api.Time{Time: fin}
	if at, ok := ttlExpiry(j); !ok || !at.Equal(fin.Add(30*time.Second)) {
		t.Errorf("expiry %v %v", at, ok)
	}
}
