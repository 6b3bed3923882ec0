package kubelet

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
)

func secI64(v int64) *int64 { return &v }
func secBool(v bool) *bool  { return &v }
func secStr(v string) *string {
	return &v
}

func TestSecurityConfig(t *testing.T) {
	const root = "/var/lib/k/seccomp"
	base := func(mut func(c *runtime.SecurityConfig)) *runtime.SecurityConfig {
		c := &runtime.SecurityConfig{Seccomp: runtime.SeccompUnconfined}
		if mut != nil {
			mut(c)
		}
		return c
	}
	cases := []struct {
		name string
		pod  api.PodSpec
		csc  *api.SecurityContext
		want *runtime.SecurityConfig
	}{
		{name: "defaults (securityContext {})", pod: api.PodSpec{SecurityContext: &api.PodSecurityContext{}}, want: base(nil)},
		{name: "no securityContext at all", want: base(nil)},
		{
			name: "pod-level user, group, groups, fsGroup, non-root",
			pod: api.PodSpec{SecurityContext: &api.PodSecurityContext{
				RunAsUser: secI64(1000), RunAsGroup: secI64(3000), FSGroup: secI64(2000), SupplementalGroups: []int64{4000, 5000}, RunAsNonRoot: secBool(true),
			}},
			want: base(func(c *runtime.SecurityConfig) {
				c.RunAsUser, c.RunAsGroup, c.RunAsNonRoot = secI64(1000), secI64(3000), true
				c.SupplementalGroups = []int64{2000, 4000, 5000}
			}),
		},
		{
			name: "supplementalGroupsPolicy Strict",
			pod:  api.PodSpec{SecurityContext: &api.PodSecurityContext{SupplementalGroupsPolicy: secStr("Strict")}},
			want: base(func(c *runtime.SecurityConfig) { c.StrictGroups = true }),
		},
		{
			name: "container overrides pod",
			pod: api.PodSpec{SecurityContext: &api.PodSecurityContext{
				RunAsUser: secI64(1000), RunAsGroup: secI64(3000), RunAsNonRoot: secBool(true),
				SeccompProfile: &api.SeccompProfile{Type: api.SeccompProfileTypeRuntimeDefault},
			}},
			csc: &api.SecurityContext{RunAsUser: secI64(0), RunAsNonRoot: secBool(false), SeccompProfile: &api.SeccompProfile{Type: api.SeccompProfileTypeUnconfined}},
			want: base(func(c *runtime.SecurityConfig) {
				c.RunAsUser, c.RunAsGroup = secI64(0), secI64(3000)
			}),
		},
		{
			name: "pod seccomp RuntimeDefault applies to the container",
			pod:  api.PodSpec{SecurityContext: &api.PodSecurityContext{SeccompProfile: &api.SeccompProfile{Type: api.SeccompProfileTypeRuntimeDefault}}},
			want: base(func(c *runtime.SecurityConfig) { c.Seccomp = runtime.SeccompRuntimeDefault }),
		},
		{
			name: "Localhost seccomp under the kubelet's seccomp dir",
			csc:  &api.SecurityContext{SeccompProfile: &api.SeccompProfile{Type: api.SeccompProfileTypeLocalhost, LocalhostProfile: secStr("profiles/audit.json")}},
			want: base(func(c *runtime.SecurityConfig) {
				c.Seccomp, c.SeccompProfilePath = runtime.SeccompLocalhost, root+"/profiles/audit.json"
			}),
		},
		{
			name: "AppArmor Localhost: container over pod",
			pod:  api.PodSpec{SecurityContext: &api.PodSecurityContext{AppArmorProfile: &api.AppArmorProfile{Type: "RuntimeDefault"}}},
			csc:  &api.SecurityContext{AppArmorProfile: &api.AppArmorProfile{Type: "Localhost", LocalhostProfile: secStr("k8s-deny-write")}},
			want: base(func(c *runtime.SecurityConfig) {
				c.AppArmor, c.AppArmorProfile = runtime.SeccompLocalhost, "k8s-deny-write"
			}),
		},
		{
			name: "privileged",
			csc:  &api.SecurityContext{Privileged: secBool(true)},
			want: base(func(c *runtime.SecurityConfig) { c.Privileged = true }),
		},
		{
			name: "drop ALL, add NET_BIND_SERVICE (with and without CAP_, any case)",
			csc:  &api.SecurityContext{Capabilities: &api.Capabilities{Drop: []string{"ALL"}, Add: []string{"net_bind_service", "CAP_CHOWN"}}},
			want: base(func(c *runtime.SecurityConfig) {
				c.CapDrop, c.CapAdd = []string{"ALL"}, []string{"CAP_NET_BIND_SERVICE", "CAP_CHOWN"}
			}),
		},
		{
			name: "allowPrivilegeEscalation false sets no_new_privs; read-only root",
			csc:  &api.SecurityContext{AllowPrivilegeEscalation: secBool(false), ReadOnlyRootFilesystem: secBool(true)},
			want: base(func(c *runtime.SecurityConfig) { c.NoNewPrivs, c.ReadOnlyRootFS = true, true }),
		},
		{
			name: "allowPrivilegeEscalation true: no no_new_privs",
			csc:  &api.SecurityContext{AllowPrivilegeEscalation: secBool(true)},
			want: base(nil),
		},
		{
			name: "hostPID and hostIPC",
			pod:  api.PodSpec{HostPID: true, HostIPC: true},
			want: base(func(c *runtime.SecurityConfig) { c.HostPID, c.HostIPC = true, true }),
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := &api.Pod{Spec: tc.pod}
			c := &api.Container{Name: "c", SecurityContext: tc.csc}
			got := securityConfig(pod, c, root)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("securityConfig:\n got %+v\nwant %+v", *got, *tc.want)
			}
		})
	}
}

