package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"minik8s/pkg/api"
	mclient "minik8s/pkg/client"
)

// TestKubeletConfigMapsAndSecrets: the kubelet (fake runtime) writes a
// pod's configMap and secret volumes, refreshes them when the ConfigMap
// changes, gives containers env from both, and holds a container whose
// ConfigMap is missing in CreateContainerConfigError until it exists.
func TestKubeletConfigMapsAndSecrets(t *testing.T) {
	h := newKubeletHarness(t)
	h.start()
	ctx := context.Background()
	if _, err := h.c.Create(ctx, cmInfo(t, "ConfigMap"), "default", &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Name: "cfg"}, Data: map[string]string{"a": "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.c.Create(ctx, cmInfo(t, "Secret"), "default", &api.Secret{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: api.ObjectMeta{Name: "sec"}, StringData: map[string]string{"pw": "s3cret"}}); err != nil {
		t.Fatal(err)
	}
	p := onePod("consumer", api.RestartAlways)
	p.Spec.Volumes = []api.Volume{
		{Name: "cfg", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{LocalObjectReference: api.LocalObjectReference{Name: "cfg"}}}},
		{Name: "sec", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "sec"}}},
	}
	c := &p.Spec.Containers[0]
	c.VolumeMounts = []api.VolumeMount{{Name: "cfg", MountPath: "/etc/cfg"}, {Name: "sec", MountPath: "/etc/sec"}}
	c.EnvFrom = []api.EnvFromSource{{Prefix: "CFG_", ConfigMapRef: &api.ConfigMapEnvSource{LocalObjectReference: api.LocalObjectReference{Name: "cfg"}}}}
	c.Env = []api.EnvVar{{Name: "PW", ValueFrom: &api.EnvVarSource{SecretKeyRef: &api.SecretKeySelector{LocalObjectReference: api.LocalObjectReference{Name: "sec"}, Key: "pw"}}}}
	pod := h.createPod(p)
	h.waitPod("consumer", "Running", running)

	volFile := func(vol, key string) string {
		b, _ := os.ReadFile(filepath.Join(h.rootDir, "pods", pod.UID, "volumes", vol, key))
		return string(b)
	}
	if got := volFile("cfg", "a"); got != "1" {
		t.Errorf("cfg/a = %q, want 1", got)
	}
	if got := volFile("sec", "pw"); got != "s3cret" {
		t.Errorf("sec/pw = %q, want s3cret", got)
	}
	_, cs := h.runtimeOf(pod.UID)
	if len(cs) != 1 {
		t.Fatalf("containers %+v", cs)
	}
	cfg, _ := h.rt.ContainerConfig(cs[0].ID)
	for _, want := range []string{"CFG_a=1", "PW=s3cret"} {
		if !slices.Contains(cfg.Env, want) {
			t.Errorf("env %v lacks %s", cfg.Env, want)
		}
	}
	mounts := map[string]string{}
	for _, m := range cfg.Mounts {
		mounts[m.ContainerPath] = m.HostPath
	}
	if mounts["/etc/cfg"] != filepath.Join(h.rootDir, "pods", pod.UID, "volumes", "cfg") {
		t.Errorf("mounts %v", cfg.Mounts)
	}

	// An update reaches the volume of the running pod.
	if _, err := h.c.Patch(ctx, cmInfo(t, "ConfigMap"), "default", "cfg", mclient.MergePatchType, []byte(`{"data":{"a":"2","b":"new"}}`)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 15*time.Second, "the configmap change in the volume", func() (bool, string) {
		return volFile("cfg", "a") == "2" && volFile("cfg", "b") == "new", volFile("cfg", "a")
	})

	// A missing ConfigMap: CreateContainerConfigError until it exists.
	w := onePod("waiter", api.RestartAlways)
	w.Spec.Containers[0].Env = []api.EnvVar{{Name: "LATE", ValueFrom: &api.EnvVarSource{ConfigMapKeyRef: &api.ConfigMapKeySelector{
		LocalObjectReference: api.LocalObjectReference{Name: "late"}, Key: "k"}}}}
	h.createPod(w)
	h.waitPod("waiter", "in CreateContainerConfigError", func(p *api.Pod) bool {
		for _, cs := range p.Status.ContainerStatuses {
			if w := cs.State.Waiting; w != nil && w.Reason == "CreateContainerConfigError" && w.Message == `configmap "late" not found` {
				return true
			}
		}
		return false
	})
	if _, err := h.c.Create(ctx, cmInfo(t, "ConfigMap"), "default", &api.ConfigMap{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: api.ObjectMeta{Name: "late"}, Data: map[string]string{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	h.waitPod("waiter", "Running once the ConfigMap exists", running)
}

func cmInfo(t *testing.T, kind string) *api.ResourceInfo {
	info, err := api.ForKind("v1", kind)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// TestKubeletFSGroupAfterRefresh: a Secret volume with defaultMode 0400 in
// a pod with fsGroup is group-readable (0440, group fsGroup) when set up
// and again after the Secret changes (the rewritten files get the group
// bits back, as Kubernetes' SetUp on every remount).
func TestKubeletFSGroupAfterRefresh(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("fsGroup: chown to another group needs root")
	}
	h := newKubeletHarness(t)
	h.start()
	ctx := context.Background()
	if _, err := h.c.Create(ctx, cmInfo(t, "Secret"), "default", &api.Secret{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: api.ObjectMeta{Name: "key"}, StringData: map[string]string{"id": "v1"}}); err != nil {
		t.Fatal(err)
	}
	p := onePod("ssh", api.RestartAlways)
	fsGroup, mode := int64(2000), int32(0o400)
	p.Spec.SecurityContext = &api.PodSecurityContext{FSGroup: &fsGroup}
	p.Spec.Volumes = []api.Volume{{Name: "key", VolumeSource: api.VolumeSource{Secret: &api.SecretVolumeSource{SecretName: "key", DefaultMode: &mode}}}}
	p.Spec.Containers[0].VolumeMounts = []api.VolumeMount{{Name: "key", MountPath: "/etc/key"}}
	pod := h.createPod(p)
	h.waitPod("ssh", "Running", running)
	file := filepath.Join(h.rootDir, "pods", pod.UID, "volumes", "key", "id")
	check := func(when, content string) {
		t.Helper()
		waitUntil(t, 15*time.Second, when, func() (bool, string) {
			b, err := os.ReadFile(file)
			fi, serr := os.Stat(file)
			if err != nil || serr != nil {
				return false, fmt.Sprint(err, serr)
			}
			gid := fi.Sys().(*syscall.Stat_t).Gid
			state := fmt.Sprintf("content %q mode %v gid %d", b, fi.Mode().Perm(), gid)
			return string(b) == content && fi.Mode().Perm() == 0o440 && gid == 2000, state
		})
	}
	check("the secret file group-readable by fsGroup", "v1")
	if _, err := h.c.Patch(ctx, cmInfo(t, "Secret"), "default", "key", mclient.MergePatchType, []byte(`{"stringData":{"id":"v2"}}`)); err != nil {
		t.Fatal(err)
	}
	check("the rewritten secret file still group-readable by fsGroup", "v2")
}
