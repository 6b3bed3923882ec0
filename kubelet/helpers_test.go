package kubelet

import (
	"context"
	"testing"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
)

// testPod is a pod bound to node1 with one tools container per name.
func testPod(policy string, names ...string) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-1"},
		Spec:       api.PodSpec{RestartPolicy: policy, NodeName: "node1"},
	}
	for _, n := range names {
		p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: n, Image: "docker.io/minik8s/tools:latest"})
	}
	return p
}

// scene is a fake runtime holding one pod's sandbox and containers.
type scene struct {
	t   *testing.T
	f   *fake.Runtime
	pod *api.Pod
	sb  *runtime.Sandbox
	ids map[string]string // container name -> newest ID
}

func newScene(t *testing.T, pod *api.Pod) *scene {
	return &scene{t: t, f: fake.New(), pod: pod, ids: map[string]string{}}
}

// sandbox runs the pod's sandbox.
func (s *scene) sandbox() *scene {
	s.t.Helper()
	sb, err := s.f.RunPodSandbox(context.Background(), sandboxConfig(s.pod, "/minik8s/node1", "cluster.local"))
	if err != nil {
		s.t.Fatal(err)
	}
	s.sb = sb
	s.f.Advance(time.Second)
	return s
}

// start creates and starts container name with attempt in the current
// sandbox, labelled with the hash of its spec in the pod.
func (s *scene) start(name string, attempt uint32) *scene {
	s.t.Helper()
	for i := range s.pod.Spec.Containers {
		if c := &s.pod.Spec.Containers[i]; c.Name == name {
			return s.startWith(name, attempt, c.Image, map[string]string{runtime.LabelContainerHash: containerHash(c)})
		}
	}
	return s.startWith(name, attempt, "docker.io/minik8s/tools:latest", nil)
}

// startUnhashed starts a container without a hash label (one made by an
// older kubelet).
func (s *scene) startUnhashed(name string, attempt uint32) *scene {
	s.t.Helper()
	return s.startWith(name, attempt, "docker.io/minik8s/tools:latest", nil)
}

func (s *scene) startWith(name string, attempt uint32, image string, labels map[string]string) *scene {
	s.t.Helper()
	id, err := s.f.CreateContainer(context.Background(), s.sb.ID, &runtime.ContainerConfig{Name: name, Attempt: attempt, Image: image, Labels: labels})
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.f.StartContainer(context.Background(), id); err != nil {
		s.t.Fatal(err)
	}
	s.ids[name] = id
	s.f.Advance(time.Second)
	return s
}

// exit makes the newest container name exit with code.
func (s *scene) exit(name string, code int32) *scene {
	s.t.Helper()
	if err := s.f.Exit(s.ids[name], code); err != nil {
		s.t.Fatal(err)
	}
	s.f.Advance(time.Second)
	return s
}

func (s *scene) oom(name string) *scene {
	s.t.Helper()
	if err := s.f.OOMKill(s.ids[name]); err != nil {
		s.t.Fatal(err)
	}
	s.f.Advance(time.Second)
	return s
}

// stopSandbox stops the sandbox (its containers exit 137), like a dead pause.
func (s *scene) stopSandbox() *scene {
	s.t.Helper()
	if err := s.f.StopPodSandbox(context.Background(), s.sb.ID); err != nil {
		s.t.Fatal(err)
	}
	s.f.Advance(time.Second)
	return s
}

// pauseDies makes the sandbox's pause container die on its own: the
// sandbox is NotReady, its app containers keep running.
func (s *scene) pauseDies() *scene {
	s.t.Helper()
	if err := s.f.SandboxDied(s.sb.ID); err != nil {
		s.t.Fatal(err)
	}
	s.f.Advance(time.Second)
	return s
}

// view is what the kubelet sees of the pod: what a relist puts in the
// runtime cache (exits reaped).
func (s *scene) view() *podRuntime {
	s.t.Helper()
	k := &Kubelet{rt: s.f, cache: newRuntimeCache()}
	if err := k.relist(context.Background()); err != nil {
		s.t.Fatal(err)
	}
	p, err := k.cache.getNewerThan(context.Background(), s.pod.UID, time.Time{})
	if err != nil {
		s.t.Fatal(err)
	}
	return p
}