func TestSandboxSecurity(t *testing.T) {
	pod := &api.Pod{Spec: api.PodSpec{HostPID: true, HostIPC: true, SecurityContext: &api.PodSecurityContext{
		Sysctls: []api.Sysctl{{Name: "net.ipv4.ip_unprivileged_port_start", Value: "0"}, {Name: "kernel.shm_rmid_forced", Value: "1"}},
	}}}
	pod.UID = "u1"
	cfg := sandboxConfig(pod, "/minik8s/n1", "cluster.local")
	want := map[string]string{"net.ipv4.ip_unprivileged_port_start": "0", "kernel.shm_rmid_forced": "1"}
	pod.Spec.InitContainers = []api.Container{{Name: "i", SecurityContext: &api.SecurityContext{Privileged: secBool(true)}}}
	cfg = sandboxConfig(pod, "/minik8s/n1", "cluster.local")
	if !cfg.HostPID || !cfg.HostIPC || !cfg.Privileged || !reflect.DeepEqual(cfg.Sysctls, want) {
		t.Errorf("sandbox config: hostPID %v hostIPC %v sysctls %v", cfg.HostPID, cfg.HostIPC, cfg.Sysctls)
	}
	plain := sandboxConfig(&api.Pod{}, "/minik8s/n1", "cluster.local")
	if plain.HostPID || plain.HostIPC || plain.Privileged || plain.Sysctls != nil {
		t.Errorf("plain pod sandbox config: %+v", plain)
	}
}

