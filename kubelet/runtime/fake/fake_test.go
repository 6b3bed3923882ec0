package fake

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"minik8s/kubelet/runtime"
)

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	r := New()
	sb, err := r.RunPodSandbox(ctx, &runtime.SandboxConfig{PodUID: "u1", Name: "web", Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if sb.ID != "sb-1" || sb.IP != "10.244.0.2" || sb.State != runtime.SandboxReady || sb.Labels[runtime.LabelKind] != "sandbox" {
		t.Fatalf("sandbox = %+v", sb)
	}
	id, err := r.CreateContainer(ctx, sb.ID, &runtime.ContainerConfig{Name: "app", Image: "busybox", Attempt: 2})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	cs, _ := r.ListContainers(ctx)
	if len(cs) != 1 || cs[0].State != runtime.ContainerRunning || cs[0].Labels[runtime.LabelAttempt] != "2" || cs[0].ImageRef == "" {
		t.Fatalf("containers = %+v", cs[0])
	}
	if cs[0].Image != "busybox" {
		t.Errorf("Image = %q", cs[0].Image)
	}
	r.Advance(time.Second)
	if err := r.OOMKill(id); err != nil {
		t.Fatal(err)
	}
	cs, _ = r.ListContainers(ctx)
	if !cs[0].NeedsReap || cs[0].Reason != "Error" {
		t.Fatalf("before the reap, an exit is a guess from the code: %+v", cs[0])
	}
	if c, err := r.ReapContainer(ctx, id); err != nil || c.Reason != "OOMKilled" || c.NeedsReap {
		t.Fatalf("reap: %+v, %v", c, err)
	}
	cs, _ = r.ListContainers(ctx)
	if cs[0].State != runtime.ContainerExited || cs[0].Reason != "OOMKilled" || cs[0].ExitCode != 137 || !cs[0].FinishedAt.Equal(cs[0].StartedAt.Add(time.Second)) {
		t.Fatalf("after OOM: %+v", cs[0])
	}
	if err := r.RemoveContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := r.RemoveContainer(ctx, id); err != nil {
		t.Fatalf("second remove: %v", err)
	}
	if err := r.StopPodSandbox(ctx, sb.ID); err != nil {
		t.Fatal(err)
	}
	if err := r.RemovePodSandbox(ctx, sb.ID); err != nil {
		t.Fatal(err)
	}
	sbs, _ := r.ListPodSandboxes(ctx)
	if len(sbs) != 0 {
		t.Fatalf("sandboxes left: %v", sbs)
	}
	want := []string{"RunPodSandbox default/web", "CreateContainer default/web/app", "StartContainer c-2",
		"ReapContainer c-2", "RemoveContainer c-2", "RemoveContainer c-2", "StopPodSandbox sb-1", "RemovePodSandbox sb-1"}
	if got := r.Calls(); len(got) != len(want) {
		t.Fatalf("calls = %q", got)
	} else {
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("call %d = %q, want %q", i, got[i], want[i])
			}
		}
	}
}

func TestBehaviorsAndFailures(t *testing.T) {
	ctx := context.Background()
	r := New()
	sb, _ := r.RunPodSandbox(ctx, &runtime.SandboxConfig{PodUID: "u", Name: "p", Namespace: "ns", HostNetwork: true})
	if sb.IP != "192.168.77.11" || sb.NetNSPath != "" {
		t.Fatalf("hostNetwork sandbox = %+v", sb)
	}
	r.SetBehavior("crash", Behavior{Exit: true, ExitCode: 3})
	r.SetBehavior("ok", Behavior{Exit: true})
	boom := errors.New("boom")
	r.SetBehavior("bad", Behavior{StartErr: boom})
	for _, tc := range []struct {
		name, state, reason string
		code                int32
		startErr            bool
	}{
		{"crash", "Exited", "Error", 3, false},
		{"ok", "Exited", "Completed", 0, false},
		{"bad", "Created", "", 0, true},
		{"run", "Running", "", 0, false},
	} {
		id, err := r.CreateContainer(ctx, sb.ID, &runtime.ContainerConfig{Name: tc.name, Image: "x"})
		if err != nil {
			t.Fatal(err)
		}
		err = r.StartContainer(ctx, id)
		if (err != nil) != tc.startErr || (err != nil && !errors.Is(err, boom)) {
			t.Errorf("%s: start err = %v", tc.name, err)
		}
		cs, _ := r.ListContainers(ctx)
		c := cs[len(cs)-1]
		if string(c.State) != tc.state || c.Reason != tc.reason || c.ExitCode != tc.code {
			t.Errorf("%s: %+v", tc.name, c)
		}
	}
	r.FailNext("ListContainers", boom)
	if _, err := r.ListContainers(ctx); !errors.Is(err, boom) {
		t.Errorf("FailNext: %v", err)
	}
	if _, err := r.ListContainers(ctx); err != nil {
		t.Errorf("FailNext is one-shot: %v", err)
	}
	// Stopping the sandbox kills the running container.
	if err := r.StopPodSandbox(ctx, sb.ID); err != nil {
		t.Fatal(err)
	}
	cs, _ := r.ListContainers(ctx)
	if c := cs[len(cs)-1]; c.State != runtime.ContainerExited || c.ExitCode != 137 {
		t.Errorf("after sandbox stop: %+v", c)
	}
	if _, err := r.CreateContainer(ctx, sb.ID, &runtime.ContainerConfig{Name: "late"}); err == nil {
		t.Error("CreateContainer in a stopped sandbox succeeded")
	}
}

