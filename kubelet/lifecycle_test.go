package kubelet

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/kubelet/runtime"
	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
)

// hookScene is a running container "a" whose pod has lifecycle l and
// grace period grace, and a kubelet recording events.
func hookScene(t *testing.T, l *api.Lifecycle, grace time.Duration) (*scene, *Kubelet, *events) {
	t.Helper()
	pod := testPod(api.RestartAlways, "a")
	pod.Spec.Containers[0].Lifecycle = l
	g := int64(grace / time.Second)
	pod.Spec.TerminationGracePeriodSeconds = &g
	s := newScene(t, pod)
	s.sandbox().start("a", 0)
	k := testKubelet(t, s.f)
	ev := &events{}
	k.Recorder = ev
	return s, k, ev
}

func (s *scene) running(name string) *runtime.Container {
	s.t.Helper()
	for _, c := range s.view().Containers {
		if c.ID == s.ids[name] {
			return c
		}
	}
	s.t.Fatalf("no container %s", name)
	return nil
}

// callsOf are the runtime calls about container id, its ID cut out.
func callsOf(f *fake.Runtime, id string) []string {
	var out []string
	for _, c := range f.Calls() {
		if strings.Contains(c, id) {
			out = append(out, strings.Join(strings.Fields(strings.Replace(c, id, "", 1)), " "))
		}
	}
	return out
}

func TestPreStopHook(t *testing.T) {
	execHook := func(cmd ...string) *api.Lifecycle {
		return &api.Lifecycle{PreStop: &api.LifecycleHandler{Exec: &api.ExecAction{Command: cmd}}}
	}
	tests := []struct {
		name       string
		lifecycle  *api.Lifecycle
		grace      time.Duration
		execTakes  time.Duration
		execCode   int
		wantCalls  []string
		wantEvents []string
		// the SIGTERM timeout left, within [minStop, maxStop]
		minStop, maxStop time.Duration
	}{
		{name: "no hook", grace: 30 * time.Second,
			wantCalls: []string{"StopContainer"}, minStop: 30 * time.Second, maxStop: 30 * time.Second},
		{name: "exec hook runs before SIGTERM, its time deducted", lifecycle: execHook("sleep", "1"), grace: 30 * time.Second,
			execTakes: 500 * time.Millisecond,
			wantCalls: []string{"Exec sleep 1", "StopContainer"}, minStop: 29 * time.Second, maxStop: 29500 * time.Millisecond},
		{name: "at least 2s left for SIGTERM", lifecycle: execHook("sleep", "1"), grace: 1 * time.Second,
			execTakes: 300 * time.Millisecond,
			wantCalls: []string{"Exec sleep 1", "StopContainer"}, minStop: minHookGrace, maxStop: minHookGrace},
		{name: "failing hook: event, kill goes on", lifecycle: execHook("false"), grace: 30 * time.Second, execCode: 1,
			wantCalls:  []string{"Exec false", "StopContainer"},
			wantEvents: []string{"spec.containers{a} Warning FailedPreStopHook: PreStopHook failed"},
			minStop:    29 * time.Second, maxStop: 30 * time.Second},
		{name: "sleep hook", lifecycle: &api.Lifecycle{PreStop: &api.LifecycleHandler{Sleep: &api.SleepAction{Seconds: 1}}},
			grace: 30 * time.Second, wantCalls: []string{"StopContainer"}, minStop: 28 * time.Second, maxStop: 29 * time.Second},
		{name: "sleep hook cut at the grace period", lifecycle: &api.Lifecycle{PreStop: &api.LifecycleHandler{Sleep: &api.SleepAction{Seconds: 20}}},
			grace: 1 * time.Second, wantCalls: []string{"StopContainer"}, minStop: minHookGrace, maxStop: minHookGrace},
		{name: "tcpSocket is not run: it fails", lifecycle: &api.Lifecycle{PreStop: &api.LifecycleHandler{TCPSocket: &api.TCPSocketAction{Port: intstr.FromInt32(80)}}},
			grace: 30 * time.Second, wantCalls: []string{"StopContainer"},
			wantEvents: []string{"spec.containers{a} Warning FailedPreStopHook: PreStopHook failed"},
			minStop:    29 * time.Second, maxStop: 30 * time.Second},
		{name: "postStart only: no preStop", lifecycle: &api.Lifecycle{PostStart: &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"true"}}}},
			grace: 30 * time.Second, wantCalls: []string{"StopContainer"}, minStop: 30 * time.Second, maxStop: 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, k, ev := hookScene(t, tt.lifecycle, tt.grace)
			s.f.ExecFunc = func(string, runtime.ExecOptions) (int, error) {
				time.Sleep(tt.execTakes)
				return tt.execCode, nil
			}
			c := s.running("a")
			s.f.ResetCalls()
			start := time.Now()
			if err := k.stopContainer(context.Background(), s.pod, c, s.sb.IP, tt.grace); err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			id := s.ids["a"]
			if got := callsOf(s.f, id); strings.Join(got, ",") != strings.Join(tt.wantCalls, ",") {
				t.Errorf("calls = %q, want %q", got, tt.wantCalls)
			}
			if strings.Join(*ev, ",") != strings.Join(tt.wantEvents, ",") {
				t.Errorf("events = %q, want %q", *ev, tt.wantEvents)
			}
			st := s.f.StopTimeouts(id)
			if len(st) != 1 || st[0] < tt.minStop || st[0] > tt.maxStop {
				t.Fatalf("stop timeouts = %v, want one in [%v, %v] (stop took %v)", st, tt.minStop, tt.maxStop, took)
			}
			if c := s.running("a"); c.State != runtime.ContainerExited {
				t.Errorf("container %s after the kill", c.State)
			}
		})
	}
}