// The kubelet hands the runtime the merged securityContext, and a
// runAsNonRoot the runtime cannot satisfy is a CreateContainerConfigError
// with Kubernetes' message and a Failed event.
func TestStartContainerSecurity(t *testing.T) {
	cases := []struct {
		name       string
		imageUser  string
		podSC      *api.PodSecurityContext
		wantReason string
		wantMsg    string
	}{
		{name: "runs as 1000 with fsGroup", podSC: &api.PodSecurityContext{RunAsUser: secI64(1000), RunAsGroup: secI64(3000), FSGroup: secI64(2000), RunAsNonRoot: secBool(true)}},
		{name: "root image", podSC: &api.PodSecurityContext{RunAsNonRoot: secBool(true)}, wantReason: "CreateContainerConfigError",
			wantMsg: `container has runAsNonRoot and image will run as root (pod: "web_default(uid-1)", container: a)`},
		{name: "named image user", imageUser: "nobody", podSC: &api.PodSecurityContext{RunAsNonRoot: secBool(true)}, wantReason: "CreateContainerConfigError",
			wantMsg: `container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: "web_default(uid-1)", container: a)`},
		{name: "numeric image user", imageUser: "65534", podSC: &api.PodSecurityContext{RunAsNonRoot: secBool(true)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := testPod(api.RestartAlways, "a")
			pod.Spec.SecurityContext = tc.podSC
			s := newScene(t, pod)
			s.sandbox()
			if tc.imageUser != "" {
				s.f.SetImageUser(pod.Spec.Containers[0].Image, tc.imageUser)
			}
			k := testKubelet(t, s.f)
			ev := &events{}
			k.Recorder = ev
			if _, err := k.startContainer(context.Background(), pod, s.sb, containerStart{Index: 0}, nil); err != nil {
				t.Fatal(err)
			}
			k.mu.Lock()
			w := k.waits[pod.UID]["a"]
			k.mu.Unlock()
			if w.Reason != tc.wantReason || w.Message != tc.wantMsg {
				t.Fatalf("wait = %q %q, want %q %q", w.Reason, w.Message, tc.wantReason, tc.wantMsg)
			}
			cs := s.view().Containers
			if tc.wantReason != "" {
				if len(cs) != 0 {
					t.Errorf("containers created: %+v", cs)
				}
				if want := "spec.containers{a} Warning Failed: Error: " + tc.wantMsg; !slices.Contains(*ev, want) {
					t.Errorf("events %q lack %q", *ev, want)
				}
				return
			}
			if len(cs) != 1 {
				t.Fatalf("containers = %+v", cs)
			}
			cfg, _ := s.f.ContainerConfig(cs[0].ID)
			if cfg.Security == nil || !reflect.DeepEqual(cfg.Security, securityConfig(pod, &pod.Spec.Containers[0], k.seccompRoot())) {
				t.Errorf("runtime got security %+v", cfg.Security)
			}
		})
	}
}

// A pod that needs AppArmor on a host without it is rejected as
// Kubernetes' AppArmor admit handler does; Unconfined needs nothing.
func TestSecurityAdmission(t *testing.T) {
	withAA := func(typ string, level string) *api.Pod {
		pod := testPod(api.RestartAlways, "a")
		ap := &api.AppArmorProfile{Type: typ}
		if level == "pod" {
			pod.Spec.SecurityContext = &api.PodSecurityContext{AppArmorProfile: ap}
		} else {
			pod.Spec.Containers[0].SecurityContext = &api.SecurityContext{AppArmorProfile: ap}
		}
		return pod
	}
	cases := []struct {
		name    string
		pod     *api.Pod
		enabled bool
		reject  bool
	}{
		{"no AppArmor asked", testPod(api.RestartAlways, "a"), false, false},
		{"pod RuntimeDefault, no AppArmor", withAA("RuntimeDefault", "pod"), false, true},
		{"container Localhost, no AppArmor", withAA("Localhost", "container"), false, true},
		{"Unconfined, no AppArmor", withAA("Unconfined", "container"), false, false},
		{"RuntimeDefault with AppArmor", withAA("RuntimeDefault", "pod"), true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := securityAdmissionError(tc.pod, tc.enabled)
			if (err != nil) != tc.reject {
				t.Fatalf("err = %v, want rejection %v", err, tc.reject)
			}
			if err == nil {
				return
			}
			st := refusedStatus(tc.pod, err, "10.0.0.1", api.Time{})
			if st.Phase != api.PodFailed || st.Reason != "AppArmor" || st.Message != "Pod was rejected: Cannot enforce AppArmor: AppArmor is not enabled on the host" {
				t.Errorf("status = %s %s %q", st.Phase, st.Reason, st.Message)
			}
		})
	}
}
