package containerd

// End-to-end test on a lab brought up by scripts/lab/up.sh with its own
// prefix and subnet. The runtime runs inside the lab's node network
// namespace: the test re-executes its own binary under `ip netns exec`
// (TestMain's helper mode), as the kubelet runs.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"minik8s/kubelet/runtime"
	"minik8s/kubelet/runtime/cni"
	"minik8s/test/testutil"
)

const (
	e2ePrefix = "mk8r"
	e2eNet3   = "192.168.83"
	e2eNode   = e2ePrefix + "-node1"
	e2eNS     = e2ePrefix + "-node1" // containerd namespace the images go into
	podCIDR   = "10.83.1.0/24"
)

func TestMain(m *testing.M) {
	if os.Getenv("MK8R_HELPER") == "1" {
		os.Exit(helperMain())
	}
	os.Exit(m.Run())
}

func repoRoot() string {
	_, file, _, _ := goruntime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

func run(ctx context.Context, env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestRuntimeOnLab(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("end-to-end: needs root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	state := os.Getenv("MK8R_STATE") // reuse a lab kept up for development
	labEnv := []string{"MK8S_LAB_PREFIX=" + e2ePrefix, "MK8S_LAB_SUBNET=" + e2eNet3 + ".0/24", "NODES=1", "IMAGE_NAMESPACES=" + e2eNS}
	if state == "" {
		state = t.TempDir()
		labEnv = append(labEnv, "MINIK8S_STATE="+state)
		up := filepath.Join(repoRoot(), "scripts", "lab", "up.sh")
		down := filepath.Join(repoRoot(), "scripts", "lab", "down.sh")
		t.Cleanup(func() {
			if out, err := run(context.Background(), labEnv, down); err != nil {
				t.Errorf("down.sh: %v\n%s", err, out)
			}
		})
		if out, err := run(ctx, labEnv, up); err != nil {
			t.Fatalf("up.sh: %v\n%s", err, out)
		}
	}
	work := t.TempDir()
	confDir := filepath.Join(work, "net.d")
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := cni.Bridge{PodCIDR: podCIDR, Bridge: "cni0", DataDir: filepath.Join(work, "ipam")}.ConfList()
	if err := os.WriteFile(filepath.Join(confDir, "10-minik8s.conflist"), conf, 0o644); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := run(ctx, []string{"MK8R_HELPER=1", "MK8R_WORK=" + work, "MK8R_NODE_IP=" + e2eNet3 + ".11"},
		"ip", "netns", "exec", e2eNode, self, "-test.run=^$")
	t.Logf("helper output:\n%s", out)
	if err != nil {
		t.Fatalf("helper in %s: %v", e2eNode, err)
	}
	if !strings.Contains(out, "HELPER OK") {
		t.Fatal("helper did not finish")
	}
	// Nothing left behind (checked from outside too).
	if ls, _ := run(ctx, nil, "ctr", "-n", e2eNS, "containers", "ls", "-q"); strings.TrimSpace(ls) != "" {
		t.Errorf("containers left: %q", ls)
	}
	if ls, _ := run(ctx, nil, "ctr", "-n", e2eNS, "snapshots", "ls"); strings.Count(strings.TrimSpace(ls), "\n") > 0 && strings.Contains(ls, "Committed") && strings.Contains(ls, "Active") {
		t.Errorf("active snapshots left:\n%s", ls)
	}
	links, _ := run(ctx, nil, "ip", "-n", e2eNode, "-o", "link", "show", "type", "veth")
	if strings.TrimSpace(links) != "" && !strings.Contains(links, "eth0@") {
		t.Errorf("veths left in the node: %s", links)
	}
	if links, _ := run(ctx, nil, "ip", "-n", e2eNode, "-o", "link", "show"); strings.Contains(links, "veth") {
		t.Errorf("veths left in the node:\n%s", links)
	}
	entries, _ := os.ReadDir(filepath.Join(work, "ipam", cni.DefaultNetworkName))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "10.") {
			t.Errorf("IP reservation left: %s", e.Name())
		}
	}
	if _, err := os.Stat("/sys/fs/cgroup/memory/minik8s-e2e/podu1"); !os.IsNotExist(err) {
		t.Errorf("pod cgroup left: %v", err)
	}
}

// helperMain runs inside the node's network namespace.
func helperMain() int {
	if err := helper(); err != nil {
		fmt.Println("HELPER FAILED:", err)
		return 1
	}
	fmt.Println("HELPER OK")
	return 0
}

func helper() (retErr error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	work := os.Getenv("MK8R_WORK")
	r, err := New(ctx, Options{
		Namespace: e2eNS, RootDir: filepath.Join(work, "root"), CNIConfDir: filepath.Join(work, "net.d"),
		CgroupRoot: "/minik8s-e2e", NodeIP: os.Getenv("MK8R_NODE_IP"),
	})
	if err != nil {
		return err
	}
	defer r.Close()
	step := func(format string, a ...any) { fmt.Printf("--- "+format+"\n", a...) }
	// Leftovers of a killed run (the containerd namespace is the test's own).
	if old, err := r.ListPodSandboxes(ctx); err == nil {
		for _, sb := range old {
			step("removing leftover sandbox %s", sb.ID)
			if err := r.RemovePodSandbox(ctx, sb.ID); err != nil {
				return err
			}
		}
	}
	v, err := r.Version(ctx)
	if err != nil {
		return err
	}
	step("version %s", v)

	if _, err := r.EnsureImage(ctx, "docker.io/minik8s/tools:latest", runtime.PullIfNotPresent); err != nil {
		return err
	}
	if _, err := r.EnsureImage(ctx, "minik8s/tools", runtime.PullNever); err != nil {
		return fmt.Errorf("short name, PullNever: %w", err)
	}
	if _, err := r.EnsureImage(ctx, "127.0.0.1:1/minik8s/no-such-image:1", runtime.PullNever); err == nil {
		return fmt.Errorf("PullNever of a missing image succeeded")
	}
	pctx, pcancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = r.EnsureImage(pctx, "127.0.0.1:1/minik8s/no-such-image:1", runtime.PullIfNotPresent)
	pcancel()
	if err == nil || !strings.Contains(err.Error(), "pull image") {
		return fmt.Errorf("un-pullable image: %v", err)
	}
	step("pull error: %v", err)

	sb, err := r.RunPodSandbox(ctx, &runtime.SandboxConfig{
		PodUID: "u1", Name: "web", Namespace: "default", Hostname: "web",
		DNS: &runtime.DNSConfig{Nameservers: []string{"10.96.0.10"}, Searches: []string{"default.svc.cluster.local"}},
	})
	if err != nil {
		return err
	}
	defer func() {
		cctx, ccancel := context.WithTimeout(context.Background(), time.Minute)
		defer ccancel()
		if err := r.RemovePodSandbox(cctx, sb.ID); err != nil && retErr == nil {
			retErr = err
		}
	}()
	step("sandbox %s ip %s netns %s", sb.ID[:12], sb.IP, sb.NetNSPath)
	if !strings.HasPrefix(sb.IP, "10.83.1.") || sb.State != runtime.SandboxReady {
		return fmt.Errorf("sandbox = %+v", sb)
	}
	shared := filepath.Join(work, "shared")
	logs := filepath.Join(work, "logs")
	if err := os.MkdirAll(shared, 0o777); err != nil {
		return err
	}
	mount := []runtime.Mount{{HostPath: shared, ContainerPath: "/data"}}
	writer, err := r.CreateContainer(ctx, sb.ID, &runtime.ContainerConfig{
		Name: "writer", Image: "docker.io/minik8s/tools:latest",
		Command: []string{"sh", "-c"}, Args: []string{"echo hello from $(hostname) > /data/index.html; echo written; echo oops >&2; sleep 3600"},
		Mounts: mount, LogPath: filepath.Join(logs, "writer.log"),
		Resources: runtime.Resources{CPUShares: 256, CPUQuota: 50000, CPUPeriod: 100000, MemoryLimit: 64 << 20},
	})
	if err != nil {
		return err
	}
	server, err := r.CreateContainer(ctx, sb.ID, &runtime.ContainerConfig{
		Name: "server", Image: "docker.io/minik8s/tools:latest",
		Command: []string{"httpd", "-f", "-p", "8080", "-h", "/data"}, Mounts: mount,
		LogPath: filepath.Join(logs, "server.log"), Env: []string{"GREETING=hi"}, WorkingDir: "/data",
	})
	if err != nil {
		return err
	}
	for _, id := range []string{writer, server} {
		if err := r.StartContainer(ctx, id); err != nil {
			return err
		}
	}
	// Same network (localhost), same hostname, served over HTTP.
	var out bytes.Buffer
	if code, err := r.Exec(ctx, writer, runtime.ExecOptions{Cmd: []string{"echo", "hi"}, Stdout: &out}); err != nil || code != 0 || out.String() != "hi\n" {
		return fmt.Errorf("exec echo hi = %d %v %q", code, err, out.String())
	}
	var body string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		// stdout and stderr are copied by two goroutines: one writer for
		// both must be safe for concurrent writes.
		var both testutil.SyncBuffer
		code, err := r.Exec(ctx, writer, runtime.ExecOptions{Cmd: []string{"wget", "-q", "-O", "-", "http://127.0.0.1:8080/index.html"}, Stdout: &both, Stderr: &both})
		body = both.String()
		fmt.Printf("fetch: %d %v %q\n", code, err, body)
		if err == nil && code == 0 && body != "" {
			break
		}
	}
	if body != "hello from web\n" {
		return fmt.Errorf("localhost fetch = %q (%s)", body, out.String())
	}
	step("localhost: %q", body)
	res, err := exec.CommandContext(ctx, "busybox", "wget", "-q", "-O", "-", "http://"+sb.IP+":8080/index.html").CombinedOutput()
	if err != nil || string(res) != "hello from web\n" {
		return fmt.Errorf("fetch from the node: %q %v", res, err)
	}
	step("from node: %q", res)
	out.Reset()
	code, err := r.Exec(ctx, server, runtime.ExecOptions{Cmd: []string{"sh", "-c", "hostname; pwd; echo $GREETING; cat /etc/resolv.conf; grep web /etc/hosts; exit 3"}, Stdout: &out})
	if err != nil || code != 3 {
		return fmt.Errorf("exec = %d, %v", code, err)
	}
	for _, want := range []string{"web\n/data\nhi\n", "nameserver 10.96.0.10", "search default.svc.cluster.local", sb.IP + "\tweb"} {
		if !strings.Contains(out.String(), want) {
			return fmt.Errorf("exec output %q lacks %q", out.String(), want)
		}
	}
	out.Reset()
	if code, err := r.Exec(ctx, server, runtime.ExecOptions{Cmd: []string{"cat"}, Stdin: strings.NewReader("piped\n"), Stdout: &out}); err != nil || code != 0 || out.String() != "piped\n" {
		return fmt.Errorf("exec with stdin = %d %v %q", code, err, out.String())
	}
	// cgroup values.
	spec, err := containerSpecCgroup(ctx, r, writer)
	if err != nil {
		return err
	}
	for file, want := range map[string]string{"memory/" + spec + "/memory.limit_in_bytes": "67108864", "cpu/" + spec + "/cpu.shares": "256", "cpu/" + spec + "/cpu.cfs_quota_us": "50000"} {
		b, err := os.ReadFile("/sys/fs/cgroup/" + file)
		if err != nil || strings.TrimSpace(string(b)) != want {
			return fmt.Errorf("%s = %q %v, want %s", file, b, err, want)
		}
	}
	st, err := r.ContainerStats(ctx, writer)
	if err != nil || st.MemoryUsage == 0 || st.CPUUsageNanoCores == 0 {
		return fmt.Errorf("stats = %+v %v", st, err)
	}
	step("stats: %+v", *st)
	logb, err := os.ReadFile(filepath.Join(logs, "writer.log"))
	if err != nil || !strings.Contains(string(logb), "written\n") || !strings.Contains(string(logb), "oops\n") {
		return fmt.Errorf("writer log = %q %v", logb, err)
	}
	// Lists, as a restarted kubelet sees them.
	sbs, err := r.ListPodSandboxes(ctx)
	if err != nil || len(sbs) != 1 || sbs[0].ID != sb.ID || sbs[0].IP != sb.IP || sbs[0].State != runtime.SandboxReady || sbs[0].Name != "web" {
		return fmt.Errorf("sandboxes = %v %v", sbs, err)
	}
	// OOM, exit codes.
	hog, err := r.CreateContainer(ctx, sb.ID, &runtime.ContainerConfig{
		Name: "hog", Image: "docker.io/minik8s/tools:latest", Attempt: 1,
		Command:   []string{"sh", "-c", "x=0123456789abcdef; while true; do x=$x$x; done"},
		Resources: runtime.Resources{MemoryLimit: 32 << 20},
	})
	if err != nil {
		return err
	}
	failer, err := r.CreateContainer(ctx, sb.ID, &runtime.ContainerConfig{Name: "failer", Image: "docker.io/minik8s/tools:latest", Command: []string{"sh", "-c", "exit 7"}})
	if err != nil {
		return err
	}
	done, err := r.CreateContainer(ctx, sb.ID, &runtime.ContainerConfig{Name: "done", Image: "docker.io/minik8s/tools:latest", Command: []string{"true"}})
	if err != nil {
		return err
	}
	for _, id := range []string{hog, failer, done} {
		if err := r.StartContainer(ctx, id); err != nil {
			return err
		}
	}
	want := map[string]string{hog: "OOMKilled/137", failer: "Error/7", done: "Completed/0", writer: "/0", server: "/0"}
	var got map[string]string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		cs, err := r.ListContainers(ctx)
		if err != nil {
			return err
		}
		got = map[string]string{}
		for _, c := range cs {
			if c.NeedsReap { // as the kubelet's relist does
				if c, err = r.ReapContainer(ctx, c.ID); err != nil {
					return err
				}
			}
			got[c.ID] = fmt.Sprintf("%s/%d", c.Reason, c.ExitCode)
			if c.ID == hog && (c.Attempt != 1 || c.Name != "hog" || c.SandboxID != sb.ID || c.PodUID != "u1") {
				return fmt.Errorf("hog = %+v", c)
			}
			if c.State == runtime.ContainerExited && c.FinishedAt.IsZero() {
				return fmt.Errorf("exited without finishedAt: %+v", c)
			}
		}
		if fmt.Sprint(got) == fmt.Sprint(want) {
			break
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		return fmt.Errorf("statuses = %v, want %v", got, want)
	}
	step("exits: %v", got)
	// Stop: httpd is PID 1 of its PID namespace without a SIGTERM handler,
	// so SIGTERM is ignored and SIGKILL follows the timeout.
	start := time.Now()
	if err := r.StopContainer(ctx, server, 2*time.Second); err != nil {
		return err
	}
	if err := r.StopContainer(ctx, server, 10*time.Second); err != nil {
		return fmt.Errorf("second stop: %w", err)
	}
	if took := time.Since(start); took < 2*time.Second || took > 8*time.Second {
		return fmt.Errorf("stop took %v, want the 2s timeout then SIGKILL", took)
	}
	cs, err := r.ListContainers(ctx)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.ID == server && (c.State != runtime.ContainerExited || c.StartedAt.IsZero()) {
			return fmt.Errorf("server after stop = %+v", c)
		}
	}
	for _, id := range []string{hog, failer, done, server} {
		if err := r.RemoveContainer(ctx, id); err != nil {
			return err
		}
	}
	if err := r.StopPodSandbox(ctx, sb.ID); err != nil {
		return err
	}
	if err := r.StopPodSandbox(ctx, sb.ID); err != nil {
		return fmt.Errorf("second sandbox stop: %w", err)
	}
	if err := r.RemovePodSandbox(ctx, sb.ID); err != nil {
		return err
	}
	if err := r.RemovePodSandbox(ctx, sb.ID); err != nil {
		return fmt.Errorf("second sandbox remove: %w", err)
	}
	if cs, err := r.ListContainers(ctx); err != nil || len(cs) != 0 {
		return fmt.Errorf("containers after remove: %v %v", cs, err)
	}

	// hostNetwork: the node's IP, the node's network.
	hsb, err := r.RunPodSandbox(ctx, &runtime.SandboxConfig{PodUID: "u2", Name: "hostnet", Namespace: "kube-system", HostNetwork: true, Hostname: "mk8r-node1"})
	if err != nil {
		return err
	}
	defer func() { _ = r.RemovePodSandbox(context.Background(), hsb.ID) }()
	if hsb.IP != os.Getenv("MK8R_NODE_IP") || hsb.NetNSPath != "" {
		return fmt.Errorf("hostNetwork sandbox = %+v", hsb)
	}
	hc, err := r.CreateContainer(ctx, hsb.ID, &runtime.ContainerConfig{Name: "c", Image: "docker.io/minik8s/tools:latest", Command: []string{"sleep", "3600"}})
	if err != nil {
		return err
	}
	if err := r.StartContainer(ctx, hc); err != nil {
		return err
	}
	out.Reset()
	if _, err := r.Exec(ctx, hc, runtime.ExecOptions{Cmd: []string{"ip", "-4", "-o", "addr"}, Stdout: &out}); err != nil || !strings.Contains(out.String(), hsb.IP+"/") {
		return fmt.Errorf("hostNetwork addresses = %q %v", out.String(), err)
	}
	return r.RemovePodSandbox(ctx, hsb.ID)
}

func containerSpecCgroup(ctx context.Context, r *Runtime, id string) (string, error) {
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return "", err
	}
	s, err := c.Spec(ctx)
	if err != nil {
		return "", err
	}
	return s.Linux.CgroupsPath, nil
}
