package compat

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"minik8s/kubelet"
	"minik8s/kubelet/runtime"
	"minik8s/kubelet/runtime/fake"
	"minik8s/pkg/api"
	mclient "minik8s/pkg/client"
	"minik8s/pkg/pki"
)

// fakeCommands is what python_exec.py runs in the pod: echo ARGS, head -n
// N (N lines of stdin to stdout), sh -c "exit N", sh -c "echo X >&2".
func fakeCommands(_ string, o runtime.ExecOptions) (int, error) {
	c := o.Cmd
	switch {
	case c[0] == "echo":
		fmt.Fprintln(o.Stdout, strings.Join(c[1:], " "))
		return 0, nil
	case len(c) == 3 && c[0] == "head" && c[1] == "-n" && o.Stdin != nil:
		var n int
		fmt.Sscan(c[2], &n)
		r := bufio.NewReader(o.Stdin)
		for i := 0; i < n; i++ {
			line, err := r.ReadString('\n')
			fmt.Fprint(o.Stdout, line)
			if err != nil {
				break
			}
		}
		return 0, nil
	case len(c) == 3 && c[0] == "sh" && c[1] == "-c":
		var n int
		if _, err := fmt.Sscanf(c[2], "exit %d", &n); err == nil {
			return n, nil
		}
		if msg, ok := strings.CutSuffix(c[2], " >&2"); ok {
			fmt.Fprintln(o.Stderr, strings.TrimPrefix(msg, "echo "))
			return 0, nil
		}
	}
	fmt.Fprintf(o.Stderr, "%s: not found\n", c[0])
	return 127, nil
}

// startFakeKubelet runs a kubelet for node1 on the fake runtime against c,
// execs answered by fakeCommands.
func startFakeKubelet(t *testing.T, c *cluster) (*mclient.Client, *fake.Runtime) {
	t.Helper()
	cfg := &mclient.Config{Server: c.ts.URL, Timeout: 10 * time.Second}
	if c.ts.PKI != nil { // over TLS: the node's identity
		cfg = c.ts.PKI.ClientConfig(t, "system:node:node1", "system:nodes")
	}
	mc, err := mclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rt := fake.New()
	rt.SetNow(time.Now())
	rt.ExecFunc = fakeCommands
	opts := kubelet.DefaultOptions()
	opts.NodeName, opts.NodeIP, opts.Port = "node1", "127.0.0.1", 0
	opts.RootDir = t.TempDir()
	opts.HeartbeatInterval = 200 * time.Millisecond
	opts.RelistInterval = 100 * time.Millisecond
	opts.SyncInterval = time.Second
	if c.ts.PKI != nil { // the kubelet API over HTTPS, for the apiserver's client certificate
		dir := t.TempDir()
		if err := c.ts.PKI.IssueServing(t, "node1", []net.IP{net.ParseIP("127.0.0.1")}, "node1").Write(dir, "kubelet"); err != nil {
			t.Fatal(err)
		}
		certFile, keyFile := pki.Paths(dir, "kubelet")
		opts.Auth.TLSCertFile, opts.Auth.TLSPrivateKeyFile, opts.Auth.ClientCAFile = certFile, keyFile, c.ts.PKI.CAFile()
	}
	k, err := kubelet.New(opts, mc, rt)
	if err != nil {
		t.Fatal(err)
	}
	k.SetBackoff(200*time.Millisecond, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("kubelet Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("kubelet did not stop within 20s")
		}
	})
	go func() { // the fake's clock follows real time
		tk := time.NewTicker(10 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				rt.SetNow(time.Now())
			}
		}
	}()
	return mc, rt
}

// createRunningPod creates a one-container pod on node1 and waits until it runs.
func createRunningPod(t *testing.T, mc *mclient.Client, name string) *api.Pod {
	t.Helper()
	ctx := context.Background()
	pod := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name},
		// No service account token: no controller-manager publishes
		// kube-root-ca.crt here.
		Spec: api.PodSpec{NodeName: "node1", AutomountServiceAccountToken: new(bool), Containers: []api.Container{
			{Name: "main", Image: "docker.io/minik8s/tools:latest", Command: []string{"sleep", "3600"}}}},
	}
	if _, err := mc.Pods("default").Create(ctx, pod); err != nil {
		t.Fatal(err)
	}
	return waitPod(t, mc, name, "running", func(p *api.Pod) bool { return p.Status.Phase == api.PodRunning })
}

func waitPod(t *testing.T, mc *mclient.Client, name, what string, cond func(*api.Pod) bool) *api.Pod {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err := mc.Pods("default").Get(context.Background(), name)
		if err == nil && cond(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s not %s: %+v %v", name, what, p, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// python finds Debian's python3 with python3-kubernetes, or skips (fails in CI).
func python(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		py = need(t, "python3")
	}
	if err := exec.Command(py, "-c", "import kubernetes.stream").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("python3-kubernetes is required in CI (make deps installs it): %v", err)
		}
		t.Skipf("python3-kubernetes not installed: %v", err)
	}
	return py
}

func TestPythonClientExec(t *testing.T) {
	py := python(t)
	for name, start := range map[string]func(*testing.T) *cluster{"http": startCluster, "tls": startTLSCluster} {
		t.Run(name, func(t *testing.T) {
			c := start(t)
			startFakeKubelet(t, c)
			createRunningPod(t, c.adminClient(t), "shell")
			ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, py, "python_exec.py", c.kubeconfig, "default", "shell")
			out, err := cmd.CombinedOutput()
			t.Logf("python exec output:\n%s", out)
			if err != nil {
				t.Fatalf("python exec: %v", err)
			}
			if !strings.Contains(string(out), "python exec: all checks passed") {
				t.Fatal("python exec did not finish its checks")
			}
		})
	}
}

// TestLastStateForRealClients: a restarted container's status.
// containerStatuses[].lastState is what the real kubectl's jsonpath and the
// Python client's last_state read.
func TestLastStateForRealClients(t *testing.T) {
	py := python(t)
	c := startCluster(t)
	mc, rt := startFakeKubelet(t, c)
	p := createRunningPod(t, mc, "crashy")
	id := strings.TrimPrefix(p.Status.ContainerStatuses[0].ContainerID, "containerd://")
	if err := rt.Exit(id, 3); err != nil {
		t.Fatalf("exit container %s: %v", id, err)
	}
	waitPod(t, mc, "crashy", "restarted", func(p *api.Pod) bool {
		cs := p.Status.ContainerStatuses
		return len(cs) == 1 && cs[0].RestartCount >= 1 && cs[0].LastState.Terminated != nil
	})

	out := c.ok(t, "", "get", "pod", "crashy", "-o", "jsonpath={..lastState.terminated.exitCode}")
	if out != "3" {
		t.Errorf("real kubectl jsonpath {..lastState.terminated.exitCode} = %q, want 3", out)
	}
	script := `import sys
from kubernetes import client, config
config.load_kube_config(config_file=sys.argv[1])
st = client.CoreV1Api().read_namespaced_pod("crashy", "default").status.container_statuses[0]
print(st.last_state.terminated.exit_code if st.last_state and st.last_state.terminated else None)
`
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b, err := exec.CommandContext(ctx, py, "-c", script, c.kubeconfig).CombinedOutput()
	if err != nil || strings.TrimSpace(string(b)) != "3" {
		t.Errorf("python last_state.terminated.exit_code: %q %v, want 3", b, err)
	}
}
