package kubelet

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/kubelet/prober"
	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

// fakeProbes are published probe results by container name (resolved to
// the scene's newest container of that name).
type fakeProbes map[string]prober.Result

type sceneProbes struct {
	s   *scene
	typ prober.Type
	res fakeProbes
}

func (p sceneProbes) Get(id string, typ prober.Type) (prober.Result, bool) {
	if typ != p.typ {
		return prober.Unknown, false
	}
	for name, r := range p.res {
		if containerIDPrefix+p.s.ids[name] == id {
			return r, true
		}
	}
	return prober.Unknown, false
}

func httpProbe() *api.Probe {
	return &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(8080)}}}
}

func withProbes(p *api.Pod, liveness, readiness, startup bool) *api.Pod {
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		if liveness {
			c.LivenessProbe = httpProbe()
		}
		if readiness {
			c.ReadinessProbe = httpProbe()
		}
		if startup {
			c.StartupProbe = httpProbe()
		}
	}
	return p
}

func TestComputePodActionsProbes(t *testing.T) {
	cases := []struct {
		name    string
		pod     *api.Pod
		setup   func(s *scene)
		typ     prober.Type
		res     fakeProbes
		backoff func(s *scene, b *Backoff)
		want    string
		message string        // the Killing message of the killed container
		grace   time.Duration // the kill's own grace period (0: the pod's)
		retry   bool
	}{
		{name: "liveness failure: killed and restarted", pod: withProbes(testPod(api.RestartAlways, "a", "b"), true, false, false),
			setup: func(s *scene) { s.sandbox().start("a", 0).start("b", 0) },
			typ:   prober.Liveness, res: fakeProbes{"a": prober.Failure, "b": prober.Success},
			want: "start:0@1 kill:a", message: "Container a failed liveness probe, will be restarted"},
		{name: "liveness failure under OnFailure: restarted", pod: withProbes(testPod(api.RestartOnFailure, "a"), true, false, false),
			setup: func(s *scene) { s.sandbox().start("a", 0) },
			typ:   prober.Liveness, res: fakeProbes{"a": prober.Failure},
			want: "start:0@1 kill:a", message: "Container a failed liveness probe, will be restarted"},
		{name: "liveness failure under Never: killed only", pod: withProbes(testPod(api.RestartNever, "a"), true, false, false),
			setup: func(s *scene) { s.sandbox().start("a", 0) },
			typ:   prober.Liveness, res: fakeProbes{"a": prober.Failure},
			want: "kill:a", message: "Container a failed liveness probe"},
		{name: "startup failure: killed and restarted", pod: withProbes(testPod(api.RestartAlways, "a"), true, false, true),
			setup: func(s *scene) { s.sandbox().start("a", 0) },
			typ:   prober.Startup, res: fakeProbes{"a": prober.Failure},
			want: "start:0@1 kill:a", message: "Container a failed startup probe, will be restarted"},
		{name: "liveness failure: the probe's grace period", pod: func() *api.Pod {
			p := withProbes(testPod(api.RestartAlways, "a"), true, false, false)
			g := int64(2)
			p.Spec.Containers[0].LivenessProbe.TerminationGracePeriodSeconds = &g
			return p
		}(),
			setup: func(s *scene) { s.sandbox().start("a", 0) },
			typ:   prober.Liveness, res: fakeProbes{"a": prober.Failure},
			want: "start:0@1 kill:a", message: "Container a failed liveness probe, will be restarted", grace: 2 * time.Second},
		{name: "readiness failure: nothing", pod: withProbes(testPod(api.RestartAlways, "a"), false, true, false),
			setup: func(s *scene) { s.sandbox().start("a", 0) },
			typ:   prober.Readiness, res: fakeProbes{"a": prober.Failure},
			want: ""},
		{name: "liveness failure result without a liveness probe in the spec: nothing", pod: testPod(api.RestartAlways, "a"),
			setup: func(s *scene) { s.sandbox().start("a", 0) },
			typ:   prober.Liveness, res: fakeProbes{"a": prober.Failure},
			want: ""},
		{name: "liveness failure after a recent restart: killed, restart backs off", pod: withProbes(testPod(api.RestartAlways, "a"), true, false, false),
			setup: func(s *scene) { s.sandbox().start("a", 0).exit("a", 1).start("a", 1) },
			typ:   prober.Liveness, res: fakeProbes{"a": prober.Failure},
			backoff: func(s *scene, b *Backoff) { b.Next("uid-1/a", s.f.Now()) },
			want:    "kill:a wait:a=CrashLoopBackOff", message: "Container a failed liveness probe, will be restarted", retry: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newScene(t, c.pod)
			c.setup(s)
			b := NewBackoff(10*time.Second, 5*time.Minute)
			if c.backoff != nil {
				c.backoff(s, b)
			}
			got := computePodActions(c.pod, s.view(), nil, b, sceneProbes{s, c.typ, c.res}, s.f.Now())
			if summary(got) != c.want {
				t.Errorf("plan = %q, want %q", summary(got), c.want)
			}
			if c.message != "" && (len(got.Kill) != 1 || got.KillMessage[got.Kill[0].ID] != c.message) {
				t.Errorf("kill message = %v, want %q", got.KillMessage, c.message)
			}
			if c.message != "" && got.KillGrace[got.Kill[0].ID] != c.grace {
				t.Errorf("kill grace = %v, want %v", got.KillGrace, c.grace)
			}
			if (got.RetryAfter > 0) != c.retry {
				t.Errorf("RetryAfter = %v, want retry %v", got.RetryAfter, c.retry)
			}
		})
	}
}

