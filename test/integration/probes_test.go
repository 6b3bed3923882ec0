package integration

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/kubelet/runtime"
	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
	"minik8s/pkg/printers"
)

// healthServer is a loopback HTTP server whose /healthz answers 200 or 500
// as told (probes in these tests name host 127.0.0.1: nothing is sent to
// pod addresses).
type healthServer struct {
	srv     *httptest.Server
	healthy atomic.Bool
	port    int32
}

func newHealthServer(t *testing.T, healthy bool) *healthServer {
	h := &healthServer{}
	h.healthy.Store(healthy)
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" && h.healthy.Load() {
			w.Write([]byte("ok"))
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(h.srv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(h.srv.URL, "http://"))
	n, _ := strconv.Atoi(port)
	h.port = int32(n)
	return h
}

// probe is an HTTP GET probe of /healthz on the server, every second.
func (h *healthServer) probe(failureThreshold int32) *api.Probe {
	return &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Host: "127.0.0.1", Path: "/healthz", Port: intstr.FromInt32(h.port)}},
		PeriodSeconds: 1, FailureThreshold: failureThreshold}
}

func cond(p *api.Pod, typ string) string {
	for _, c := range p.Status.Conditions {
		if c.Type == typ {
			return c.Status
		}
	}
	return ""
}

// TestKubeletReadinessProbe: a failing readiness probe keeps the container
// running but not ready (READY 0/1, Ready condition False) with Unhealthy
// events; once it passes, the container and the pod are ready.
func TestKubeletReadinessProbe(t *testing.T) {
	h := newKubeletHarness(t)
	h.rec = &eventLog{}
	srv := newHealthServer(t, false)
	h.start()
	pod := onePod("ready", "")
	pod.Spec.Containers[0].ReadinessProbe = srv.probe(1)
	h.createPod(pod)

	h.rec.wait(t, "Pod/ready spec.containers{app} Warning Unhealthy: Readiness probe failed: HTTP probe failed with statuscode: 500")
	p := h.waitPod("ready", "running, not ready", func(p *api.Pod) bool {
		return p.Status.Phase == api.PodRunning && len(p.Status.ContainerStatuses) == 1 &&
			p.Status.ContainerStatuses[0].State.Running != nil
	})
	cs := p.Status.ContainerStatuses[0]
	if cs.Ready || cond(p, api.PodReady) != api.ConditionFalse || cond(p, api.ContainersReady) != api.ConditionFalse {
		t.Fatalf("a failing readiness probe must keep the pod unready: %s", mustJSON(t, p.Status))
	}
	if s := printers.PodStatus(p, p.CreationTimestamp.Time); s.Ready != 0 || s.Total != 1 || s.Reason != "Running" {
		t.Fatalf("kubectl get pods would show %d/%d %s, want 0/1 Running", s.Ready, s.Total, s.Reason)
	}

	srv.healthy.Store(true)
	p = h.waitPod("ready", "ready", func(p *api.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].Ready && cond(p, api.PodReady) == api.ConditionTrue
	})
	if s := printers.PodStatus(p, p.CreationTimestamp.Time); s.Ready != 1 || s.Total != 1 {
		t.Fatalf("READY %d/%d, want 1/1", s.Ready, s.Total)
	}
	if p.Status.ContainerStatuses[0].RestartCount != 0 {
		t.Fatalf("a readiness probe never restarts: %s", mustJSON(t, p.Status))
	}

	// Failing again: unready again, still not restarted.
	srv.healthy.Store(false)
	h.waitPod("ready", "unready again", func(p *api.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && !p.Status.ContainerStatuses[0].Ready && cond(p, api.PodReady) == api.ConditionFalse &&
			p.Status.ContainerStatuses[0].RestartCount == 0 && p.Status.ContainerStatuses[0].State.Running != nil
	})
}

