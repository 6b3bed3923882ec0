package kubelet

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/api"
)

// summary renders a plan compactly for comparison.
func summary(a podActions) string {
	var parts []string
	if a.KillPod {
		parts = append(parts, "killpod")
	}
	if a.Delete {
		parts = append(parts, "delete")
	}
	if a.CreateSandbox {
		parts = append(parts, "sandbox")
	}
	for _, s := range a.Start {
		kind := "start:"
		if s.Init {
			kind = "init:"
		}
		parts = append(parts, kind+string(rune('0'+s.Index))+"@"+string(rune('0'+s.Attempt)))
	}
	for _, c := range a.Kill {
		parts = append(parts, "kill:"+c.Name)
	}
	for _, c := range a.Remove {
		parts = append(parts, "remove:"+c.Name+"@"+string(rune('0'+c.Attempt)))
	}
	for _, s := range a.RemoveSandboxes {
		parts = append(parts, "rmsandbox:"+s.ID)
	}
	var w []string
	for n, r := range a.Waiting {
		w = append(w, "wait:"+n+"="+r.Reason)
	}
	sort.Strings(w)
	parts = append(parts, w...)
	return strings.Join(parts, " ")
}

func TestComputePodActions(t *testing.T) {
	type tc struct {
		name    string
		pod     *api.Pod
		setup   func(s *scene)
		waits   map[string]containerWait
		backoff func(s *scene, b *Backoff) // entries made before the plan
		change  func(p *api.Pod)           // a spec update after setup
		want    string
		retry   bool // RetryAfter > 0
	}
	always := func(n ...string) *api.Pod { return testPod(api.RestartAlways, n...) }
	deleted := always("a")
	ts := api.Now()
	deleted.DeletionTimestamp = &ts
	withoutB := always("a")
	cases := []tc{
		{name: "new pod: sandbox and every container", pod: always("a", "b"), setup: func(s *scene) {},
			want: "sandbox start:0@0 start:1@0"},
		{name: "all running: nothing", pod: always("a", "b"), setup: func(s *scene) { s.sandbox().start("a", 0).start("b", 0) },
			want: ""},
		{name: "one missing container is started", pod: always("a", "b"), setup: func(s *scene) { s.sandbox().start("a", 0) },
			want: "start:1@0"},
		{name: "first crash restarts at once", pod: always("a"), setup: func(s *scene) { s.sandbox().start("a", 0).exit("a", 1) },
			want: "start:0@1"},
		{name: "crash in back-off waits", pod: always("a"), setup: func(s *scene) { s.sandbox().start("a", 0).exit("a", 1).start("a", 1).exit("a", 1) },
			backoff: func(s *scene, b *Backoff) { b.Next("uid-1/a", s.f.Now().Add(-2*time.Second)) },
			want:    "wait:a=CrashLoopBackOff", retry: true},
		{name: "back-off over: restart", pod: always("a"), setup: func(s *scene) { s.sandbox().start("a", 0).exit("a", 1).start("a", 1).exit("a", 1) },
			backoff: func(s *scene, b *Backoff) {
				b.Next("uid-1/a", s.f.Now().Add(-20*time.Second))
				s.f.Advance(15 * time.Second)
			},
			want: "start:0@2"},
		{name: "Always restarts a success too", pod: always("a"), setup: func(s *scene) { s.sandbox().start("a", 0).exit("a", 0) },
			want: "start:0@1"},
		{name: "OnFailure restarts a failure", pod: testPod(api.RestartOnFailure, "a", "b"), setup: func(s *scene) { s.sandbox().start("a", 0).start("b", 0).exit("a", 2) },
			want: "start:0@1"},
		{name: "OnFailure keeps a success, other still running", pod: testPod(api.RestartOnFailure, "a", "b"), setup: func(s *scene) { s.sandbox().start("a", 0).start("b", 0).exit("a", 0) },
			want: ""},
		{name: "OnFailure all succeeded: stop the sandbox", pod: testPod(api.RestartOnFailure, "a"), setup: func(s *scene) { s.sandbox().start("a", 0).exit("a", 0) },
			want: "killpod"},
		{name: "Never: a failure is final, sandbox stopped", pod: testPod(api.RestartNever, "a"), setup: func(s *scene) { s.sandbox().start("a", 0).exit("a", 1) },
			want: "killpod"},
		{name: "Never: finished and stopped: nothing more", pod: testPod(api.RestartNever, "a"), setup: func(s *scene) { s.sandbox().start("a", 0).exit("a", 0).stopSandbox() },
			want: ""},
		{name: "OOMKilled restarts under Always", pod: always("a"), setup: func(s *scene) { s.sandbox().start("a", 0).oom("a") },
			want: "start:0@1"},
		{name: "dead sandbox: kill pod, new sandbox, restart all", pod: always("a", "b"), setup: func(s *scene) { s.sandbox().start("a", 0).start("b", 3).stopSandbox() },
			want: "killpod sandbox start:0@1 start:1@4"},
		{name: "old sandbox without latest containers is removed", pod: always("a"), setup: func(s *scene) {
			s.sandbox().start("a", 0).stopSandbox()
			s.sandbox().start("a", 1)
		}, want: "rmsandbox:sb-1"},
		{name: "being deleted: kill and delete", pod: deleted, setup: func(s *scene) { s.sandbox().start("a", 0) },
			want: "killpod delete"},
		{name: "container not in spec is killed", pod: withoutB, setup: func(s *scene) { s.sandbox().start("a", 0).start("b", 0) },
			want: "kill:b"},
		{name: "old attempts beyond two are removed", pod: always("a"), setup: func(s *scene) {
			s.sandbox().start("a", 0).exit("a", 1).start("a", 1).exit("a", 1).start("a", 2)
		}, want: "remove:a@0"},
		{name: "image pull failure in back-off", pod: always("a"), setup: func(s *scene) { s.sandbox() },
			waits:   map[string]containerWait{"a": {Reason: "ErrImagePull", Message: "pull failed"}},
			backoff: func(s *scene, b *Backoff) { b.Next("uid-1/wait/a", s.f.Now()) },
			want:    "wait:a=ImagePullBackOff", retry: true},
		{name: "image pull back-off over: try again", pod: always("a"), setup: func(s *scene) { s.sandbox() },
			waits: map[string]containerWait{"a": {Reason: "ErrImagePull", Message: "pull failed", At: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}},
			backoff: func(s *scene, b *Backoff) {
				b.Next("uid-1/wait/a", s.f.Now().Add(-time.Minute))
				s.f.Advance(time.Minute)
			},
			want: "start:0@0"},
		{name: "changed image: kill and restart the running container", pod: always("a", "b"),
			setup:  func(s *scene) { s.sandbox().start("a", 0).start("b", 0) },
			change: func(p *api.Pod) { p.Spec.Containers[1].Image = "docker.io/minik8s/testserver:latest" },
			want:   "start:1@1 kill:b"},
		{name: "changed image restarts even under Never", pod: testPod(api.RestartNever, "a"),
			setup:  func(s *scene) { s.sandbox().start("a", 0) },
			change: func(p *api.Pod) { p.Spec.Containers[0].Image = "docker.io/minik8s/testserver:latest" },
			want:   "start:0@1 kill:a"},
		{name: "changed image of a finished Never container: nothing restarts", pod: testPod(api.RestartNever, "a", "b"),
			setup:  func(s *scene) { s.sandbox().start("a", 0).start("b", 0).exit("a", 0) },
			change: func(p *api.Pod) { p.Spec.Containers[0].Image = "docker.io/minik8s/testserver:latest" },
			want:   ""},
		{name: "container without a hash label is not restarted", pod: always("a"),
			setup: func(s *scene) { s.sandbox().startUnhashed("a", 0) },
			want:  ""},
		{name: "Never: sandbox died, containers ran: no new sandbox", pod: testPod(api.RestartNever, "a", "b"),
			setup: func(s *scene) { s.sandbox().start("a", 0).pauseDies() },
			want:  "killpod"},
		{name: "Never: sandbox died, a container finished, one never created: no new sandbox", pod: testPod(api.RestartNever, "a", "b"),
			setup: func(s *scene) { s.sandbox().start("a", 0).exit("a", 0).pauseDies() },
			want:  ""},
		{name: "Never: sandbox died before any container: new sandbox", pod: testPod(api.RestartNever, "a"),
			setup: func(s *scene) { s.sandbox().pauseDies() },
			want:  "killpod sandbox start:0@0"},
		{name: "OnFailure: sandbox died: new sandbox, running one restarted", pod: testPod(api.RestartOnFailure, "a"),
			setup: func(s *scene) { s.sandbox().start("a", 0).pauseDies() },
			want:  "killpod sandbox start:0@1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newScene(t, c.pod)
			c.setup(s)
			if c.change != nil {
				c.change(c.pod)
			}
			b := NewBackoff(10*time.Second, 5*time.Minute)
			if c.backoff != nil {
				c.backoff(s, b)
			}
			waits := c.waits
			for n, w := range waits {
				if w.At.IsZero() {
					w.At = s.f.Now()
					waits[n] = w
				}
			}
			got := computePodActions(c.pod, s.view(), waits, b, nil, s.f.Now())
			if summary(got) != c.want {
				t.Errorf("plan = %q, want %q", summary(got), c.want)
			}
			if (got.RetryAfter > 0) != c.retry {
				t.Errorf("RetryAfter = %v, want retry %v", got.RetryAfter, c.retry)
			}
		})
	}
}

func TestCrashLoopMessage(t *testing.T) {
	s := newScene(t, testPod(api.RestartAlways, "a"))
	s.sandbox().start("a", 0).exit("a", 1)
	b := NewBackoff(10*time.Second, 5*time.Minute)
	b.Next("uid-1/a", s.f.Now())
	got := computePodActions(s.pod, s.view(), nil, b, nil, s.f.Now().Add(3*time.Second))
	w := got.Waiting["a"]
	if w.Reason != "CrashLoopBackOff" || w.Message != "back-off 10s restarting failed container=a pod=web_default(uid-1)" {
		t.Fatalf("waiting = %+v", w)
	}
	if got.RetryAfter != 6*time.Second {
		t.Fatalf("RetryAfter = %v, want 6s (10s from the exit 1s before the entry)", got.RetryAfter)
	}
	if !reflect.DeepEqual(got.Start, []containerStart(nil)) {
		t.Fatalf("nothing may start while backing off: %+v", got.Start)
	}
}