func TestComputePodStatusProbes(t *testing.T) {
	cases := []struct {
		name                   string
		pod                    *api.Pod
		typ                    prober.Type
		res                    fakeProbes
		wantStarted, wantReady bool
		wantPodReady           string
		wantContainersReadyMsg string
	}{
		{name: "readiness probe not yet run: not ready", pod: withProbes(testPod(api.RestartAlways, "a"), false, true, false),
			wantStarted: true, wantPodReady: api.ConditionFalse, wantContainersReadyMsg: "containers with unready status: [a]"},
		{name: "readiness failure: not ready", pod: withProbes(testPod(api.RestartAlways, "a"), false, true, false),
			typ: prober.Readiness, res: fakeProbes{"a": prober.Failure},
			wantStarted: true, wantPodReady: api.ConditionFalse, wantContainersReadyMsg: "containers with unready status: [a]"},
		{name: "readiness success: ready", pod: withProbes(testPod(api.RestartAlways, "a"), false, true, false),
			typ: prober.Readiness, res: fakeProbes{"a": prober.Success},
			wantStarted: true, wantReady: true, wantPodReady: api.ConditionTrue},
		{name: "startup probe not yet succeeded: not started, not ready", pod: withProbes(testPod(api.RestartAlways, "a"), false, false, true),
			wantPodReady: api.ConditionFalse, wantContainersReadyMsg: "containers with unready status: [a]"},
		{name: "startup success: started and ready", pod: withProbes(testPod(api.RestartAlways, "a"), false, false, true),
			typ: prober.Startup, res: fakeProbes{"a": prober.Success},
			wantStarted: true, wantReady: true, wantPodReady: api.ConditionTrue},
		{name: "liveness alone does not gate readiness", pod: withProbes(testPod(api.RestartAlways, "a"), true, false, false),
			wantStarted: true, wantReady: true, wantPodReady: api.ConditionTrue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newScene(t, c.pod)
			s.sandbox().start("a", 0)
			st := computePodStatus(c.pod, statusInput{Runtime: s.view(), Now: s.f.Now(), Probes: sceneProbes{s, c.typ, c.res}})
			cs := st.ContainerStatuses[0]
			if cs.State.Running == nil || cs.Started == nil || *cs.Started != c.wantStarted || cs.Ready != c.wantReady {
				t.Fatalf("container status = %+v (started %v)", cs, *cs.Started)
			}
			if st.Phase != api.PodRunning {
				t.Fatalf("phase = %s", st.Phase)
			}
			ready, cr := cond(st, api.PodReady), cond(st, api.ContainersReady)
			if ready.Status != c.wantPodReady || cr.Status != c.wantPodReady || cr.Message != c.wantContainersReadyMsg {
				t.Fatalf("Ready = %+v, ContainersReady = %+v", ready, cr)
			}
		})
	}
}