func TestImagesAndExec(t *testing.T) {
	ctx := context.Background()
	r := New()
	if _, err := r.EnsureImage(ctx, "nginx", runtime.PullNever); err == nil {
		t.Error("PullNever of a missing image succeeded")
	}
	ref, err := r.EnsureImage(ctx, "docker.io/minik8s/tools:latest", runtime.PullIfNotPresent)
	if err != nil || ref == "" {
		t.Fatalf("present image: %q %v", ref, err)
	}
	r.SetPullError("nginx", errors.New("no registry"))
	if _, err := r.EnsureImage(ctx, "nginx:latest", runtime.PullIfNotPresent); err == nil {
		t.Error("pull error not returned")
	}
	r.SetPullError("nginx", nil)
	if _, err := r.EnsureImage(ctx, "nginx", runtime.PullIfNotPresent); err != nil {
		t.Fatal(err)
	}
	if _, err := r.EnsureImage(ctx, "docker.io/library/nginx:latest", runtime.PullNever); err != nil {
		t.Errorf("pulled image not present: %v", err)
	}
	sb, _ := r.RunPodSandbox(ctx, &runtime.SandboxConfig{Name: "p"})
	id, _ := r.CreateContainer(ctx, sb.ID, &runtime.ContainerConfig{Name: "a"})
	if _, err := r.Exec(ctx, id, runtime.ExecOptions{Cmd: []string{"true"}}); err == nil {
		t.Error("exec in a created container succeeded")
	}
	_ = r.StartContainer(ctx, id)
	var out bytes.Buffer
	code, err := r.Exec(ctx, id, runtime.ExecOptions{Cmd: []string{"echo", "hi"}, Stdout: &out})
	if err != nil || code != 0 || out.String() != "echo hi\n" {
		t.Errorf("exec = %d %v %q", code, err, out.String())
	}
	r.ExecFunc = func(string, runtime.ExecOptions) (int, error) { return 7, nil }
	if code, _ := r.Exec(ctx, id, runtime.ExecOptions{Cmd: []string{"false"}}); code != 7 {
		t.Errorf("ExecFunc code = %d", code)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"busybox":                     "docker.io/library/busybox:latest",
		"busybox:1.36":                "docker.io/library/busybox:1.36",
		"minik8s/tools":               "docker.io/minik8s/tools:latest",
		"localhost:5000/a/b":          "localhost:5000/a/b:latest",
		"registry.k8s.io/pause:3.9":   "registry.k8s.io/pause:3.9",
		"docker.io/minik8s/pause:3.9": "docker.io/minik8s/pause:3.9",
	} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSetUsage: usage set by pod and container name, the CPU counter
// growing with the fake clock; SetStats of an ID wins; stopped containers
// have no stats.
func TestSetUsage(t *testing.T) {
	ctx := context.Background()
	r := New()
	sb, err := r.RunPodSandbox(ctx, &runtime.SandboxConfig{PodUID: "u1", Name: "web", Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	start := func(name string) string {
		id, err := r.CreateContainer(ctx, sb.ID, &runtime.ContainerConfig{Name: name, Image: "busybox"})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.StartContainer(ctx, id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	app, side, other := start("app"), start("side"), start("other")
	r.SetUsage("default", "web", "app", Usage{CPUNanos: 1e9, NanoCores: 5e8, MemoryWorkingSet: 1000})
	r.SetUsage("default", "web", "side", Usage{CPUNanos: 7, MemoryWorkingSet: 10, MemoryUsage: 30})
	r.SetUsage("default", "elsewhere", "other", Usage{CPUNanos: 99})
	r.Advance(4 * time.Second)
	for _, tc := range []struct {
		id        string
		cpu, ws   uint64
		usage     uint64
		timestamp time.Time
	}{
		{app, 1e9 + 2e9, 1000, 1000, r.Now()}, // half a core for 4 s
		{side, 7, 10, 30, r.Now()},
		{other, 0, 0, 0, r.Now()}, // another pod's container of that name
	} {
		s, err := r.ContainerStats(ctx, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if s.CPUUsageNanoCores != tc.cpu || s.MemoryWorkingSet != tc.ws || s.MemoryUsage != tc.usage || !s.Timestamp.Equal(tc.timestamp) {
			t.Errorf("%s: got %+v, want cpu %d ws %d usage %d", tc.id, s, tc.cpu, tc.ws, tc.usage)
		}
	}
	r.SetStats(app, runtime.Stats{CPUUsageNanoCores: 42})
	if s, _ := r.ContainerStats(ctx, app); s.CPUUsageNanoCores != 42 {
		t.Errorf("SetStats should win: %+v", s)
	}
	if err := r.StopContainer(ctx, side, time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ContainerStats(ctx, side); err == nil {
		t.Error("a stopped container: want an error")
	}
}