// TestKubeletLivenessProbe: a failing liveness probe (HTTP, then exec)
// kills and restarts the container (restartCount goes up) with Kubernetes'
// Unhealthy and Killing events; once healthy it keeps running.
func TestKubeletLivenessProbe(t *testing.T) {
	h := newKubeletHarness(t)
	h.rec = &eventLog{}
	srv := newHealthServer(t, false)
	h.rt.ExecFunc = func(id string, opts runtime.ExecOptions) (int, error) {
		if len(opts.Cmd) > 0 && opts.Cmd[0] == "cat" {
			opts.Stdout.Write([]byte("cat: can't open '/tmp/healthy': No such file or directory\n"))
			return 1, nil
		}
		return 0, nil
	}
	h.start()
	pod := onePod("live", "")
	pod.Spec.Containers[0].LivenessProbe = srv.probe(2)
	h.createPod(pod)

	h.rec.wait(t, "Pod/live spec.containers{app} Warning Unhealthy: Liveness probe failed: HTTP probe failed with statuscode: 500")
	h.rec.wait(t, "Pod/live spec.containers{app} Normal Killing: Container app failed liveness probe, will be restarted")
	p := h.waitPod("live", "restarted", func(p *api.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1 &&
			p.Status.ContainerStatuses[0].State.Running != nil
	})
	if lt := p.Status.ContainerStatuses[0].LastState.Terminated; lt == nil {
		t.Fatalf("the killed container is the last state: %s", mustJSON(t, p.Status))
	}

	// Healthy now: the restarted container stays up and is ready.
	srv.healthy.Store(true)
	p = h.waitPod("live", "running and ready", func(p *api.Pod) bool {
		return running(p) && p.Status.ContainerStatuses[0].State.Running != nil
	})
	restarts := p.Status.ContainerStatuses[0].RestartCount
	id := p.Status.ContainerStatuses[0].ContainerID

	// An exec liveness probe that fails restarts it too.
	ex := onePod("live-exec", "")
	ex.Spec.Containers[0].LivenessProbe = &api.Probe{ProbeHandler: api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"cat", "/tmp/healthy"}}},
		PeriodSeconds: 1, FailureThreshold: 1}
	h.createPod(ex)
	h.rec.wait(t, "Pod/live-exec spec.containers{app} Warning Unhealthy: Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory")
	h.waitPod("live-exec", "restarted", func(p *api.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount >= 1
	})
	p, err := h.c.Pods("default").Get(context.Background(), "live")
	if err != nil {
		t.Fatal(err)
	}
	if cs := p.Status.ContainerStatuses[0]; cs.RestartCount != restarts || cs.ContainerID != id {
		t.Fatalf("a healthy container was restarted: %s", mustJSON(t, p.Status))
	}
}

