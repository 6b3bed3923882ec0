package e2e

// Jobs and CronJobs on real containers (issue 12 part 5): the parts "jobs"
// (a Job with completions 3 and parallelism 2 completes, one past its
// backoffLimit fails; `kubectl wait` and `get jobs`, ours and the real
// kubectl) and "jobs-cronjob" (a CronJob every minute creates Jobs and
// keeps its successful history limit; it mostly waits, so it runs beside
// the other parallel parts).

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

func init() {
	registerKubectlE2E("jobs", testJobsOnLab)
	registerKubectlE2E("jobs-cronjob", testCronJobOnLab)
}

// jobSpecJSON is a Job spec whose one container runs sh -c script in
// the lab's tools image.
func jobSpecJSON(completions, parallelism, backoffLimit int, script string) string {
	return fmt.Sprintf(`{"completions":%d,"parallelism":%d,"backoffLimit":%d,"template":{"spec":{"restartPolicy":"Never",`+
		`"terminationGracePeriodSeconds":1,"containers":[{"name":"work","image":"docker.io/minik8s/tools:latest","imagePullPolicy":"IfNotPresent",`+
		`"command":["sh","-c",%q]}]}}}`, completions, parallelism, backoffLimit, script)
}

// jobsNamespace creates namespace ns and deletes it when the test ends.
func jobsNamespace(ctx context.Context, t *testing.T, cl *cluster, ns string) {
	t.Helper()
	if _, err := cl.c.Do(ctx, http.MethodPost, "/api/v1/namespaces", []byte(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+ns+`"}}`), nil); err != nil {
		t.Fatalf("create namespace %s: %v", ns, err)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		_, _ = cl.c.Do(cctx, http.MethodDelete, "/api/v1/namespaces/"+ns, nil, nil)
		for cctx.Err() == nil {
			if _, err := cl.c.Do(cctx, http.MethodGet, "/api/v1/namespaces/"+ns, nil, nil); err != nil {
				return
			}
			time.Sleep(500 * time.Millisecond)
		}
		t.Logf("namespace %s still there after 90s", ns)
	})
}

// jobsRealKubectl runs the real kubectl (v1.32) against the lab's apiserver.
func jobsRealKubectl(ctx context.Context, t *testing.T, cl *cluster, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Skipf("the real kubectl is not installed: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", cl.kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// jobsSecondsAge masks the AGE and DURATION cells of seconds-old objects.
var jobsSecondsAge = regexp.MustCompile(`\b\d+s\b`)

func testJobsOnLab(ctx context.Context, t *testing.T, cl *cluster) {
	const ns = "e2e-jobs"
	jobsNamespace(ctx, t, cl, ns)
	jobs := mkclient.Typed[*api.Job](cl.c, ns)
	pods := mkclient.Typed[*api.Pod](cl.c, ns)
	create := func(name, spec string) {
		t.Helper()
		body := `{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"` + name + `"},"spec":` + spec + `}`
		if _, err := cl.c.Do(ctx, http.MethodPost, "/apis/batch/v1/namespaces/"+ns+"/jobs", []byte(body), nil); err != nil {
			t.Fatalf("create job %s: %v", name, err)
		}
	}

	// completions 3, parallelism 2: never more than 2 pods running at once.
	create("count", jobSpecJSON(3, 2, 6, "sleep 2; echo done"))
	maxActive, maxRunning := int32(0), 0
	var job *api.Job
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("job count not complete within 3m; last: %+v", job)
		}
		j, err := jobs.Get(ctx, "count")
		if err != nil {
			continue
		}
		job = j
		maxActive = max(maxActive, j.Status.Active)
		ps, _, err := pods.List(ctx, mkclient.ListOptions{LabelSelector: "job-name=count"})
		if err == nil {
			running := 0
			for _, p := range ps {
				if p.Status.Phase != api.PodSucceeded && p.Status.Phase != api.PodFailed && p.DeletionTimestamp == nil {
					running++
				}
			}
			maxRunning = max(maxRunning, running)
		}
		if jobsCondition(j, api.JobComplete) != nil {
			break
		}
	}
	if maxActive > 2 || maxRunning > 2 {
		t.Errorf("job count: %d active, %d unfinished pods at most; want <= 2", maxActive, maxRunning)
	}
	if job.Status.Succeeded != 3 || job.Status.Failed != 0 || job.Status.Active != 0 || job.Status.CompletionTime == nil {
		t.Errorf("job count status: %+v", job.Status)
	}
	ps, _, err := pods.List(ctx, mkclient.ListOptions{LabelSelector: "job-name=count"})
	if err != nil {
		t.Fatal(err)
	}
	succeeded := 0
	for _, p := range ps {
		if p.Status.Phase == api.PodSucceeded {
			succeeded++
			if out, err := cl.kubectl(ctx, "-n", ns, "logs", p.Name); err != nil || out != "done\n" {
				t.Errorf("logs %s: %q %v", p.Name, out, err)
			}
		}
	}
	if succeeded != 3 {
		t.Errorf("job count: %d succeeded pods of %d, want 3", succeeded, len(ps))
	}

	// kubectl wait exits 0 on a complete job, ours and the real one.
	for _, run := range []func(context.Context, ...string) (string, error){
		cl.kubectl, func(ctx context.Context, args ...string) (string, error) { return jobsRealKubectl(ctx, t, cl, args...) },
	} {
		if out, err := run(ctx, "-n", ns, "wait", "--for=condition=complete", "job/count", "--timeout=30s"); err != nil || out != "job.batch/count condition met\n" {
			t.Errorf("kubectl wait --for=condition=complete job/count: %q %v", out, err)
		}
	}
	ours, oerr := cl.kubectl(ctx, "-n", ns, "get", "jobs")
	real, rerr := jobsRealKubectl(ctx, t, cl, "-n", ns, "get", "jobs")
	if oerr != nil || rerr != nil || jobsSecondsAge.ReplaceAllString(ours, "<s>") != jobsSecondsAge.ReplaceAllString(real, "<s>") {
		t.Errorf("get jobs differs:\nours (%v):\n%s\nreal (%v):\n%s", oerr, ours, rerr, real)
	}
	if !regexp.MustCompile(`(?m)^count\s+Complete\s+3/3\s`).MatchString(ours) {
		t.Errorf("get jobs: want count Complete 3/3:\n%s", ours)
	}

	// A failing command with backoffLimit 1: two pods fail, then Failed.
	create("fail", jobSpecJSON(1, 1, 1, "echo failing; exit 3"))
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(300 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("job fail not Failed within 3m; last: %+v", job)
		}
		j, err := jobs.Get(ctx, "fail")
		if err != nil {
			continue
		}
		if job = j; jobsCondition(j, api.JobFailed) != nil {
			break
		}
	}
	if c := jobsCondition(job, api.JobFailed); c.Reason != api.JobReasonBackoffLimitExceeded || job.Status.Failed != 2 || job.Status.Succeeded != 0 {
		t.Errorf("job fail: condition %+v, status %+v; want BackoffLimitExceeded after 2 failed pods", c, job.Status)
	}
	if out, err := cl.kubectl(ctx, "-n", ns, "get", "job", "fail"); err != nil || !regexp.MustCompile(`(?m)^fail\s+Failed\s+0/1\s`).MatchString(out) {
		t.Errorf("get job fail: %v\n%s", err, out)
	}
	// Waiting for complete on a failed job times out (exit 1) for both.
	for _, run := range []func(context.Context, ...string) (string, error){
		cl.kubectl, func(ctx context.Context, args ...string) (string, error) { return jobsRealKubectl(ctx, t, cl, args...) },
	} {
		if out, err := run(ctx, "-n", ns, "wait", "--for=condition=complete", "job/fail", "--timeout=2s"); err == nil ||
			!strings.Contains(out, "timed out waiting for the condition on jobs/fail") {
			t.Errorf("kubectl wait on a failed job: %q %v", out, err)
		}
	}
}

