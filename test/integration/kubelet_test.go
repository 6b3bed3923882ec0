package integration

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/kubelet"
	"minik8s/kubelet/runtime"
	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
	mclient "minik8s/pkg/client"
)

// kubeletHarness runs kubelets for node1 on one fake runtime against a
// test apiserver; the fake's clock follows real time.
type kubeletHarness struct {
	t       *testing.T
	ts      *testserver.TestServer
	c       *mclient.Client
	rt      *fake.Runtime
	rootDir string

	cancel context.CancelFunc
	done   chan error
	k      *kubelet.Kubelet
	rec    *eventLog // when set, the kubelet records its events here
	// configure, when set, changes the kubelet's options before start.
	configure func(*kubelet.Options)
}

func newKubeletHarness(t *testing.T) *kubeletHarness {
	ts := testserver.Start(t)
	c, err := mclient.New(&mclient.Config{Server: ts.URL, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	h := &kubeletHarness{t: t, ts: ts, c: c, rt: fake.New(), rootDir: t.TempDir()}
	h.rt.SetNow(time.Now())
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the fake's clock follows real time
		defer wg.Done()
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				h.rt.SetNow(time.Now())
			}
		}
	}()
	t.Cleanup(func() { h.stop(); cancel(); wg.Wait() })
	return h
}

// start runs a kubelet (a new one: as after a restart).
func (h *kubeletHarness) start() {
	h.t.Helper()
	opts := kubelet.DefaultOptions()
	opts.NodeName, opts.NodeIP, opts.Port = "node1", "127.0.0.1", 0
	opts.RootDir = h.rootDir
	opts.HeartbeatInterval = 200 * time.Millisecond
	opts.NodeStatusReportFrequency = time.Second // an unchanged status is rewritten (a heartbeat) every second
	opts.RelistInterval = 100 * time.Millisecond
	opts.SyncInterval = time.Second
	if h.configure != nil {
		h.configure(&opts)
	}
	k, err := kubelet.New(opts, h.c, h.rt)
	if err != nil {
		h.t.Fatal(err)
	}
	k.SetBackoff(2*time.Second, 4*time.Second)
	if h.rec != nil {
		k.Recorder, k.WithFieldPath = h.rec, withFieldPath
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.k, h.cancel, h.done = k, cancel, make(chan error, 1)
	go func() { h.done <- k.Run(ctx) }()
}

func (h *kubeletHarness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("kubelet Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		h.t.Error("kubelet did not stop within 20s")
	}
	h.cancel = nil
}

// eventually polls cond every 50ms for up to d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	last := ""
	for time.Now().Before(deadline) {
		ok, s := cond()
		if ok {
			return
		}
		last = s
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last: %s", what, last)
}

func (h *kubeletHarness) createPod(p *api.Pod) *api.Pod {
	h.t.Helper()
	out, err := h.c.Pods("default").Create(context.Background(), p)
	if err != nil {
		h.t.Fatal(err)
	}
	return out
}

func (h *kubeletHarness) waitPod(name, what string, cond func(p *api.Pod) bool) *api.Pod {
	h.t.Helper()
	var got *api.Pod
	waitUntil(h.t, 15*time.Second, name+" "+what, func() (bool, string) {
		p, err := h.c.Pods("default").Get(context.Background(), name)
		if err != nil {
			return false, err.Error()
		}
		got = p
		return cond(p), string(mustJSON(h.t, p.Status))
	})
	return got
}

// runtimeOf is what the fake has of a pod UID.
func (h *kubeletHarness) runtimeOf(uid string) (sbs []*runtime.Sandbox, cs []*runtime.Container) {
	h.t.Helper()
	all, _ := h.rt.ListPodSandboxes(context.Background())
	for _, s := range all {
		if s.PodUID == uid {
			sbs = append(sbs, s)
		}
	}
	allc, _ := h.rt.ListContainers(context.Background())
	for _, c := range allc {
		if c.PodUID == uid {
			cs = append(cs, c)
		}
	}
	return sbs, cs
}

func twoContainerPod(name string) *api.Pod {
	grace := int64(5)
	return &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name},
		Spec: api.PodSpec{
			NodeName:                      "node1",
			TerminationGracePeriodSeconds: &grace,
			Volumes:                       []api.Volume{{Name: "shared", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}},
			Containers: []api.Container{
				{Name: "writer", Image: "docker.io/minik8s/tools:latest", Command: []string{"sh", "-c", "date > /data/index.html; sleep 3600"},
					VolumeMounts: []api.VolumeMount{{Name: "shared", MountPath: "/data"}}},
				{Name: "server", Image: "docker.io/minik8s/tools:latest", Command: []string{"httpd", "-f", "-h", "/data"},
					VolumeMounts: []api.VolumeMount{{Name: "shared", MountPath: "/data"}}},
			},
		},
	}
}

