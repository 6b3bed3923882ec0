package e2e

// Part "configmap" of TestKubectlOnLab (issue 12): ConfigMaps and Secrets
// consumed by real containers. A pod mounts a configMap volume, a secret
// volume (with items and a mode) and takes env from both; a change of the
// ConfigMap reaches the mounted file within 90 s while the process runs;
// a pod naming a missing ConfigMap waits in CreateContainerConfigError
// with a Failed event naming it, and starts once the ConfigMap exists.

import (
	"context"
	"strings"
	"testing"
	"time"

	"minik8s/pkg/api"
	mkclient "minik8s/pkg/client"
)

func init() { registerKubectlE2E("configmap", testConfigMapOnLab) }

func testConfigMapOnLab(ctx context.Context, t *testing.T, cl *cluster) {
	const ns = "e2e-configmap"
	if out, err := cl.kubectl(ctx, "create", "namespace", ns); err != nil {
		t.Fatalf("create namespace: %v %s", err, out)
	}
	t.Cleanup(func() {
		cctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		nsInfo, _ := api.ForKind("v1", "Namespace")
		_ = cl.c.Delete(cctx, nsInfo, "", ns, nil)
		// The namespace controller empties it; wait for the pods to go.
		for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && cctx.Err() == nil; {
			if pods, _, err := cl.c.Pods(ns).List(cctx, mkclient.ListOptions{}); err != nil || len(pods) == 0 {
				return
			}
			time.Sleep(time.Second)
		}
	})
	kc := func(args ...string) string {
		t.Helper()
		out, err := cl.kubectl(ctx, append([]string{"-n", ns}, args...)...)
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
	kc("create", "configmap", "app-config", "--from-literal=greeting=hello", "--from-literal=mode=dev")
	kc("create", "secret", "generic", "app-secret", "--from-literal=password=s3cret", "--from-literal=token=abc")

	node := cl.node(1).Name
	pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "consumer", Namespace: ns}, Spec: api.PodSpec{
		NodeName: node,
		Containers: []api.Container{{Name: "tools", Image: "docker.io/minik8s/tools:latest",
			Command: []string{"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"},
			EnvFrom: []api.EnvFromSource{{Prefix: "CM_", ConfigMapRef: &api.ConfigMapEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "app-config"}}}},
			Env: []api.EnvVar{{Name: "PASSWORD", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.SecretKeySelector{
				LocalObjectReference: api.LocalObjectReference{Name: "app-secret"}, Key: "password"}}}},
			VolumeMounts: []api.VolumeMount{{Name: "cfg", MountPath: "/etc/cfg"}, {Name: "sec", MountPath: "/etc/sec", ReadOnly: true}},
		}},
		Volumes: []api.Volume{
			{Name: "cfg", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{LocalObjectReference: api.LocalObjectReference{Name: "app-config"}}}},
			{Name: "sec", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "app-secret", DefaultMode: cmPtr(int32(0o400)),
				Items: []api.KeyToPath{{Key: "password", Path: "db/password"}}}}},
		},
	}}
	cmCreatePod(ctx, t, cl, pod)
	p := cmWaitPod(ctx, t, cl, ns, "consumer", 90*time.Second, "Running", allRunning)
	exec := func(args ...string) string {
		t.Helper()
		out, err := podExec(ctx, p, "tools", args...)
		if err != nil {
			t.Fatalf("exec %v: %v\n%s", args, err, out)
		}
		return out
	}
	if got := exec("cat", "/etc/cfg/greeting"); got != "hello" {
		t.Errorf("/etc/cfg/greeting = %q, want hello", got)
	}
	if got := exec("cat", "/etc/sec/db/password"); got != "s3cret" {
		t.Errorf("/etc/sec/db/password = %q, want s3cret", got)
	}
	if got := exec("stat", "-L", "-c", "%a", "/etc/sec/db/password"); strings.TrimSpace(got) != "400" {
		t.Errorf("secret file mode %q, want 400", got)
	}
	if got := exec("sh", "-c", "echo $CM_greeting/$CM_mode/$PASSWORD"); strings.TrimSpace(got) != "hello/dev/s3cret" {
		t.Errorf("env = %q, want hello/dev/s3cret", got)
	}
	if got := exec("ls", "-a", "/etc/cfg"); !strings.Contains(got, "..data") {
		t.Errorf("volume has no ..data link: %q", got)
	}

	// An update reaches the mounted file (not the environment) in time.
	changed := time.Now()
	cmInfo, _ := api.ForKind("v1", "ConfigMap")
	if _, err := cl.c.Patch(ctx, cmInfo, ns, "app-config", mkclient.MergePatchType, []byte(`{"data":{"greeting":"bonjour"}}`)); err != nil {
		t.Fatalf("patch configmap: %v", err)
	}
	for {
		if got, _ := podExec(ctx, p, "tools", "cat", "/etc/cfg/greeting"); got == "bonjour" {
			t.Logf("configmap change seen in the container after %v", time.Since(changed).Round(time.Second))
			break
		}
		if time.Since(changed) > 90*time.Second {
			t.Fatalf("configmap change not in the container after 90s")
		}
		time.Sleep(2 * time.Second)
	}

	// A pod naming a missing ConfigMap waits with CreateContainerConfigError.
	waiting := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "waiter", Namespace: ns}, Spec: api.PodSpec{
		NodeName: node,
		Containers: []api.Container{{Name: "tools", Image: "docker.io/minik8s/tools:latest",
			Command: []string{"sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"},
			Env: []api.EnvVar{{Name: "LATE", ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.ConfigMapKeySelector{
				LocalObjectReference: api.LocalObjectReference{Name: "late"}, Key: "k"}}}},
		}},
	}}
	cmCreatePod(ctx, t, cl, waiting)
	cmWaitPod(ctx, t, cl, ns, "waiter", 60*time.Second, "in CreateContainerConfigError", func(p *api.Pod) bool {
		for _, cs := range p.Status.ContainerStatuses {
			if w := cs.State.Waiting; w != nil && w.Reason == "CreateContainerConfigError" && w.Message == `configmap "late" not found` {
				return true
			}
		}
		return false
	})
	if ev := kc("get", "events", "-o", "jsonpath={.items[*].message}"); !strings.Contains(ev, `Error: configmap "late" not found`) {
		t.Errorf("no Failed event naming the ConfigMap: %q", ev)
	}
	kc("create", "configmap", "late", "--from-literal=k=v")
	w := cmWaitPod(ctx, t, cl, ns, "waiter", 90*time.Second, "Running once the ConfigMap exists", allRunning)
	if got, err := podExec(ctx, w, "tools", "sh", "-c", "echo $LATE"); err != nil || strings.TrimSpace(got) != "v" {
		t.Errorf("LATE = %q %v, want v", got, err)
	}
}

func cmPtr[T any](v T) *T { return &v }

// cmCreatePod creates a pod in its namespace.
func cmCreatePod(ctx context.Context, t *testing.T, cl *cluster, p *api.Pod) {
	t.Helper()
	p.TypeMeta = api.TypeMeta{APIVersion: "v1", Kind: "Pod"}
	if _, err := cl.c.Pods(p.Namespace).Create(ctx, p); err != nil {
		t.Fatalf("create pod %s: %v", p.Name, err)
	}
}

// cmWaitPod polls pod ns/name until cond holds.
func cmWaitPod(ctx context.Context, t *testing.T, cl *cluster, ns, name string, d time.Duration, what string, cond func(*api.Pod) bool) *api.Pod {
	t.Helper()
	var last *api.Pod
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		if p, err := cl.c.Pods(ns).Get(ctx, name); err == nil {
			last = p
			if cond(p) {
				return p
			}
		}
	}
	t.Fatalf("pod %s/%s not %s within %v; last status: %+v", ns, name, what, d, last)
	return nil
}