// testCronJobOnLab: a CronJob every minute with successfulJobsHistoryLimit
// 1 creates a Job a minute, and once two have completed only the newest is
// kept.
func testCronJobOnLab(ctx context.Context, t *testing.T, cl *cluster) {
	t.Parallel()
	const ns = "e2e-cronjob"
	jobsNamespace(ctx, t, cl, ns)
	body := `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"tick"},"spec":{"schedule":"*/1 * * * *","successfulJobsHistoryLimit":1,` +
		`"jobTemplate":{"spec":` + jobSpecJSON(1, 1, 0, "echo tick") + `}}}`
	if _, err := cl.c.Do(ctx, http.MethodPost, "/apis/batch/v1/namespaces/"+ns+"/cronjobs", []byte(body), nil); err != nil {
		t.Fatalf("create cronjob: %v", err)
	}
	jobs := mkclient.Typed[*api.Job](cl.c, ns)
	seen := map[string]bool{}
	var kept []string
	for deadline := time.Now().Add(200 * time.Second); ; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Fatalf("cronjob tick: jobs seen %v, kept %v; want 2 seen and only the newest kept", jobsKeys(seen), kept)
		}
		js, _, err := jobs.List(ctx, mkclient.ListOptions{})
		if err != nil {
			continue
		}
		kept = kept[:0]
		complete := 0
		for _, j := range js {
			if !jobsOwnedBy(j.OwnerReferences, "CronJob", "tick") || !strings.HasPrefix(j.Name, "tick-") {
				t.Errorf("job %s not owned by cronjob tick: %+v", j.Name, j.OwnerReferences)
			}
			seen[j.Name] = true
			kept = append(kept, j.Name)
			if jobsCondition(j, api.JobComplete) != nil {
				complete++
			}
		}
		if len(seen) >= 2 && len(kept) == 1 && complete == 1 {
			break
		}
	}
	out, err := cl.kubectl(ctx, "-n", ns, "get", "cronjobs")
	if err != nil || !regexp.MustCompile(`(?m)^tick\s+\*/1 \* \* \* \*\s+<none>\s+False\s+\d\s+\d+s\s`).MatchString(out) {
		t.Errorf("get cronjobs: %v\n%s", err, out)
	}
	t.Logf("cronjob tick created %v, keeps %v", jobsKeys(seen), kept)
}

func jobsCondition(j *api.Job, typ string) *api.JobCondition {
	for i, c := range j.Status.Conditions {
		if c.Type == typ && c.Status == "True" {
			return &j.Status.Conditions[i]
		}
	}
	return nil
}

func jobsOwnedBy(refs []api.OwnerReference, kind, name string) bool {
	for _, r := range refs {
		if r.Kind == kind && r.Name == name {
			return true
		}
	}
	return false
}

func jobsKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