// An httpGet preStop hook is sent from the node to the pod (here a
// loopback server named by host) before SIGTERM.
func TestPreStopHTTPGet(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.URL.Path }))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())
	l := &api.Lifecycle{PreStop: &api.LifecycleHandler{HTTPGet: &api.HTTPGetAction{
		Path: "/drain", Host: "127.0.0.1", Port: intstr.FromInt32(int32(port))}}}
	s, k, ev := hookScene(t, l, 30*time.Second)
	if err := k.stopContainer(context.Background(), s.pod, s.running("a"), s.sb.IP, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-got:
		if p != "/drain" {
			t.Errorf("hook got %q", p)
		}
	default:
		t.Fatal("the preStop hook sent no request")
	}
	if len(*ev) != 0 {
		t.Errorf("events = %q", *ev)
	}
}

// A force delete (grace shortened to 0) while a preStop sleep runs cuts
// the sleep short: the pod is gone long before the sleep would end.
func TestPreStopSleepCancelledByShorterGrace(t *testing.T) {
	l := &api.Lifecycle{PreStop: &api.LifecycleHandler{Sleep: &api.SleepAction{Seconds: 20}}}
	s, k, _ := hookScene(t, l, 30*time.Second)
	term := newTermination(30 * time.Second)
	done := make(chan error, 1)
	go func() { done <- k.terminate(context.Background(), s.pod.UID, s.pod, term) }()
	time.Sleep(200 * time.Millisecond)
	if !term.shorten(0) {
		t.Fatal("30s -> 0 must shorten")
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the preStop sleep was not cancelled")
	}
	if cs := s.view().Containers; len(cs) != 0 {
		t.Fatalf("containers left: %+v", cs)
	}
}

func TestPostStartHook(t *testing.T) {
	tests := []struct {
		name       string
		code       int
		wantErr    bool
		wantState  runtime.ContainerState
		wantEvents []string
	}{
		{"succeeds", 0, false, runtime.ContainerRunning, []string{
			"spec.containers{a} Normal Created: Created container a",
			"spec.containers{a} Normal Started: Started container a"}},
		{"fails: container killed", 1, true, runtime.ContainerExited, []string{
			"spec.containers{a} Normal Created: Created container a",
			"spec.containers{a} Normal Started: Started container a",
			"spec.containers{a} Warning FailedPostStartHook: PostStartHook failed",
			"spec.containers{a} Normal Killing: FailedPostStartHook"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := testPod(api.RestartAlways, "a")
			pod.Spec.Containers[0].Lifecycle = &api.Lifecycle{PostStart: &api.LifecycleHandler{Exec: &api.ExecAction{Command: []string{"init"}}}}
			s := newScene(t, pod)
			s.sandbox()
			s.f.ExecFunc = func(string, runtime.ExecOptions) (int, error) { return tt.code, nil }
			k := testKubelet(t, s.f)
			ev := &events{}
			k.Recorder = ev
			_, err := k.startContainer(context.Background(), pod, s.sb, containerStart{Index: 0}, nil)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			cs := s.view().Containers
			if len(cs) != 1 || cs[0].State != tt.wantState {
				t.Fatalf("containers = %+v, want one %s", cs, tt.wantState)
			}
			var calls []string
			for _, c := range s.f.Calls() {
				if f := strings.Fields(c); len(f) > 0 && (f[0] == "StartContainer" || f[0] == "Exec" || f[0] == "StopContainer") {
					calls = append(calls, f[0])
				}
			}
			want := "StartContainer,Exec"
			if tt.wantErr {
				want += ",StopContainer"
			}
			if strings.Join(calls, ",") != want {
				t.Errorf("calls = %q, want %s", calls, want)
			}
			var got []string
			for _, e := range *ev {
				if !strings.Contains(e, "Pull") {
					got = append(got, e)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.wantEvents, "\n") {
				t.Errorf("events:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.wantEvents, "\n"))
			}
		})
	}
}
