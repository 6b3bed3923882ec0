package compat

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// jobJSON is a Job of completions/parallelism whose one container sleeps.
func jobJSON(name string, completions, parallelism int) string {
	return fmt.Sprintf(`{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":%q},"spec":{"completions":%d,"parallelism":%d,"backoffLimit":1,`+
		`"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"work","image":"busybox:1.36","command":["sh","-c","sleep 2"]}]}}}}`,
		name, completions, parallelism)
}

// TestJobsMatchRealKubectl: get jobs|cronjobs (plain, wide, one name) and
// wait --for=condition=complete|failed (met, and timing out) print and
// exit the same through the real kubectl v1.32 and ours, for Jobs and
// CronJobs whose status is written directly (as the controllers would).
func TestJobsMatchRealKubectl(t *testing.T) {
	need(t, "kubectl")
	c := startCluster(t)
	base := c.ts.URL + "/apis/batch/v1/namespaces/default/"
	// Mid-minute ages of more than ten minutes print in whole minutes and
	// stay stable while the test runs.
	at := func(ago time.Duration) string { return time.Now().Add(-ago).UTC().Format(time.RFC3339) }
	start, end := at(25*time.Minute+30*time.Second), at(23*time.Minute+55*time.Second)
	for _, j := range []struct{ name, spec, status string }{
		{"done", jobJSON("done", 3, 2), `{"status":{"succeeded":3,"ready":0,"terminating":0,"startTime":"` + start + `","completionTime":"` + end + `",` +
			`"conditions":[{"type":"SuccessCriteriaMet","status":"True","reason":"CompletionsReached","message":"Reached expected number of succeeded pods","lastProbeTime":"` + end + `","lastTransitionTime":"` + end + `"},` +
			`{"type":"Complete","status":"True","reason":"CompletionsReached","message":"Reached expected number of succeeded pods","lastProbeTime":"` + end + `","lastTransitionTime":"` + end + `"}]}}`},
		{"busy", jobJSON("busy", 5, 2), `{"status":{"active":2,"succeeded":1,"ready":2,"terminating":0,"startTime":"` + start + `"}}`},
		{"broken", jobJSON("broken", 1, 1), `{"status":{"failed":2,"ready":0,"terminating":0,"startTime":"` + start + `",` +
			`"conditions":[{"type":"FailureTarget","status":"True","reason":"BackoffLimitExceeded","message":"Job has reached the specified backoff limit","lastProbeTime":"` + end + `","lastTransitionTime":"` + end + `"},` +
			`{"type":"Failed","status":"True","reason":"BackoffLimitExceeded","message":"Job has reached the specified backoff limit","lastProbeTime":"` + end + `","lastTransitionTime":"` + end + `"}]}}`},
		{"queue", `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"queue"},"spec":{"parallelism":2,"suspend":true,` +
			`"template":{"spec":{"restartPolicy":"OnFailure","containers":[{"name":"a","image":"busybox"},{"name":"b","image":"nginx:1.27"}]}}}}`,
			`{"status":{"conditions":[{"type":"Suspended","status":"True","reason":"JobSuspended","message":"Job suspended","lastProbeTime":"` + end + `","lastTransitionTime":"` + end + `"}]}}`},
	} {
		if _, err := doJSON(base+"jobs", j.spec); err != nil {
			t.Fatal(err)
		}
		if code := call(t, http.MethodPatch, base+"jobs/"+j.name+"/status", "application/merge-patch+json", j.status); code != http.StatusOK {
			t.Fatalf("status of job %s: %d", j.name, code)
		}
	}
	cron := `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"tick"},"spec":{"schedule":"*/5 * * * *","successfulJobsHistoryLimit":1,` +
		`"jobTemplate":{"spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"t","image":"busybox","command":["date"]}]}}}}}}`
	if _, err := doJSON(base+"cronjobs", cron); err != nil {
		t.Fatal(err)
	}
	if _, err := doJSON(base+"cronjobs", strings.NewReplacer(`"tick"`, `"idle"`, `*/5 * * * *`, `@hourly`, `"successfulJobsHistoryLimit":1,`, `"suspend":true,`).Replace(cron)); err != nil {
		t.Fatal(err)
	}
	if code := call(t, http.MethodPatch, base+"cronjobs/tick/status", "application/merge-patch+json",
		`{"status":{"lastScheduleTime":"`+at(20*time.Minute+30*time.Second)+`","lastSuccessfulTime":"`+at(19*time.Minute+30*time.Second)+`",`+
			`"active":[{"kind":"Job","namespace":"default","name":"busy","apiVersion":"batch/v1"}]}}`); code != http.StatusOK {
		t.Fatalf("cronjob status: %d", code)
	}

	for _, args := range [][]string{
		{"get", "jobs"},
		{"get", "jobs", "-o", "wide"},
		{"get", "job", "done"},
		{"get", "jobs", "--show-labels"},
		{"get", "cronjobs"},
		{"get", "cj", "-o", "wide"},
		{"get", "cronjob", "tick"},
		{"get", "jobs,cronjobs"},
		{"wait", "--for=condition=complete", "job/done"},
		{"wait", "--for=condition=complete", "job/done", "job/busy", "--timeout=1s"},
		{"wait", "--for=condition=failed", "job/broken", "--timeout=1s"},
		{"wait", "--for=condition=complete", "job/broken", "--timeout=1s"},
		{"wait", "--for=condition=complete", "job/nosuch", "--timeout=1s"},
		{"wait", "--for=condition=Complete=false", "job/busy", "--timeout=1s"},
	} {
		c.sameTable(t, args...) // ages of seconds-old objects masked
	}
	if out := c.ok(t, "", "get", "jobs"); !strings.Contains(out, "done     Complete    3/3") {
		t.Errorf("get jobs:\n%s", out)
	}
	// Exit codes of wait: 0 when met, 1 on a timeout.
	if _, _, err := c.ours(t, "wait", "--for=condition=complete", "job/done", "--timeout=1s"); err != nil {
		t.Errorf("our wait on a complete job: %v", err)
	}
	if _, stderr, err := c.ours(t, "wait", "--for=condition=complete", "job/busy", "--timeout=1s"); err == nil ||
		stderr != "error: timed out waiting for the condition on jobs/busy\n" {
		t.Errorf("our wait on a running job: %v %q", err, stderr)
	}
}
