package kubelet

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"minik8s/pkg/api"
)

func cond(st api.PodStatus, typ string) api.PodCondition {
	for _, c := range st.Conditions {
		if c.Type == typ {
			return c
		}
	}
	return api.PodCondition{}
}

func TestComputePodStatus(t *testing.T) {
	type check func(t *testing.T, s *scene, st api.PodStatus)
	cases := []struct {
		name  string
		pod   *api.Pod
		setup func(s *scene)
		waits map[string]containerWait
		check check
	}{
		{name: "running pod", pod: testPod(api.RestartAlways, "a", "b"),
			setup: func(s *scene) { s.sandbox().start("a", 0).start("b", 0) },
			check: func(t *testing.T, s *scene, st api.PodStatus) {
				if st.Phase != api.PodRunning || st.PodIP != s.sb.IP || len(st.PodIPs) != 1 || st.HostIP != "192.168.77.11" || st.QOSClass != "BestEffort" {
					t.Fatalf("status = %+v", st)
				}
				if c := cond(st, api.PodReady); c.Status != api.ConditionTrue {
					t.Fatalf("Ready = %+v", c)
				}
				for _, cs := range st.ContainerStatuses {
					if cs.State.Running == nil || !cs.Ready || cs.Started == nil || !*cs.Started || cs.RestartCount != 0 ||
						cs.ContainerID != "containerd://"+s.ids[cs.Name] || cs.ImageID == "" || cs.Image != "docker.io/minik8s/tools:latest" {
						t.Fatalf("container status = %+v", cs)
					}
				}
			}},
		{name: "nothing yet: pending, creating", pod: testPod(api.RestartAlways, "a"), setup: func(s *scene) {},
			check: func(t *testing.T, s *scene, st api.PodStatus) {
				cs := st.ContainerStatuses[0]
				if st.Phase != api.PodPending || cs.State.Waiting == nil || cs.State.Waiting.Reason != "ContainerCreating" || cs.Ready {
					t.Fatalf("status = %+v", st)
				}
				if c := cond(st, api.ContainersReady); c.Status != api.ConditionFalse || c.Reason != "ContainersNotReady" || c.Message != "containers with unready status: [a]" {
					t.Fatalf("ContainersReady = %+v", c)
				}
				if st.StartTime.IsZero() {
					t.Fatal("startTime must be set")
				}
			}},
		{name: "crash loop: waiting, last state, restarts", pod: testPod(api.RestartAlways, "a"),
			setup: func(s *scene) { s.sandbox().start("a", 0).exit("a", 1).start("a", 1).exit("a", 1) },
			waits: map[string]containerWait{"a": {Reason: "CrashLoopBackOff", Message: "back-off 10s"}},
			check: func(t *testing.T, s *scene, st api.PodStatus) {
				cs := st.ContainerStatuses[0]
				if cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" || cs.RestartCount != 1 {
					t.Fatalf("container status = %+v", cs)
				}
				if lt := cs.LastState.Terminated; lt == nil || lt.ExitCode != 1 || lt.Reason != "Error" || lt.ContainerID != "containerd://"+s.ids["a"] {
					t.Fatalf("last state = %+v", cs.LastState)
				}
				if st.Phase != api.PodRunning {
					t.Fatalf("phase %s, want Running (Always keeps restarting)", st.Phase)
				}
			}},
		{name: "restarted: running with the previous exit as last state", pod: testPod(api.RestartAlways, "a"),
			setup: func(s *scene) { s.sandbox().start("a", 0).oom("a").start("a", 1) },
			check: func(t *testing.T, s *scene, st api.PodStatus) {
				cs := st.ContainerStatuses[0]
				if cs.State.Running == nil || cs.RestartCount != 1 || cs.LastState.Terminated == nil || cs.LastState.Terminated.Reason != "OOMKilled" || cs.LastState.Terminated.ExitCode != 137 {
					t.Fatalf("container status = %+v", cs)
				}
			}},
		{name: "Never, success: Succeeded", pod: testPod(api.RestartNever, "a"),
			setup: func(s *scene) { s.sandbox().start("a", 0).exit("a", 0).stopSandbox() },
			check: func(t *testing.T, s *scene, st api.PodStatus) {
				cs := st.ContainerStatuses[0]
				if st.Phase != api.PodSucceeded || cs.State.Terminated == nil || cs.State.Terminated.Reason != "Completed" {
					t.Fatalf("status = %+v", st)
				}
				if c := cond(st, api.PodReady); c.Status != api.ConditionFalse || c.Reason != "PodCompleted" {
					t.Fatalf("Ready = %+v", c)
				}
			}},
		{name: "Never, failure: Failed", pod: testPod(api.RestartNever, "a", "b"),
			setup: func(s *scene) { s.sandbox().start("a", 0).start("b", 0).exit("a", 0).exit("b", 3) },
			check: func(t *testing.T, s *scene, st api.PodStatus) {
				if st.Phase != api.PodFailed || st.ContainerStatuses[1].State.Terminated.ExitCode != 3 {
					t.Fatalf("status = %+v", st)
				}
			}},
		{name: "OnFailure, one done one running: Running", pod: testPod(api.RestartOnFailure, "a", "b"),
			setup: func(s *scene) { s.sandbox().start("a", 0).start("b", 0).exit("a", 0) },
			check: func(t *testing.T, s *scene, st api.PodStatus) {
				if st.Phase != api.PodRunning || cond(st, api.PodReady).Status != api.ConditionFalse {
					t.Fatalf("status = %+v", st)
				}
			}},
		{name: "image pull error: Pending", pod: testPod(api.RestartAlways, "a"), setup: func(s *scene) { s.sandbox() },
			waits: map[string]containerWait{"a": {Reason: "ErrImagePull", Message: "no registry"}},
			check: func(t *testing.T, s *scene, st api.PodStatus) {
				w := st.ContainerStatuses[0].State.Waiting
				if st.Phase != api.PodPending || w == nil || w.Reason != "ErrImagePull" || w.Message != "no registry" {
					t.Fatalf("status = %+v", st)
				}
			}},
		{name: "Never pod whose sandbox died: the container that never ran is unknown, the pod failed", pod: testPod(api.RestartNever, "a", "b"),
			setup: func(s *scene) { s.sandbox().start("a", 0).exit("a", 0).pauseDies() },
			check: func(t *testing.T, s *scene, st api.PodStatus) {
				b := st.ContainerStatuses[1]
				if b.State.Terminated == nil || b.State.Terminated.Reason != "ContainerStatusUnknown" || b.State.Terminated.ExitCode != 137 ||
					b.State.Terminated.Message != "The container could not be located when the pod was terminated" {
					t.Fatalf("b = %+v", b)
				}
				if st.Phase != api.PodFailed {
					t.Fatalf("phase = %s, want Failed", st.Phase)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newScene(t, c.pod)
			c.setup(s)
			st := computePodStatus(c.pod, statusInput{Runtime: s.view(), Waits: c.waits, HostIP: "192.168.77.11", Now: s.f.Now()})
			c.check(t, s, st)
		})
	}
}

