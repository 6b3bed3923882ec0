package e2e

import (
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
	mclient "minik8s/pkg/client"
)

// The kubelet test's lab: its own prefix, subnet and state, one node.
const (
	kubeletLabPrefix = "mk8k"
	kubeletLabNet3   = "192.168.81"
	kubeletNode      = kubeletLabPrefix + "-node1"
	kubeletPodCIDR   = "10.244.81.0/24"
)

// kubeletLab is a lab with an apiserver and one kubelet.
type kubeletLab struct {
	t       *testing.T
	bin     string
	rootDir string
	apiLab  string // the apiserver as the node sees it (lab bridge address)
	c       *mclient.Client
	cmd     *exec.Cmd
	logPath string
	waitErr chan error
}

// startKubelet runs the kubelet inside the node's network namespace.
func (kl *kubeletLab) startKubelet() {
	kl.t.Helper()
	logf, err := os.OpenFile(kl.logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		kl.t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", kubeletNode, kl.bin, "kubelet",
		"--node-name", kubeletNode, "--node-ip", kubeletLabNet3+".11", "--apiserver", kl.apiLab,
		"--pod-cidr", kubeletPodCIDR, "--root-dir", kl.rootDir, "--cgroup-root", "/minik8s/"+kubeletNode,
		"--heartbeat-interval", "2s", "--sync-interval", "5s")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		kl.t.Fatal(err)
	}
	kl.cmd, kl.waitErr = cmd, make(chan error, 1)
	go func() { kl.waitErr <- cmd.Wait(); logf.Close() }()
}

// stopKubelet stops the kubelet (SIGTERM, then SIGKILL after 15s).
func (kl *kubeletLab) stopKubelet() {
	if kl.cmd == nil {
		return
	}
	_ = kl.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-kl.waitErr:
	case <-time.After(15 * time.Second):
		_ = kl.cmd.Process.Kill()
		<-kl.waitErr
	}
	kl.cmd = nil
}

func (kl *kubeletLab) log() string {
	b, _ := os.ReadFile(kl.logPath)
	return string(b)
}

// waitPod polls pod name until cond holds (up to d).
func (kl *kubeletLab) waitPod(name string, d time.Duration, what string, cond func(p *api.Pod) bool) *api.Pod {
	kl.t.Helper()
	var last *api.Pod
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		p, err := kl.c.Pods("default").Get(context.Background(), name)
		if err == nil {
			last = p
			if cond(p) {
				return p
			}
		}
	}
	kl.t.Fatalf("pod %s not %s within %v; last status: %+v\nkubelet log:\n%s", name, what, d, last, kl.log())
	return nil
}