// mapProbes are published results by container ID and type.
type mapProbes map[string]prober.Result

func (m mapProbes) Get(id string, typ prober.Type) (prober.Result, bool) {
	r, ok := m[id+"/"+typ.String()]
	return r, ok
}

// TestStatusAcrossKubeletRestart is Kubernetes' kubelet-restart rule
// (ChangeContainerStatusOnKubeletRestart off, the default since 1.35): a
// container running since before the kubelet started keeps the started
// and ready it had in the API until a probe publishes a result; a new
// container, another container ID, a pod not Ready or a published result
// decide otherwise.
func TestStatusAcrossKubeletRestart(t *testing.T) {
	kubeletStart := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	yes := true
	spec := &api.Container{Name: "c", ReadinessProbe: httpProbe(), StartupProbe: httpProbe()}
	old := &api.ContainerStatus{Name: "c", ContainerID: "containerd://c1", Ready: true, Started: &yes}
	readyPod := &api.Pod{Status: api.PodStatus{Conditions: []api.PodCondition{{Type: api.PodReady, Status: api.ConditionTrue}}}}
	notReadyPod := &api.Pod{Status: api.PodStatus{Conditions: []api.PodCondition{{Type: api.PodReady, Status: api.ConditionFalse}}}}
	for _, tc := range []struct {
		name                 string
		id                   string
		startedAt            time.Time
		pod                  *api.Pod
		old                  *api.ContainerStatus
		probes               mapProbes
		wantStarted, wantRdy bool
	}{
		{"running since before the restart, no result yet: kept", "c1", kubeletStart.Add(-time.Hour), readyPod, old, nil, true, true},
		{"started within 10 s of the kubelet: a new container", "c1", kubeletStart.Add(-5 * time.Second), readyPod, old, nil, false, false},
		{"another container ID than the status'", "c2", kubeletStart.Add(-time.Hour), readyPod, old, nil, false, false},
		{"no status before", "c1", kubeletStart.Add(-time.Hour), readyPod, nil, nil, false, false},
		{"the pod was not Ready: not ready, still started", "c1", kubeletStart.Add(-time.Hour), notReadyPod, old, nil, true, false},
		{"a published readiness failure decides", "c1", kubeletStart.Add(-time.Hour), readyPod, old,
			mapProbes{"containerd://c1/Readiness": prober.Failure}, true, false},
		{"a published startup failure decides", "c1", kubeletStart.Add(-time.Hour), readyPod, old,
			mapProbes{"containerd://c1/Startup": prober.Failure}, false, true},
	} {
		c := &runtime.Container{ID: tc.id, StartedAt: tc.startedAt}
		adopted := adoptedStatus(tc.old, c, kubeletStart)
		var probes probeResults
		if tc.probes != nil {
			probes = tc.probes
		}
		started := containerStarted(probes, spec, c, adopted)
		ready := containerReady(tc.pod, probes, spec, c, adopted)
		if started != tc.wantStarted || ready != tc.wantRdy {
			t.Errorf("%s: started %v ready %v, want %v %v", tc.name, started, ready, tc.wantStarted, tc.wantRdy)
		}
	}
	// A kubelet that never started (zero time) adopts nothing.
	if adoptedStatus(old, &runtime.Container{ID: "c1", StartedAt: kubeletStart}, time.Time{}) != nil {
		t.Error("zero kubelet start adopts a status")
	}
}