func TestPodStatusTransitionTimes(t *testing.T) {
	s := newScene(t, testPod(api.RestartAlways, "a"))
	s.sandbox().start("a", 0)
	t0 := s.f.Now()
	st1 := computePodStatus(s.pod, statusInput{Runtime: s.view(), Now: t0})
	s.pod.Status = st1
	st2 := computePodStatus(s.pod, statusInput{Runtime: s.view(), Now: t0.Add(time.Minute)})
	if !cond(st2, api.PodReady).LastTransitionTime.Equal(cond(st1, api.PodReady).LastTransitionTime.Time) || !st2.StartTime.Equal(st1.StartTime.Time) {
		t.Fatal("an unchanged condition (and startTime) must keep its time")
	}
	s.pod.Status = st2
	s.exit("a", 1)
	st3 := computePodStatus(s.pod, statusInput{Runtime: s.view(), Now: t0.Add(2 * time.Minute)})
	if c := cond(st3, api.PodReady); c.Status != api.ConditionFalse || !c.LastTransitionTime.Equal(t0.Add(2*time.Minute).Truncate(time.Second)) {
		t.Fatalf("Ready after exit = %+v", c)
	}
	if c := cond(st3, api.PodScheduled); !c.LastTransitionTime.Equal(cond(st1, api.PodScheduled).LastTransitionTime.Time) {
		t.Fatal("PodScheduled did not change and must keep its time")
	}
}

func TestLastStateSurvivesRemovedSandbox(t *testing.T) {
	pod := testPod(api.RestartAlways, "a")
	pod.Status.ContainerStatuses = []api.ContainerStatus{{Name: "a", RestartCount: 2,
		LastState: api.ContainerState{Terminated: &api.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}}}}
	s := newScene(t, pod)
	s.sandbox().start("a", 3)
	st := computePodStatus(pod, statusInput{Runtime: s.view(), Now: s.f.Now()})
	cs := st.ContainerStatuses[0]
	if cs.RestartCount != 3 || cs.LastState.Terminated == nil || cs.LastState.Terminated.Reason != "OOMKilled" {
		t.Fatalf("container status = %+v", cs)
	}
}

func q(s string) api.Quantity { return resource.MustParse(s) }

func TestQOSClass(t *testing.T) {
	mk := func(req, lim api.ResourceList) *api.PodSpec {
		return &api.PodSpec{Containers: []api.Container{{Name: "a", Resources: api.ResourceRequirements{Requests: req, Limits: lim}}}}
	}
	cases := []struct {
		spec *api.PodSpec
		want string
	}{
		{mk(nil, nil), "BestEffort"},
		{mk(api.ResourceList{"cpu": q("100m")}, nil), "Burstable"},
		{mk(nil, api.ResourceList{"cpu": q("1"), "memory": q("64Mi")}), "Guaranteed"},
		{mk(api.ResourceList{"cpu": q("1"), "memory": q("64Mi")}, api.ResourceList{"cpu": q("1"), "memory": q("64Mi")}), "Guaranteed"},
		{mk(api.ResourceList{"cpu": q("500m"), "memory": q("64Mi")}, api.ResourceList{"cpu": q("1"), "memory": q("64Mi")}), "Burstable"},
		{mk(nil, api.ResourceList{"memory": q("64Mi")}), "Burstable"},
	}
	for i, c := range cases {
		if got := qosClass(c.spec); got != c.want {
			t.Errorf("case %d: %s, want %s", i, got, c.want)
		}
	}
}