func running(p *api.Pod) bool {
	if p.Status.Phase != api.PodRunning || len(p.Status.ContainerStatuses) != len(p.Spec.Containers) {
		return false
	}
	for _, cs := range p.Status.ContainerStatuses {
		if !cs.Ready {
			return false
		}
	}
	return true
}

func TestKubeletNodePodLifecycle(t *testing.T) {
	h := newKubeletHarness(t)
	h.start()
	ctx := context.Background()

	// The node registers Ready with capacity, addresses and versions.
	waitUntil(t, 10*time.Second, "node1 Ready", func() (bool, string) {
		n, err := h.c.Nodes().Get(ctx, "node1")
		if err != nil {
			return false, err.Error()
		}
		for _, c := range n.Status.Conditions {
			if c.Type == api.NodeReady && c.Status == api.ConditionTrue {
				return true, ""
			}
		}
		return false, string(mustJSON(t, n.Status))
	})
	n, _ := h.c.Nodes().Get(ctx, "node1")
	cpu, mem := n.Status.Capacity["cpu"], n.Status.Capacity["memory"]
	if cpu.IsZero() || mem.IsZero() || n.Status.NodeInfo.KubeletVersion != kubelet.KubeletVersion ||
		!strings.HasPrefix(n.Status.NodeInfo.ContainerRuntimeVersion, "fake") && n.Status.NodeInfo.ContainerRuntimeVersion == "" ||
		n.Status.DaemonEndpoints == nil || int(n.Status.DaemonEndpoints.KubeletEndpoint.Port) != h.k.Port() ||
		len(n.Status.Addresses) != 2 || n.Status.Addresses[0].Address != "127.0.0.1" || n.Labels["kubernetes.io/hostname"] != "node1" {
		t.Fatalf("node = %s", mustJSON(t, n))
	}
	hb := n.Status.Conditions[0].LastHeartbeatTime
	waitUntil(t, 5*time.Second, "a heartbeat", func() (bool, string) {
		n, _ := h.c.Nodes().Get(ctx, "node1")
		return n.Status.Conditions[0].LastHeartbeatTime.After(hb.Time), ""
	})

	// An unbound pod stays Pending, untouched.
	unbound := twoContainerPod("unbound")
	unbound.Spec.NodeName = ""
	h.createPod(unbound)

	// A bound pod runs.
	p := h.createPod(twoContainerPod("web"))
	p = h.waitPod("web", "Running", running)
	if p.Status.PodIP == "" || p.Status.HostIP != "127.0.0.1" || p.Status.StartTime == nil || p.Status.QOSClass != "BestEffort" {
		t.Fatalf("status = %s", mustJSON(t, p.Status))
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Running == nil || !strings.HasPrefix(cs.ContainerID, "containerd://") || cs.RestartCount != 0 {
			t.Fatalf("container status = %+v", cs)
		}
	}
	if _, err := os.Stat(filepath.Join(h.rootDir, "pods", p.UID, "volumes", "shared")); err != nil {
		t.Fatalf("emptyDir: %v", err)
	}
	sbs, cs := h.runtimeOf(p.UID)
	if len(sbs) != 1 || len(cs) != 2 {
		t.Fatalf("runtime has %d sandboxes, %d containers", len(sbs), len(cs))
	}
	for _, c := range cs {
		cfg, _ := h.rt.ContainerConfig(c.ID)
		if len(cfg.Mounts) != 1 || !strings.HasSuffix(cfg.Mounts[0].HostPath, "/volumes/shared") || cfg.LogPath == "" {
			t.Fatalf("container config = %+v", cfg)
		}
	}
	if u, _ := h.c.Pods("default").Get(ctx, "unbound"); u.Status.Phase != api.PodPending || len(u.Status.ContainerStatuses) != 0 {
		t.Fatalf("unbound pod touched: %s", mustJSON(t, u.Status))
	}

	// Logs through the apiserver, from the kubelet, from the log file.
	for _, c := range cs {
		cfg, _ := h.rt.ContainerConfig(c.ID)
		if err := os.MkdirAll(filepath.Dir(cfg.LogPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cfg.LogPath, []byte("one "+c.Name+"\ntwo\nthree\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	logURL := h.ts.URL + "/api/v1/namespaces/default/pods/web/log"
	if b := mustDo(t, 200, "GET", logURL+"?container=writer", "", ""); string(b) != "one writer\ntwo\nthree\n" {
		t.Fatalf("log = %q", b)
	}
	if b := mustDo(t, 200, "GET", logURL+"?container=server&tailLines=2", "", ""); string(b) != "two\nthree\n" {
		t.Fatalf("log --tail 2 = %q", b)
	}
	if st := status(t, mustDo(t, 400, "GET", logURL, "", "")); !strings.Contains(st.Message, "choose one of: [writer server]") {
		t.Fatalf("log without container: %s", st.Message)
	}
	mustDo(t, 400, "GET", h.ts.URL+"/api/v1/namespaces/default/pods/unbound/log?container=writer", "", "")

	// Graceful delete: marked, killed, removed, then gone from the API.
	if err := h.c.Pods("default").Delete(ctx, "web", nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 15*time.Second, "web gone", func() (bool, string) {
		_, err := h.c.Pods("default").Get(ctx, "web")
		return mclient.IsNotFound(err), ""
	})
	sbs, cs = h.runtimeOf(p.UID)
	if len(sbs) != 0 || len(cs) != 0 {
		t.Fatalf("left behind: %d sandboxes, %d containers", len(sbs), len(cs))
	}
	if _, err := os.Stat(filepath.Join(h.rootDir, "pods", p.UID)); !os.IsNotExist(err) {
		t.Fatalf("pod dir left behind: %v", err)
	}
	calls := strings.Join(h.rt.Calls(), "\n")
	for _, want := range []string{"StopContainer", "StopPodSandbox", "RemovePodSandbox"} {
		if !strings.Contains(calls, want) {
			t.Errorf("no %s call in\n%s", want, calls)
		}
	}
}

func TestKubeletRestartAdoptsAndCleansUp(t *testing.T) {
	h := newKubeletHarness(t)
	h.start()
	ctx := context.Background()
	keep := h.createPod(twoContainerPod("keep"))
	gone := h.createPod(twoContainerPod("gone"))
	h.waitPod("keep", "Running", running)
	h.waitPod("gone", "Running", running)
	_, before := h.runtimeOf(keep.UID)

	h.stop()
	// Deleted while the kubelet is down (force: nothing waits for it).
	zero := int64(0)
	if err := h.c.Pods("default").Delete(ctx, "gone", &api.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
		t.Fatal(err)
	}
	h.rt.ResetCalls()
	h.start()

	waitUntil(t, 10*time.Second, "gone's containers cleaned up", func() (bool, string) {
		sbs, cs := h.runtimeOf(gone.UID)
		return len(sbs) == 0 && len(cs) == 0, ""
	})
	time.Sleep(time.Second) // a few syncs of keep
	_, after := h.runtimeOf(keep.UID)
	if len(after) != len(before) {
		t.Fatalf("containers of keep: %d before, %d after", len(before), len(after))
	}
	for i := range before {
		if before[i].ID != after[i].ID || after[i].State != runtime.ContainerRunning {
			t.Fatalf("container %s was replaced or stopped: %+v", before[i].Name, after[i])
		}
	}
	for _, c := range h.rt.Calls() {
		if strings.HasPrefix(c, "CreateContainer default/keep") || strings.HasPrefix(c, "RunPodSandbox default/keep") {
			t.Fatalf("restarted kubelet recreated keep: %v", h.rt.Calls())
		}
	}
	p := h.waitPod("keep", "Running", running)
	for _, cs := range p.Status.ContainerStatuses {
		if cs.RestartCount != 0 {
			t.Fatalf("restartCount changed: %+v", cs)
		}
	}
}

func TestKubeletCrashLoopAndImagePull(t *testing.T) {
	h := newKubeletHarness(t)
	h.rt.SetBehavior("crash", fake.Behavior{Exit: true, ExitCode: 1})
	h.rt.SetPullError("docker.io/library/missing:1", errFake("no registry reachable"))
	h.start()
	crash := twoContainerPod("crash")
	crash.Spec.Containers = []api.Container{{Name: "crash", Image: "docker.io/minik8s/tools:latest"}}
	h.createPod(crash)
	p := h.waitPod("crash", "CrashLoopBackOff", func(p *api.Pod) bool {
		if len(p.Status.ContainerStatuses) != 1 {
			return false
		}
		cs := p.Status.ContainerStatuses[0]
		return cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff" && cs.RestartCount >= 1
	})
	cs := p.Status.ContainerStatuses[0]
	if cs.LastState.Terminated == nil || cs.LastState.Terminated.ExitCode != 1 || cs.LastState.Terminated.Reason != "Error" || p.Status.Phase != api.PodRunning {
		t.Fatalf("status = %s", mustJSON(t, p.Status))
	}
	// Restarts go on after the back-off.
	h.waitPod("crash", "another restart", func(p *api.Pod) bool {
		return len(p.Status.ContainerStatuses) == 1 && p.Status.ContainerStatuses[0].RestartCount > cs.RestartCount
	})

	// ErrImagePull lasts only until the next sync turns it into
	// ImagePullBackOff, so polling can miss it: watch every status the
	// kubelet writes instead, from before the pod exists.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	w, err := h.c.Pods("default").Watch(ctx, mclient.ListOptions{FieldSelector: "metadata.name=pull"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	pull := twoContainerPod("pull")
	pull.Spec.Containers = []api.Container{{Name: "app", Image: "docker.io/library/missing:1", ImagePullPolicy: "IfNotPresent"}}
	h.createPod(pull)
	want := []string{"ErrImagePull", "ImagePullBackOff"}
	var seen []string
	for len(want) > 0 {
		ev, ok := <-w.ResultChan()
		if !ok {
			t.Fatalf("watch ended before %s; reasons seen: %v", want[0], seen)
		}
		p, isPod := ev.Object.(*api.Pod)
		if !isPod || len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].State.Waiting == nil {
			continue
		}
		reason := p.Status.ContainerStatuses[0].State.Waiting.Reason
		seen = append(seen, reason)
		if reason == want[0] {
			if p.Status.Phase != api.PodPending {
				t.Fatalf("%s with phase %s, want Pending", reason, p.Status.Phase)
			}
			want = want[1:]
		}
	}
}

type errFake string

func (e errFake) Error() string { return string(e) }

// TestKubeletRefusesHostPortConflict: of two pods claiming one hostPort on
// a node, the older runs and the younger is refused (Failed, NodePorts) and
// never started; the refusal is final even once the port is free again.
func TestKubeletRefusesHostPortConflict(t *testing.T) {
	h := newKubeletHarness(t)
	h.start()
	withHostPort := func(name string) *api.Pod {
		p := twoContainerPod(name)
		p.Spec.Containers = []api.Container{{Name: "web", Image: "docker.io/minik8s/testserver:latest",
			Ports: []api.ContainerPort{{ContainerPort: 8080, HostPort: 8081}}}}
		return p
	}
	first := h.createPod(withHostPort("first"))
	h.waitPod("first", "Running", running)
	time.Sleep(1100 * time.Millisecond) // a later creationTimestamp (second precision)
	second := h.createPod(withHostPort("second"))
	p := h.waitPod("second", "refused", func(p *api.Pod) bool { return p.Status.Phase == api.PodFailed })
	if p.Status.Reason != "NodePorts" || !strings.Contains(p.Status.Message, "8081") {
		t.Fatalf("refused pod status = %s", mustJSON(t, p.Status))
	}
	if sbs, cs := h.runtimeOf(second.UID); len(sbs)+len(cs) != 0 {
		t.Fatalf("the refused pod has a sandbox or containers: %d %d", len(sbs), len(cs))
	}
	if sbs, _ := h.runtimeOf(first.UID); len(sbs) == 0 {
		t.Fatal("the first pod lost its sandbox")
	}
	ctx := context.Background()
	if err := h.c.Pods("default").Delete(ctx, "first", nil); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 15*time.Second, "first gone", func() (bool, string) {
		_, err := h.c.Pods("default").Get(ctx, "first")
		return mclient.IsNotFound(err), ""
	})
	time.Sleep(1500 * time.Millisecond) // a relist and a resync later
	if sbs, cs := h.runtimeOf(second.UID); len(sbs)+len(cs) != 0 {
		t.Fatalf("the refused pod was started once the port was free: %d %d", len(sbs), len(cs))
	}
}