func (kl *kubeletLab) create(t *testing.T, p *api.Pod) *api.Pod {
	t.Helper()
	p.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	p.Spec.NodeName = kubeletNode
	out, err := kl.c.Pods("default").Create(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// deleteAndWait deletes a pod gracefully and waits until it is gone.
func (kl *kubeletLab) deleteAndWait(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	if err := kl.c.Pods("default").Delete(ctx, name, nil); err != nil && !mclient.IsNotFound(err) {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if _, err := kl.c.Pods("default").Get(ctx, name); mclient.IsNotFound(err) {
			return
		}
	}
	t.Fatalf("pod %s not gone within 60s\nkubelet log:\n%s", name, kl.log())
}

func allRunning(p *api.Pod) bool {
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

func tools(name string, mounts []api.VolumeMount, cmd ...string) api.Container {
	return api.Container{Name: name, Image: "docker.io/minik8s/tools:latest", ImagePullPolicy: "IfNotPresent", Command: cmd, VolumeMounts: mounts}
}

// nodeGet fetches a URL from inside the node's network namespace.
func nodeGet(ctx context.Context, url string) (string, error) {
	return sh(ctx, "ip", "netns", "exec", kubeletNode, "timeout", "5", "busybox", "wget", "-q", "-O", "-", url)
}

func TestKubeletOnLab(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end: skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("end-to-end: needs root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	root := repoRoot(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "minik8s")
	if out, err := sh(ctx, "go", "build", "-o", bin, filepath.Join(root, "cmd", "minik8s")); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	l := &lab{root: root, state: filepath.Join(tmp, "state")}
	l.env = append(os.Environ(),
		"MK8S_LAB_PREFIX="+kubeletLabPrefix,
		"MK8S_LAB_SUBNET="+kubeletLabNet3+".0/24",
		"MINIK8S_STATE="+l.state,
		"NODES=1",
		"IMAGE_NAMESPACES="+kubeletNode,
	)
	if out, err := l.script(ctx, "down.sh"); err != nil {
		t.Fatalf("down.sh before the test: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer ccancel()
		// Whatever a failed test left in the node's containerd namespace.
		if ids, err := sh(cctx, "ctr", "-n", kubeletNode, "containers", "ls", "-q"); err == nil {
			for _, id := range strings.Fields(ids) {
				_, _ = sh(cctx, "ctr", "-n", kubeletNode, "tasks", "kill", "-s", "SIGKILL", id)
				time.Sleep(100 * time.Millisecond)
				_, _ = sh(cctx, "ctr", "-n", kubeletNode, "tasks", "rm", "-f", id)
				_, _ = sh(cctx, "ctr", "-n", kubeletNode, "containers", "rm", id)
			}
		}
		if out, err := l.script(cctx, "down.sh"); err != nil {
			t.Errorf("down.sh in cleanup: %v\n%s", err, out)
		}
	})
	if out, err := l.script(ctx, "up.sh"); err != nil {
		t.Fatalf("up.sh: %v\n%s", err, out)
	}

	// The apiserver listens on every address: the test reaches it on
	// loopback, the kubelet on the lab bridge address.
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.BindAddress = "0.0.0.0"
		o.KubeletDialNetns = kubeletNode // logs: the apiserver reaches the kubelet from inside the lab
	})
	port := strconv.Itoa(ts.Options.Port)
	c, err := mclient.New(&mclient.Config{Server: "http://127.0.0.1:" + port, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	kl := &kubeletLab{t: t, bin: bin, rootDir: filepath.Join(l.state, "nodes", kubeletNode, "kubelet"),
		apiLab: "http://" + kubeletLabNet3 + ".1:" + port, c: c, logPath: filepath.Join(tmp, "kubelet.log")}
	kl.startKubelet()
	t.Cleanup(func() {
		// Delete every pod through the kubelet, then stop it.
		cctx, ccancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer ccancel()
		pods, _, _ := c.Pods("default").List(cctx, mclient.ListOptions{})
		for _, p := range pods {
			_ = c.Pods("default").Delete(cctx, p.Name, nil)
		}
		for cctx.Err() == nil {
			if pods, _, err := c.Pods("default").List(cctx, mclient.ListOptions{}); err != nil || len(pods) == 0 {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		kl.stopKubelet()
	})

	t.Run("node registers Ready", func(t *testing.T) {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			n, err := c.Nodes().Get(ctx, kubeletNode)
			if err == nil && len(n.Status.Conditions) > 0 {
				ready := false
				for _, cd := range n.Status.Conditions {
					ready = ready || cd.Type == api.NodeReady && cd.Status == api.ConditionTrue
				}
				if ready && strings.HasPrefix(n.Status.NodeInfo.ContainerRuntimeVersion, "containerd://") {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("node not Ready: %+v, %v\n%s", n, err, kl.log())
			}
		}
	})

	shared := []api.VolumeMount{{Name: "shared", MountPath: "/data"}}
	var web *api.Pod
	var webIDs []string
	t.Run("two containers share an emptyDir and localhost", func(t *testing.T) {
		grace := int64(3)
		writer := tools("writer", shared, "sh", "-c", "echo written by $POD_NAME > /data/index.html; "+
			"sleep 2; wget -q -O /data/via-localhost http://127.0.0.1/index.html; exec sleep 3600")
		writer.Env = []api.EnvVar{{Name: "POD_NAME", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.name"}}}}
		web = kl.create(t, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "web"}, Spec: api.PodSpec{
			TerminationGracePeriodSeconds: &grace,
			Volumes:                       []api.Volume{{Name: "shared", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}},
			Containers: []api.Container{
				writer,
				tools("server", shared, "httpd", "-f", "-p", "80", "-h", "/data"),
			},
		}})
		p := kl.waitPod("web", 60*time.Second, "Running", allRunning)
		if !strings.HasPrefix(p.Status.PodIP, "10.244.81.") || p.Status.HostIP != kubeletLabNet3+".11" {
			t.Fatalf("podIP %q hostIP %q", p.Status.PodIP, p.Status.HostIP)
		}
		for _, cs := range p.Status.ContainerStatuses {
			webIDs = append(webIDs, cs.ContainerID)
		}
		var body string
		var err error
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
			if body, err = nodeGet(ctx, "http://"+p.Status.PodIP+"/via-localhost"); err == nil {
				break
			}
		}
		if err != nil || body != "written by web\n" {
			t.Fatalf("GET via-localhost from the node = %q, %v", body, err)
		}
		if ls := must(ctx, t, "ctr", "-n", kubeletNode, "containers", "ls", "-q"); len(strings.Fields(ls)) != 3 {
			t.Fatalf("want pause + 2 containers, ctr has:\n%s", ls)
		}
	})

	t.Run("a restarted kubelet adopts running pods", func(t *testing.T) {
		if web == nil {
			t.Skip("no web pod")
		}
		kl.stopKubelet()
		kl.startKubelet()
		time.Sleep(5 * time.Second) // several relists and syncs
		p := kl.waitPod("web", 30*time.Second, "Running", allRunning)
		var ids []string
		for _, cs := range p.Status.ContainerStatuses {
			ids = append(ids, cs.ContainerID)
			if cs.RestartCount != 0 {
				t.Errorf("restartCount of %s = %d after a kubelet restart", cs.Name, cs.RestartCount)
			}
		}
		if fmt.Sprint(ids) != fmt.Sprint(webIDs) {
			t.Fatalf("containers replaced: %v, were %v", ids, webIDs)
		}
		if body, err := nodeGet(ctx, "http://"+p.Status.PodIP+"/index.html"); err != nil || !strings.HasPrefix(body, "written by") {
			t.Fatalf("web after the restart: %q %v", body, err)
		}
	})

	t.Run("kubectl exec runs commands in the pod's containers", func(t *testing.T) {
		if web == nil {
			t.Skip("no web pod")
		}
		p := kl.waitPod("web", 30*time.Second, "Running", allRunning)
		server := "http://127.0.0.1:" + port
		// run runs a kubectl (ours as `minik8s kubectl`, or the real one)
		// through the apiserver, which reaches the kubelet inside the lab.
		run := func(prog []string, stdin string, args ...string) (stdout, stderr string, code int) {
			t.Helper()
			cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
			defer ccancel()
			cmd := exec.CommandContext(cctx, prog[0], append(prog[1:], args...)...)
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
			cmd.Stdin = strings.NewReader(stdin)
			var out, errb strings.Builder
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			var ee *exec.ExitError
			switch {
			case errors.As(err, &ee):
				code = ee.ExitCode()
			case err != nil:
				t.Fatalf("%v %v: %v", prog, args, err)
			}
			return out.String(), errb.String(), code
		}
		ours := []string{bin, "kubectl", "--server", server}

		out, errs, code := run(ours, "", "exec", "web", "-c", "server", "--", "cat", "/data/index.html")
		if out != "written by web\n" || code != 0 {
			t.Fatalf("cat index.html: out %q err %q code %d", out, errs, code)
		}
		out, errs, code = run(ours, "", "exec", "web", "-c", "writer", "--", "sh", "-c", "echo out; echo err >&2; exit 3")
		if out != "out\n" || errs != "err\ncommand terminated with exit code 3\n" || code != 3 {
			t.Fatalf("exit 3: out %q err %q code %d", out, errs, code)
		}
		// stdin goes to the command until EOF; the file it writes is in the
		// shared volume, served by the other container.
		out, errs, code = run(ours, "from stdin\n", "exec", "-i", "web", "-c", "writer", "--", "sh", "-c", "cat > /data/stdin.txt; tr a-z A-Z < /data/stdin.txt")
		if out != "FROM STDIN\n" || code != 0 {
			t.Fatalf("stdin: out %q err %q code %d", out, errs, code)
		}
		if body, err := nodeGet(ctx, "http://"+p.Status.PodIP+"/stdin.txt"); err != nil || body != "from stdin\n" {
			t.Fatalf("GET stdin.txt from the node = %q, %v", body, err)
		}
		// Containers in the pod share its network: exec reaches the other one on localhost.
		out, errs, code = run(ours, "", "exec", "web", "-c", "writer", "--", "wget", "-q", "-O", "-", "http://127.0.0.1/index.html")
		if out != "written by web\n" || code != 0 {
			t.Fatalf("wget localhost: out %q err %q code %d", out, errs, code)
		}
		if _, errs, code = run(ours, "", "exec", "web", "-c", "writer", "--", "no-such-command"); code == 0 || !strings.Contains(errs, "no-such-command") {
			t.Fatalf("missing command: err %q code %d", errs, code)
		}

		// -it on a terminal: the command gets a terminal in the container.
		term := openPTY(t)
		cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
		defer ccancel()
		tcmd := exec.CommandContext(cctx, bin, "kubectl", "--server", server, "exec", "-it", "web", "-c", "writer", "--", "sh", "-c", "tty; echo done")
		tcmd.Stdin, tcmd.Stdout, tcmd.Stderr = term.slave, term.slave, term.slave
		if err := tcmd.Run(); err != nil {
			t.Fatalf("exec -it: %v\n%s", err, term.Screen())
		}
		for deadline := time.Now().Add(5 * time.Second); !strings.Contains(term.Screen(), "done"); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("exec -it printed %q", term.Screen())
			}
		}
		if !strings.Contains(term.Screen(), "/dev/pts/") {
			t.Fatalf("exec -it: the command had no terminal: %q", term.Screen())
		}

		real, err := exec.LookPath("kubectl")
		if err != nil {
			t.Logf("the real kubectl is not installed: %v", err)
			return
		}
		kubeconfig, _, code := run(ours, "", "config", "view", "--raw")
		if code != 0 {
			t.Fatal("config view --raw failed")
		}
		kcPath := filepath.Join(t.TempDir(), "kubeconfig")
		if err := os.WriteFile(kcPath, []byte(kubeconfig), 0o600); err != nil {
			t.Fatal(err)
		}
		theirs := []string{real, "--kubeconfig", kcPath}
		if out, errs, code = run(theirs, "", "exec", "web", "-c", "server", "--", "cat", "/data/index.html"); out != "written by web\n" || code != 0 {
			t.Fatalf("real kubectl cat: out %q err %q code %d", out, errs, code)
		}
		if out, errs, code = run(theirs, "abc\n", "exec", "-i", "web", "-c", "writer", "--", "sh", "-c", "tr a-z A-Z; exit 4"); out != "ABC\n" || code != 4 {
			t.Fatalf("real kubectl stdin and exit 4: out %q err %q code %d", out, errs, code)
		}
	})

	t.Run("a crashing container reaches CrashLoopBackOff", func(t *testing.T) {
		kl.create(t, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "crash"}, Spec: api.PodSpec{
			Containers: []api.Container{tools("crash", nil, "sh", "-c", "echo crashing; exit 3")},
		}})
		p := kl.waitPod("crash", 60*time.Second, "in CrashLoopBackOff", func(p *api.Pod) bool {
			if len(p.Status.ContainerStatuses) != 1 {
				return false
			}
			cs := p.Status.ContainerStatuses[0]
			return cs.State.Waiting != nil && cs.State.Waiting.Reason == "CrashLoopBackOff" && cs.RestartCount >= 1
		})
		if lt := p.Status.ContainerStatuses[0].LastState.Terminated; lt == nil || lt.ExitCode != 3 || lt.Reason != "Error" {
			t.Fatalf("last state = %+v", p.Status.ContainerStatuses[0].LastState)
		}
		// Logs of the last run, through the apiserver and the kubelet.
		var b []byte
		for i := 0; i < 20; i++ { // a restart may have just begun a new, empty log
			if b, err = c.Do(ctx, "GET", "/api/v1/namespaces/default/pods/crash/log?tailLines=1", nil, nil); err == nil && string(b) == "crashing\n" {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil || string(b) != "crashing\n" {
			t.Fatalf("logs = %q, %v", b, err)
		}
	})

	t.Run("a memory hog is OOMKilled and restarted", func(t *testing.T) {
		hog := tools("hog", nil, "sh", "-c", "x=$(head -c 200000000 /dev/zero | tr '\\0' a); sleep 60")
		hog.Resources.Limits = api.ResourceList{"memory": mustQ(t, "32Mi")}
		kl.create(t, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "hog"}, Spec: api.PodSpec{Containers: []api.Container{hog}}})
		kl.waitPod("hog", 90*time.Second, "OOMKilled and restarted", func(p *api.Pod) bool {
			if len(p.Status.ContainerStatuses) != 1 {
				return false
			}
			cs := p.Status.ContainerStatuses[0]
			lt := cs.LastState.Terminated
			return cs.RestartCount >= 1 && lt != nil && lt.Reason == "OOMKilled" && lt.ExitCode == 137
		})
	})

	t.Run("a changed image restarts the container with it", func(t *testing.T) {
		kl.create(t, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "img"}, Spec: api.PodSpec{
			Containers: []api.Container{tools("app", nil, "sleep", "3600")},
		}})
		runningWith := func(image string, restarts int32) func(p *api.Pod) bool {
			return func(p *api.Pod) bool {
				if len(p.Status.ContainerStatuses) != 1 {
					return false
				}
				cs := p.Status.ContainerStatuses[0]
				return cs.State.Running != nil && cs.Ready && cs.RestartCount == restarts && cs.Image == image &&
					strings.HasPrefix(cs.ImageID, image+"@sha256:")
			}
		}
		kl.waitPod("img", 60*time.Second, "running", runningWith("docker.io/minik8s/tools:latest", 0))
		for i := 0; ; i++ { // the kubelet's status writes may conflict
			p, err := kl.c.Pods("default").Get(ctx, "img")
			if err != nil {
				t.Fatal(err)
			}
			p.Spec.Containers[0].Image = "docker.io/minik8s/testserver:latest"
			if _, err = kl.c.Pods("default").Update(ctx, p); err == nil {
				break
			} else if i == 10 {
				t.Fatalf("update image: %v", err)
			}
		}
		kl.waitPod("img", 60*time.Second, "restarted with the new image", runningWith("docker.io/minik8s/testserver:latest", 1))
	})

	t.Run("init containers, readiness and liveness probes on containerd", func(t *testing.T) {
		grace := int64(1)
		// The server answers only after a few seconds: readiness fails
		// (connection refused, then 404) until /ready.html exists.
		server := tools("server", shared, "sh", "-c", "sleep 3; httpd -f -p 80 -h /data & sleep 3; touch /data/ready.html; wait")
		server.ReadinessProbe = &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Path: "/ready.html", Port: intstr.FromInt32(80)}},
			PeriodSeconds: 1, FailureThreshold: 1}
		// Kubernetes' exec liveness example: healthy for a few seconds.
		mortal := tools("mortal", nil, "sh", "-c", "touch /tmp/healthy; sleep 5; rm -f /tmp/healthy; exec sleep 3600")
		mortal.LivenessProbe = &api.Probe{ProbeHandler: api.ProbeHandler{Exec: &api.ExecAction{Command: []string{"cat", "/tmp/healthy"}}},
			InitialDelaySeconds: 1, PeriodSeconds: 1, FailureThreshold: 1}
		kl.create(t, &api.Pod{ObjectMeta: api.ObjectMeta{Name: "probed"}, Spec: api.PodSpec{
			TerminationGracePeriodSeconds: &grace,
			Volumes:                       []api.Volume{{Name: "shared", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}},
			InitContainers:                []api.Container{tools("setup", shared, "sh", "-c", "echo initialized > /data/index.html")},
			Containers:                    []api.Container{server, mortal},
		}})
		status := func(p *api.Pod, name string) api.ContainerStatus {
			for _, cs := range p.Status.ContainerStatuses {
				if cs.Name == name {
					return cs
				}
			}
			return api.ContainerStatus{}
		}
		p := kl.waitPod("probed", 60*time.Second, "running, server not ready yet", func(p *api.Pod) bool {
			s := status(p, "server")
			return p.Status.Phase == api.PodRunning && s.State.Running != nil && !s.Ready
		})
		if len(p.Status.InitContainerStatuses) != 1 || p.Status.InitContainerStatuses[0].State.Terminated == nil ||
			p.Status.InitContainerStatuses[0].State.Terminated.Reason != "Completed" {
			t.Fatalf("init container: %+v", p.Status.InitContainerStatuses)
		}
		p = kl.waitPod("probed", 60*time.Second, "server ready", func(p *api.Pod) bool { return status(p, "server").Ready })
		if body, err := nodeGet(ctx, "http://"+p.Status.PodIP+"/index.html"); err != nil || body != "initialized\n" {
			t.Fatalf("the init container's file: %q %v", body, err)
		}
		kl.waitPod("probed", 60*time.Second, "mortal restarted by its liveness probe", func(p *api.Pod) bool {
			return status(p, "mortal").RestartCount >= 1
		})
	})

	t.Run("deleting pods leaves nothing behind", func(t *testing.T) {
		for _, name := range []string{"web", "crash", "hog", "img", "probed"} {
			kl.deleteAndWait(t, name)
		}
		if ls := strings.TrimSpace(must(ctx, t, "ctr", "-n", kubeletNode, "containers", "ls", "-q")); ls != "" {
			t.Errorf("containers left:\n%s", ls)
		}
		if ls := strings.TrimSpace(must(ctx, t, "ctr", "-n", kubeletNode, "tasks", "ls", "-q")); ls != "" {
			t.Errorf("tasks left:\n%s", ls)
		}
		if ls := must(ctx, t, "ctr", "-n", kubeletNode, "snapshots", "ls"); strings.Contains(ls, "Active") {
			t.Errorf("active snapshots left:\n%s", ls)
		}
		if links := must(ctx, t, "ip", "-n", kubeletNode, "-o", "link", "show"); strings.Contains(links, "veth") {
			t.Errorf("veths left in the node:\n%s", links)
		}
		ipam, _ := filepath.Glob(filepath.Join(kl.rootDir, "cni", "ipam", "*", "10.244.*"))
		if len(ipam) != 0 {
			t.Errorf("host-local IPs still reserved: %v", ipam)
		}
		if pods, _ := os.ReadDir(filepath.Join(kl.rootDir, "pods")); len(pods) != 0 {
			var names []string
			for _, e := range pods {
				names = append(names, e.Name())
			}
			sort.Strings(names)
			t.Errorf("pod dirs left: %v", names)
		}
		if cg, _ := filepath.Glob("/sys/fs/cgroup/*/minik8s/" + kubeletNode + "/pod*"); len(cg) != 0 {
			t.Errorf("pod cgroups left: %v", cg)
		}
	})
}

func mustQ(t *testing.T, s string) api.Quantity {
	t.Helper()
	q, err := resourceParse(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

var resourceParse = func(s string) (api.Quantity, error) { return resource.ParseQuantity(s) }