// TestKubeletInitContainers: init containers run one at a time, in order,
// each to completion, before the app containers (STATUS Init:0/2, Init:1/2,
// then Running); a failing init container fails a Never pod and its app
// never starts.
func TestKubeletInitContainers(t *testing.T) {
	h := newKubeletHarness(t)
	h.start()
	pod := onePod("init", "")
	pod.Spec.InitContainers = []api.Container{
		{Name: "first", Image: "docker.io/minik8s/tools:latest", Command: []string{"sleep", "3600"}},
		{Name: "second", Image: "docker.io/minik8s/tools:latest", Command: []string{"sleep", "3600"}},
	}
	pod = h.createPod(pod)

	// finish makes the running init container name exit 0, once it is the
	// only thing running; nothing else of the pod may have been created.
	finish := func(name, wantStatus string, done []string) {
		t.Helper()
		p := h.waitPod("init", wantStatus, func(p *api.Pod) bool {
			return printers.PodStatus(p, p.CreationTimestamp.Time).Reason == wantStatus && len(p.Status.InitContainerStatuses) == 2 &&
				p.Status.InitContainerStatuses[len(done)].State.Running != nil
		})
		if p.Status.Phase != api.PodPending || cond(p, api.PodInitialized) != api.ConditionFalse {
			t.Fatalf("initializing pod: %s", mustJSON(t, p.Status))
		}
		if w := p.Status.ContainerStatuses[0].State.Waiting; w == nil || w.Reason != "PodInitializing" {
			t.Fatalf("app container while initializing: %s", mustJSON(t, p.Status.ContainerStatuses))
		}
		_, cs := h.runtimeOf(pod.UID)
		var names []string
		for _, c := range cs {
			names = append(names, c.Name)
			if c.Name == name && c.State == runtime.ContainerRunning {
				if err := h.rt.Exit(c.ID, 0); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got, want := strings.Join(sorted(names), ","), strings.Join(sorted(append(done, name)), ","); got != want {
			t.Fatalf("containers of the pod: %s, want %s", got, want)
		}
	}
	finish("first", "Init:0/2", nil)
	finish("second", "Init:1/2", []string{"first"})
	p := h.waitPod("init", "running", running)
	if cond(p, api.PodInitialized) != api.ConditionTrue {
		t.Fatalf("Initialized: %s", mustJSON(t, p.Status))
	}
	for _, ics := range p.Status.InitContainerStatuses {
		if ics.State.Terminated == nil || ics.State.Terminated.Reason != "Completed" || !ics.Ready {
			t.Fatalf("init container status: %s", mustJSON(t, ics))
		}
	}

	// A failing init container of a Never pod: the pod fails, the app never runs.
	h.rt.SetBehavior("broken", fakeExit(1))
	bad := onePod("init-bad", api.RestartNever)
	bad.Spec.InitContainers = []api.Container{{Name: "broken", Image: "docker.io/minik8s/tools:latest"}}
	bad = h.createPod(bad)
	p = h.waitPod("init-bad", "Failed", func(p *api.Pod) bool { return p.Status.Phase == api.PodFailed })
	if s := printers.PodStatus(p, p.CreationTimestamp.Time); s.Reason != "Init:Error" {
		t.Fatalf("STATUS %s, want Init:Error", s.Reason)
	}
	_, cs := h.runtimeOf(bad.UID)
	for _, c := range cs {
		if c.Name == "app" {
			t.Fatalf("the app container of a pod whose init failed was created")
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func fakeExit(code int32) fake.Behavior { return fake.Behavior{Exit: true, ExitCode: code} }

// TestKubeletStartupProbe: until its startup probe succeeds a container is
// neither started nor ready and its liveness probe does not run; a startup
// probe that keeps failing restarts it; once it passes, the container is
// started and ready.
func TestKubeletStartupProbe(t *testing.T) {
	h := newKubeletHarness(t)
	h.rec = &eventLog{}
	startup := newHealthServer(t, false)
	liveness := newHealthServer(t, false) // would restart the container if it ran
	h.start()
	pod := onePod("slow", "")
	pod.Spec.Containers[0].StartupProbe = startup.probe(2)
	pod.Spec.Containers[0].LivenessProbe = liveness.probe(1)
	h.createPod(pod)

	h.rec.wait(t, "Pod/slow spec.containers{app} Normal Killing: Container app failed startup probe, will be restarted")
	h.waitPod("slow", "restarted, not started", func(p *api.Pod) bool {
		if len(p.Status.ContainerStatuses) != 1 {
			return false
		}
		cs := p.Status.ContainerStatuses[0]
		return cs.RestartCount >= 1 && cs.State.Running != nil && cs.Started != nil && !*cs.Started && !cs.Ready
	})
	for _, e := range h.rec.all() {
		if strings.Contains(e, "Liveness probe") {
			t.Fatalf("the liveness probe ran before the startup probe passed: %s", e)
		}
	}

	startup.healthy.Store(true)
	liveness.healthy.Store(true)
	h.waitPod("slow", "started and ready", func(p *api.Pod) bool {
		if len(p.Status.ContainerStatuses) != 1 {
			return false
		}
		cs := p.Status.ContainerStatuses[0]
		return cs.Started != nil && *cs.Started && cs.Ready && cond(p, api.PodReady) == api.ConditionTrue
	})
}
