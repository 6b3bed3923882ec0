package e2e

// Part "securitycontext" of TestKubectlOnLab (issue 13): the kubelet
// honours securityContext on containerd. A pod running as 1000:3000 with
// fsGroup 2000, a read-only root, no privilege escalation, seccomp
// RuntimeDefault and a namespaced sysctl; a root pod without NET_RAW
// cannot ping the node while a default pod can; runAsNonRoot with a root
// image waits in CreateContainerConfigError; hostPID and hostIPC pods see
// the host's PID and IPC namespaces; a privileged pod has every capability
// and a writable /sys; a pod asking for AppArmor on a host without it is
// rejected.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

func init() { registerKubectlE2E("securitycontext", testSecurityContextOnLab) }

func scPtr[T any](v T) *T { return &v }

func testSecurityContextOnLab(ctx context.Context, t *testing.T, cl *cluster) {
	const ns = "e2e-secctx"
	if out, err := cl.kubectl(ctx, "create", "namespace", ns); err != nil {
		t.Fatalf("create namespace: %v %s", err, out)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		nsInfo, _ := api.ForKind("v1", "Namespace")
		_ = cl.c.Delete(cctx, nsInfo, "", ns, nil)
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && cctx.Err() == nil; {
			if pods, _, err := cl.c.Pods(ns).List(cctx, mkclient.ListOptions{}); err != nil || len(pods) == 0 {
				return
			}
			time.Sleep(time.Second)
		}
	})
	node := cl.node(1)
	pod := func(name string, psc *api.PodSecurityContext, csc *api.SecurityContext, mut func(*api.PodSpec)) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: name, Namespace: ns}, Spec: api.PodSpec{
			NodeName:                      node.Name,
			TerminationGracePeriodSeconds: scPtr(int64(1)),
			SecurityContext:               psc,
			Containers: []api.Container{{Name: "c", Image: "docker.io/minik8s/tools:latest",
				Command:         []string{"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"},
				SecurityContext: csc,
			}},
		}}
		if mut != nil {
			mut(&p.Spec)
		}
		return p
	}
	secure := pod("secure", &api.PodSecurityContext{
		RunAsUser: scPtr(int64(1000)), RunAsGroup: scPtr(int64(3000)), FSGroup: scPtr(int64(2000)),
		SeccompProfile: &api.SeccompProfile{Type: api.SeccompProfileTypeRuntimeDefault},
		Sysctls:        []api.Sysctl{{Name: "net.ipv4.ip_unprivileged_port_start", Value: "0"}},
	}, &api.SecurityContext{
		ReadOnlyRootFilesystem: scPtr(true), AllowPrivilegeEscalation: scPtr(false),
		Capabilities: &api.Capabilities{Drop: []string{"ALL"}},
	}, func(s *api.PodSpec) {
		s.Volumes = []api.Volume{{Name: "data", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}}}
		s.Containers[0].VolumeMounts = []api.VolumeMount{{Name: "data", MountPath: "/data"}}
	})
	pods := []*api.Pod{
		secure,
		pod("plain", nil, nil, nil),
		pod("noraw", nil, &api.SecurityContext{Capabilities: &api.Capabilities{Drop: []string{"NET_RAW"}}}, nil),
		pod("nonroot", &api.PodSecurityContext{RunAsNonRoot: scPtr(true)}, nil, nil),
		pod("hostns", nil, nil, func(s *api.PodSpec) { s.HostPID, s.HostIPC = true, true }),
		pod("priv", nil, &api.SecurityContext{Privileged: scPtr(true)}, nil),
		pod("apparmor", &api.PodSecurityContext{AppArmorProfile: &api.AppArmorProfile{Type: "RuntimeDefault"}}, nil, nil),
	}
	for _, p := range pods {
		cmCreatePod(ctx, t, cl, p)
	}
	running := map[string]*api.Pod{}
	for _, name := range []string{"secure", "plain", "noraw", "hostns", "priv"} {
		running[name] = cmWaitPod(ctx, t, cl, ns, name, 90*time.Second, "Running", allRunning)
	}
	exec := func(name string, args ...string) (string, error) {
		out, err := podExec(ctx, running[name], "c", args...)
		return strings.TrimSpace(out), err
	}
	must := func(t *testing.T, name string, args ...string) string {
		t.Helper()
		out, err := exec(name, args...)
		if err != nil {
			t.Fatalf("%s: exec %v: %v\n%s", name, args, err, out)
		}
		return out
	}
	status := func(t *testing.T, name, field string) string {
		t.Helper()
		for _, l := range strings.Split(must(t, name, "cat", "/proc/self/status"), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && k == field {
				return strings.TrimSpace(v)
			}
		}
		t.Fatalf("%s: no %s in /proc/self/status", name, field)
		return ""
	}

	t.Run("user, groups, fsGroup", func(t *testing.T) {
		id := must(t, "secure", "id")
		if !strings.Contains(id, "uid=1000") || !strings.Contains(id, "gid=3000") || !strings.Contains(id, "2000") {
			t.Errorf("id = %q, want uid=1000 gid=3000 and group 2000", id)
		}
		must(t, "secure", "touch", "/data/f")
		if g := must(t, "secure", "stat", "-c", "%g", "/data/f"); g != "2000" {
			t.Errorf("a new file in the emptyDir has group %s, want 2000 (fsGroup, setgid dir)", g)
		}
		if out, err := exec("secure", "touch", "/rootfile"); err == nil {
			t.Errorf("writing / succeeded with readOnlyRootFilesystem: %s", out)
		}
	})
	t.Run("no_new_privs, seccomp, sysctl", func(t *testing.T) {
		if v := status(t, "secure", "NoNewPrivs"); v != "1" {
			t.Errorf("secure: NoNewPrivs %s, want 1", v)
		}
		if v := status(t, "secure", "Seccomp"); v != "2" {
			t.Errorf("secure: Seccomp %s, want 2 (filter)", v)
		}
		if v := status(t, "plain", "NoNewPrivs"); v != "0" {
			t.Errorf("plain: NoNewPrivs %s, want 0 (as Kubernetes without allowPrivilegeEscalation: false)", v)
		}
		if v := status(t, "plain", "Seccomp"); v != "0" {
			t.Errorf("plain: Seccomp %s, want 0 (Unconfined by default)", v)
		}
		if v := status(t, "secure", "CapEff"); v != "0000000000000000" {
			t.Errorf("secure: CapEff %s, want none", v)
		}
		if v := must(t, "secure", "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start"); v != "0" {
			t.Errorf("sysctl ip_unprivileged_port_start = %s, want 0", v)
		}
	})
	t.Run("capabilities", func(t *testing.T) {
		if out, err := exec("plain", "ping", "-c", "1", "-W", "3", node.IP); err != nil {
			t.Errorf("a default pod cannot ping its node %s: %v\n%s", node.IP, err, out)
		}
		if out, err := exec("noraw", "ping", "-c", "1", "-W", "3", node.IP); err == nil {
			t.Errorf("a pod without NET_RAW pinged its node: %s", out)
		}
		if v := status(t, "priv", "CapEff"); v == status(t, "plain", "CapEff") {
			t.Errorf("privileged CapEff %s = the default's", v)
		}
		if m := must(t, "priv", "grep", " /sys ", "/proc/mounts"); !strings.Contains(m, " rw,") && !strings.Contains(m, " rw ") {
			t.Errorf("privileged /sys is not writable: %s", m)
		}
	})
	t.Run("runAsNonRoot", func(t *testing.T) {
		p := cmWaitPod(ctx, t, cl, ns, "nonroot", 60*time.Second, "in CreateContainerConfigError", func(p *api.Pod) bool {
			for _, cs := range p.Status.ContainerStatuses {
				if w := cs.State.Waiting; w != nil && w.Reason == "CreateContainerConfigError" {
					return true
				}
			}
			return false
		})
		want := fmt.Sprintf(`container has runAsNonRoot and image will run as root (pod: "nonroot_%s(%s)", container: c)`, ns, p.UID)
		if got := p.Status.ContainerStatuses[0].State.Waiting.Message; got != want {
			t.Errorf("message %q, want %q", got, want)
		}
	})
	t.Run("hostPID and hostIPC", func(t *testing.T) {
		host, err := os.ReadFile("/proc/1/cmdline")
		if err != nil {
			t.Fatal(err)
		}
		hostCmd := strings.TrimSpace(strings.ReplaceAll(string(host), "\x00", " "))
		cmd := func(name string) string {
			return strings.TrimSpace(strings.ReplaceAll(must(t, name, "cat", "/proc/1/cmdline"), "\x00", " "))
		}
		if got := cmd("hostns"); got != hostCmd {
			t.Errorf("hostPID pod's /proc/1/cmdline = %q, want the host's %q", got, hostCmd)
		}
		if got := cmd("plain"); got == hostCmd {
			t.Errorf("a default pod sees the host's pid 1 (%q)", got)
		}
		hostIPC, err := os.Readlink("/proc/self/ns/ipc")
		if err != nil {
			t.Fatal(err)
		}
		if got := must(t, "hostns", "readlink", "/proc/self/ns/ipc"); got != hostIPC {
			t.Errorf("hostIPC pod's IPC namespace %s, want the host's %s", got, hostIPC)
		}
		if got := must(t, "plain", "readlink", "/proc/self/ns/ipc"); got == hostIPC {
			t.Errorf("a default pod shares the host's IPC namespace %s", got)
		}
	})
	t.Run("AppArmor without AppArmor", func(t *testing.T) {
		if _, err := os.Stat("/sys/kernel/security/apparmor"); err == nil {
			t.Skip("the host has AppArmor")
		}
		p := cmWaitPod(ctx, t, cl, ns, "apparmor", 60*time.Second, "rejected", func(p *api.Pod) bool { return p.Status.Phase == api.PodFailed })
		if p.Status.Reason != "AppArmor" || p.Status.Message != "Pod was rejected: Cannot enforce AppArmor: AppArmor is not enabled on the host" {
			t.Errorf("status %s %q", p.Status.Reason, p.Status.Message)
		}
	})
}
