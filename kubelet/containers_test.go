package kubelet

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

func TestContainerResources(t *testing.T) {
	cases := []struct {
		req, lim api.ResourceList
		want     runtime.Resources
	}{
		{nil, nil, runtime.Resources{CPUShares: 2, CPUPeriod: 100000}},
		{api.ResourceList{"cpu": q("250m")}, nil, runtime.Resources{CPUShares: 256, CPUPeriod: 100000}},
		{nil, api.ResourceList{"cpu": q("500m"), "memory": q("32Mi")}, runtime.Resources{CPUShares: 512, CPUQuota: 50000, CPUPeriod: 100000, MemoryLimit: 32 << 20}},
		{api.ResourceList{"cpu": q("1m")}, api.ResourceList{"cpu": q("2")}, runtime.Resources{CPUShares: 2, CPUQuota: 200000, CPUPeriod: 100000}},
		{nil, api.ResourceList{"cpu": q("5m")}, runtime.Resources{CPUShares: 5, CPUQuota: 1000, CPUPeriod: 100000}},
	}
	for i, c := range cases {
		got := containerResources(&api.Container{Resources: api.ResourceRequirements{Requests: c.req, Limits: c.lim}})
		if got != c.want {
			t.Errorf("case %d: %+v, want %+v", i, got, c.want)
		}
	}
}

func TestContainerConfig(t *testing.T) {
	pod := testPod(api.RestartAlways, "a")
	pod.Labels = map[string]string{"app": "web"}
	c := &pod.Spec.Containers[0]
	c.Command = []string{"sh", "-c"}
	c.Args = []string{"echo $(GREETING) $$(NOT)"}
	c.WorkingDir = "/data"
	c.Resources.Limits = api.ResourceList{"memory": q("64Mi")}
	c.Env = []api.EnvVar{
		{Name: "GREETING", Value: "hi"},
		{Name: "POD", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.name"}}},
		{Name: "NS", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.namespace"}}},
		{Name: "UID", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.uid"}}},
		{Name: "IP", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "status.podIP"}}},
		{Name: "HOST", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "status.hostIP"}}},
		{Name: "NODE", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "spec.nodeName"}}},
		{Name: "APP", ValueFrom: &api.EnvVarSource{FieldRef: &api.ObjectFieldSelector{FieldPath: "metadata.labels['app']"}}},
		{Name: "MEM", ValueFrom: &api.EnvVarSource{ResourceFieldRef: &api.ResourceFieldSelector{Resource: "limits.memory", Divisor: ptrQ(q("1Mi"))}}},
		{Name: "MSG", Value: "$(GREETING) from $(POD)"},
	}
	c.VolumeMounts = []api.VolumeMount{{Name: "data", MountPath: "/data"}, {Name: "host", MountPath: "/h", ReadOnly: true, SubPath: "x/../y"}}
	cfg, err := containerConfig(pod, c, 2, podEnv{PodIP: "10.244.0.5", HostIP: "192.168.77.11"},
		map[string]string{"data": "/v/data", "host": "/srv"}, "/logs/a/2.log")
	if err != nil {
		t.Fatal(err)
	}
	wantEnv := []string{"GREETING=hi", "POD=web", "NS=default", "UID=uid-1", "IP=10.244.0.5", "HOST=192.168.77.11",
		"NODE=node1", "APP=web", "MEM=64", "MSG=hi from web"}
	if !reflect.DeepEqual(cfg.Env, wantEnv) {
		t.Errorf("env = %q", cfg.Env)
	}
	if !reflect.DeepEqual(cfg.Args, []string{"echo hi $(NOT)"}) || !reflect.DeepEqual(cfg.Command, []string{"sh", "-c"}) {
		t.Errorf("command %q args %q", cfg.Command, cfg.Args)
	}
	wantMounts := []runtime.Mount{{HostPath: "/v/data", ContainerPath: "/data"}, {HostPath: "/srv/y", ContainerPath: "/h", ReadOnly: true}}
	if !reflect.DeepEqual(cfg.Mounts, wantMounts) {
		t.Errorf("mounts = %+v", cfg.Mounts)
	}
	if cfg.Attempt != 2 || cfg.LogPath != "/logs/a/2.log" || cfg.WorkingDir != "/data" || cfg.Resources.MemoryLimit != 64<<20 {
		t.Errorf("cfg = %+v", cfg)
	}
	if _, err := containerConfig(pod, c, 0, podEnv{}, map[string]string{"data": "/v"}, ""); err == nil {
		t.Error("a mount of an undefined volume must fail")
	}
}

func ptrQ(v api.Quantity) *api.Quantity { return &v }

func TestSandboxConfigAndPorts(t *testing.T) {
	pod := testPod(api.RestartAlways, "a")
	pod.Spec.Containers[0].Ports = []api.ContainerPort{{ContainerPort: 80}, {ContainerPort: 8080, HostPort: 30080}, {ContainerPort: 53, HostPort: 53, Protocol: "UDP"}}
	cfg := sandboxConfig(pod, "/minik8s/node1/", "cluster.local")
	if cfg.CgroupParent != "/minik8s/node1/poduid-1" || cfg.Hostname != "web" || cfg.PodUID != "uid-1" {
		t.Fatalf("cfg = %+v", cfg)
	}
	want := []runtime.PortMapping{{Protocol: "TCP", ContainerPort: 8080, HostPort: 30080}, {Protocol: "UDP", ContainerPort: 53, HostPort: 53}}
	if !reflect.DeepEqual(cfg.PortMappings, want) {
		t.Fatalf("ports = %+v", cfg.PortMappings)
	}
}

func TestVolumes(t *testing.T) {
	root := t.TempDir()
	d := podDirs{root: root}
	host := filepath.Join(root, "host", "made")
	doc := hostPathDirectoryOrCreate
	paths, err := d.ensureVolumes("u1", []volumeSpec{{name: "scratch"}, {name: "h", hostPath: host, hostPathType: doc}})
	if err != nil {
		t.Fatal(err)
	}
	if paths["scratch"] != filepath.Join(root, "pods", "u1", "volumes", "scratch") || paths["h"] != host {
		t.Fatalf("paths = %v", paths)
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if _, err := d.ensureVolumes("u1", []volumeSpec{{name: "f", hostPath: filepath.Join(root, "nope"), hostPathType: hostPathDirectory}}); err == nil {
		t.Fatal("a missing Directory hostPath must fail")
	}
	if err := d.removePod("u1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "pods", "u1")); !os.IsNotExist(err) {
		t.Fatalf("pod dir left behind: %v", err)
	}
	if _, err := os.Stat(host); err != nil {
		t.Fatal("a hostPath must survive the pod")
	}
}
