package kubelet

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

// initPod is a pod with init containers i0, i1 and app containers a, b.
func initPod(policy string) *api.Pod {
	p := testPod(policy, "a", "b")
	for _, n := range []string{"i0", "i1"} {
		p.Spec.InitContainers = append(p.Spec.InitContainers, api.Container{Name: n, Image: "docker.io/minik8s/tools:latest"})
	}
	return p
}

func TestComputePodActionsInitContainers(t *testing.T) {
	cases := []struct {
		name    string
		policy  string
		setup   func(s *scene)
		backoff func(s *scene, b *Backoff)
		want    string
		retry   bool
	}{
		{name: "new pod: sandbox and the first init container only", setup: func(s *scene) {},
			want: "sandbox init:0@0"},
		{name: "first init running: wait", setup: func(s *scene) { s.sandbox().start("i0", 0) },
			want: ""},
		{name: "first init succeeded: the second starts", setup: func(s *scene) { s.sandbox().start("i0", 0).exit("i0", 0) },
			want: "init:1@0"},
		{name: "last init succeeded: the app containers start", setup: func(s *scene) {
			s.sandbox().start("i0", 0).exit("i0", 0).start("i1", 0).exit("i1", 0)
		}, want: "start:0@0 start:1@0"},
		{name: "failed init is run again", setup: func(s *scene) { s.sandbox().start("i0", 0).exit("i0", 1) },
			want: "init:0@1"},
		{name: "failed init in back-off waits", setup: func(s *scene) { s.sandbox().start("i0", 0).exit("i0", 1).start("i0", 1).exit("i0", 1) },
			backoff: func(s *scene, b *Backoff) { b.Next("uid-1/i0", s.f.Now()) },
			want:    "wait:i0=CrashLoopBackOff", retry: true},
		{name: "failed init under OnFailure is run again", policy: api.RestartOnFailure,
			setup: func(s *scene) { s.sandbox().start("i0", 0).exit("i0", 0).start("i1", 0).exit("i1", 2) },
			want:  "init:1@1"},
		{name: "failed init under Never fails the pod", policy: api.RestartNever,
			setup: func(s *scene) { s.sandbox().start("i0", 0).exit("i0", 1) },
			want:  "killpod"},
		{name: "initialized and running: nothing", setup: func(s *scene) {
			s.sandbox().start("i0", 0).exit("i0", 0).start("i1", 0).exit("i1", 0).start("a", 0).start("b", 0)
		}, want: ""},
		{name: "app crashed after init: the app restarts, not the init containers", setup: func(s *scene) {
			s.sandbox().start("i0", 0).exit("i0", 0).start("i1", 0).exit("i1", 0).start("a", 0).start("b", 0).exit("a", 1)
		}, want: "start:0@1"},
		{name: "sandbox died: new sandbox runs the init containers again", setup: func(s *scene) {
			s.sandbox().start("i0", 0).exit("i0", 0).start("i1", 0).exit("i1", 0).start("a", 0).start("b", 0).stopSandbox()
		}, want: "killpod sandbox init:0@1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			policy := c.policy
			if policy == "" {
				policy = api.RestartAlways
			}
			pod := initPod(policy)
			s := newScene(t, pod)
			c.setup(s)
			b := NewBackoff(10*time.Second, 5*time.Minute)
			if c.backoff != nil {
				c.backoff(s, b)
			}
			got := computePodActions(pod, s.view(), nil, b, nil, s.f.Now())
			if summary(got) != c.want {
				t.Errorf("plan = %q, want %q", summary(got), c.want)
			}
			if (got.RetryAfter > 0) != c.retry {
				t.Errorf("RetryAfter = %v, want retry %v", got.RetryAfter, c.retry)
			}
		})
	}
}

func TestComputePodStatusInitContainers(t *testing.T) {
	t.Run("initializing", func(t *testing.T) {
		pod := initPod(api.RestartAlways)
		s := newScene(t, pod)
		s.sandbox().start("i0", 0).exit("i0", 0).start("i1", 0)
		st := computePodStatus(pod, statusInput{Runtime: s.view(), Now: s.f.Now()})
		if st.Phase != api.PodPending {
			t.Fatalf("phase = %s, want Pending", st.Phase)
		}
		if len(st.InitContainerStatuses) != 2 {
			t.Fatalf("init statuses = %+v", st.InitContainerStatuses)
		}
		i0, i1 := st.InitContainerStatuses[0], st.InitContainerStatuses[1]
		if i0.State.Terminated == nil || i0.State.Terminated.Reason != "Completed" || !i0.Ready {
			t.Fatalf("i0 = %+v", i0)
		}
		if i1.State.Running == nil || i1.Ready || i1.Started == nil || !*i1.Started {
			t.Fatalf("i1 = %+v", i1)
		}
		for _, cs := range st.ContainerStatuses {
			if cs.State.Waiting == nil || cs.State.Waiting.Reason != "PodInitializing" {
				t.Fatalf("app container %+v, want waiting PodInitializing", cs)
			}
		}
		if c := cond(st, api.PodInitialized); c.Status != api.ConditionFalse || c.Reason != "ContainersNotInitialized" ||
			c.Message != "containers with incomplete status: [i1]" {
			t.Fatalf("Initialized = %+v", c)
		}
	})
	t.Run("initialized", func(t *testing.T) {
		pod := initPod(api.RestartAlways)
		s := newScene(t, pod)
		s.sandbox().start("i0", 0).exit("i0", 0).start("i1", 0).exit("i1", 0).start("a", 0).start("b", 0)
		st := computePodStatus(pod, statusInput{Runtime: s.view(), Now: s.f.Now()})
		if st.Phase != api.PodRunning || cond(st, api.PodInitialized).Status != api.ConditionTrue || cond(st, api.PodReady).Status != api.ConditionTrue {
			t.Fatalf("status = %+v", st)
		}
	})
	t.Run("init failed under Never", func(t *testing.T) {
		pod := initPod(api.RestartNever)
		s := newScene(t, pod)
		s.sandbox().start("i0", 0).exit("i0", 3)
		st := computePodStatus(pod, statusInput{Runtime: s.view(), Now: s.f.Now()})
		if st.Phase != api.PodFailed || st.InitContainerStatuses[0].State.Terminated.ExitCode != 3 {
			t.Fatalf("status = %+v", st)
		}
	})
	t.Run("init crash looping under Always: pending", func(t *testing.T) {
		pod := initPod(api.RestartAlways)
		s := newScene(t, pod)
		s.sandbox().start("i0", 0).exit("i0", 1)
		st := computePodStatus(pod, statusInput{Runtime: s.view(), Now: s.f.Now(),
			Waits: map[string]containerWait{"i0": {Reason: "CrashLoopBackOff", Message: "back-off"}}})
		i0 := st.InitContainerStatuses[0]
		if st.Phase != api.PodPending || i0.State.Waiting == nil || i0.State.Waiting.Reason != "CrashLoopBackOff" || i0.LastState.Terminated == nil {
			t.Fatalf("status = %+v", st)
		}
	})
}
