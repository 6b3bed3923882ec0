package containerd

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/containerd/containerd/containers"
	"github.com/containerd/containerd/namespaces"
	"github.com/containerd/containerd/oci"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"minik8s/kubelet/runtime"
)

// genSpec builds containerd's default spec over a rootfs holding
// /etc/passwd and /etc/group, then applies opts.
func genSpec(t *testing.T, opts ...oci.SpecOpts) *oci.Spec {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"passwd": "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
		"group":  "root:x:0:\napp:x:1000:\nextra:x:1500:app\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := namespaces.WithNamespace(context.Background(), "test")
	all := append([]oci.SpecOpts{oci.WithRootFSPath(root)}, opts...)
	s, err := oci.GenerateSpec(ctx, nil, &containers.Container{ID: "c1"}, all...)
	if err != nil {
		t.Fatalf("GenerateSpec: %v", err)
	}
	return s
}

func secSpec(t *testing.T, sc *runtime.SecurityConfig, imageUser string) *oci.Spec {
	t.Helper()
	opts, err := securitySpecOpts(sc, imageUser)
	if err != nil {
		t.Fatalf("securitySpecOpts: %v", err)
	}
	if imageUser != "" { // what WithImageConfig does with the image's USER
		opts = append([]oci.SpecOpts{oci.WithUser(imageUser)}, opts...)
	}
	return genSpec(t, opts...)
}

func i64p(v int64) *int64 { return &v }

func TestUserString(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sc        *runtime.SecurityConfig
		imageUser string
		want      string
	}{
		{"nothing set keeps the image's user", &runtime.SecurityConfig{}, "app", ""},
		{"runAsUser", &runtime.SecurityConfig{RunAsUser: i64p(1000)}, "", "1000"},
		{"runAsUser and runAsGroup", &runtime.SecurityConfig{RunAsUser: i64p(1000), RunAsGroup: i64p(3000)}, "app", "1000:3000"},
		{"runAsGroup with the image's user", &runtime.SecurityConfig{RunAsGroup: i64p(3000)}, "app:app", "app:3000"},
		{"runAsGroup on a root image", &runtime.SecurityConfig{RunAsGroup: i64p(3000)}, "", "0:3000"},
	} {
		if got := userString(tc.sc, tc.imageUser); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestSecuritySpecUsers(t *testing.T) {
	s := secSpec(t, &runtime.SecurityConfig{RunAsUser: i64p(1000), RunAsGroup: i64p(3000), SupplementalGroups: []int64{2000, 4000}}, "")
	if u := s.Process.User; u.UID != 1000 || u.GID != 3000 || !reflect.DeepEqual(u.AdditionalGids, []uint32{1500, 2000, 3000, 4000}) {
		t.Errorf("user = %+v, want uid 1000 gid 3000 groups [1500 2000 3000 4000] (/etc/group's extra, fsGroup, supplemental)", u)
	}
	s = secSpec(t, &runtime.SecurityConfig{RunAsUser: i64p(1000), RunAsGroup: i64p(3000), SupplementalGroups: []int64{2000}, StrictGroups: true}, "")
	if u := s.Process.User; !reflect.DeepEqual(u.AdditionalGids, []uint32{2000, 3000}) {
		t.Errorf("Strict: groups %v, want [2000 3000] (no /etc/group groups)", u.AdditionalGids)
	}
	s = secSpec(t, &runtime.SecurityConfig{StrictGroups: true}, "app")
	if u := s.Process.User; !reflect.DeepEqual(u.AdditionalGids, []uint32{1000}) {
		t.Errorf("Strict with the image's user: groups %v, want [1000]", u.AdditionalGids)
	}
	s = secSpec(t, &runtime.SecurityConfig{RunAsUser: i64p(1000)}, "")
	if u := s.Process.User; u.UID != 1000 || u.GID != 1000 {
		t.Errorf("runAsUser alone: %+v, want the passwd's gid 1000", u)
	}
	s = secSpec(t, &runtime.SecurityConfig{}, "app")
	if u := s.Process.User; u.UID != 1000 || u.GID != 1000 {
		t.Errorf("image user kept: %+v", u)
	}
}

func hasCap(s *oci.Spec, c string) bool { return slices.Contains(s.Process.Capabilities.Bounding, c) }

func TestSecuritySpecCapabilities(t *testing.T) {
	def := genSpec(t)
	if !hasCap(def, "CAP_NET_RAW") || hasCap(def, "CAP_SYS_ADMIN") {
		t.Fatalf("containerd's default set changed: %v", def.Process.Capabilities.Bounding)
	}
	s := secSpec(t, &runtime.SecurityConfig{CapDrop: []string{"CAP_NET_RAW"}}, "")
	if hasCap(s, "CAP_NET_RAW") || !hasCap(s, "CAP_CHOWN") {
		t.Errorf("drop NET_RAW: %v", s.Process.Capabilities.Bounding)
	}
	s = secSpec(t, &runtime.SecurityConfig{CapDrop: []string{"ALL"}, CapAdd: []string{"CAP_NET_BIND_SERVICE"}}, "")
	for name, set := range map[string][]string{"bounding": s.Process.Capabilities.Bounding, "effective": s.Process.Capabilities.Effective, "permitted": s.Process.Capabilities.Permitted} {
		if !reflect.DeepEqual(set, []string{"CAP_NET_BIND_SERVICE"}) {
			t.Errorf("drop ALL add NET_BIND_SERVICE: %s %v", name, set)
		}
	}
	s = secSpec(t, &runtime.SecurityConfig{CapAdd: []string{"ALL"}, CapDrop: []string{"CAP_CHOWN"}}, "")
	if !hasCap(s, "CAP_SYS_ADMIN") || hasCap(s, "CAP_CHOWN") {
		t.Errorf("add ALL drop CHOWN: %v", s.Process.Capabilities.Bounding)
	}
}

func TestSecuritySpecFlags(t *testing.T) {
	def := secSpec(t, nil, "")
	if def.Process.NoNewPrivileges || def.Root.Readonly || def.Linux.Seccomp != nil {
		t.Fatalf("default spec: nnp %v ro %v seccomp %v", def.Process.NoNewPrivileges, def.Root.Readonly, def.Linux.Seccomp != nil)
	}
	s := secSpec(t, &runtime.SecurityConfig{NoNewPrivs: true, ReadOnlyRootFS: true, Seccomp: runtime.SeccompRuntimeDefault}, "")
	if !s.Process.NoNewPrivileges || !s.Root.Readonly {
		t.Errorf("nnp %v readonly %v", s.Process.NoNewPrivileges, s.Root.Readonly)
	}
	if s.Linux.Seccomp == nil || s.Linux.Seccomp.DefaultAction != specs.ActErrno {
		t.Errorf("RuntimeDefault seccomp: %+v", s.Linux.Seccomp)
	}
	prof := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(prof, []byte(`{"defaultAction":"SCMP_ACT_LOG"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s = secSpec(t, &runtime.SecurityConfig{Seccomp: runtime.SeccompLocalhost, SeccompProfilePath: prof}, "")
	if s.Linux.Seccomp == nil || s.Linux.Seccomp.DefaultAction != specs.ActLog {
		t.Errorf("Localhost seccomp: %+v", s.Linux.Seccomp)
	}
	if _, err := securitySpecOpts(&runtime.SecurityConfig{Seccomp: runtime.SeccompLocalhost}, ""); !runtime.IsConfigError(err) {
		t.Errorf("Localhost without a profile: %v, want a ConfigError", err)
	}
	s = secSpec(t, &runtime.SecurityConfig{AppArmor: runtime.SeccompLocalhost, AppArmorProfile: "k8s-deny-write"}, "")
	if s.Process.ApparmorProfile != "k8s-deny-write" {
		t.Errorf("AppArmor Localhost: profile %q", s.Process.ApparmorProfile)
	}
	s = secSpec(t, &runtime.SecurityConfig{Privileged: true, Seccomp: runtime.SeccompRuntimeDefault}, "")
	if s.Linux.Seccomp != nil {
		t.Error("privileged container must run without seccomp")
	}
	if !hasCap(s, "CAP_SYS_ADMIN") || len(s.Linux.MaskedPaths) != 0 || len(s.Linux.ReadonlyPaths) != 0 {
		t.Errorf("privileged: caps %v masked %v readonly %v", s.Process.Capabilities.Bounding, s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
	}
	for _, m := range s.Mounts {
		if m.Destination == "/sys" && slices.Contains(m.Options, "ro") {
			t.Errorf("privileged /sys is read-only: %v", m.Options)
		}
	}
	if s.Linux.Resources == nil || len(s.Linux.Resources.Devices) == 0 || !s.Linux.Resources.Devices[0].Allow || s.Linux.Resources.Devices[0].Access != "rwm" {
		t.Errorf("privileged devices not all allowed: %+v", s.Linux.Resources)
	}
}

func nsOf(s *oci.Spec) map[specs.LinuxNamespaceType]string {
	out := map[specs.LinuxNamespaceType]string{}
	for _, n := range s.Linux.Namespaces {
		out[n.Type] = n.Path
	}
	return out
}

func TestNamespaceOpts(t *testing.T) {
	ns := nsOf(genSpec(t, namespaceOpts(42, &runtime.SecurityConfig{})...))
	want := map[specs.LinuxNamespaceType]string{
		specs.NetworkNamespace: "/proc/42/ns/net", specs.UTSNamespace: "/proc/42/ns/uts", specs.IPCNamespace: "/proc/42/ns/ipc",
		specs.PIDNamespace: "", specs.MountNamespace: "",
	}
	if !reflect.DeepEqual(ns, want) {
		t.Errorf("default namespaces %v, want %v", ns, want)
	}
	ns = nsOf(genSpec(t, namespaceOpts(42, &runtime.SecurityConfig{HostPID: true, HostIPC: true})...))
	if _, ok := ns[specs.PIDNamespace]; ok {
		t.Errorf("hostPID: a pid namespace is left: %v", ns)
	}
	if _, ok := ns[specs.IPCNamespace]; ok {
		t.Errorf("hostIPC: an ipc namespace is left: %v", ns)
	}
	sb := genSpec(t, sandboxSecurityOpts(&runtime.SandboxConfig{HostPID: true, HostIPC: true, Privileged: true, Sysctls: map[string]string{"net.ipv4.ip_unprivileged_port_start": "0"}})...)
	for _, m := range sb.Mounts {
		if m.Destination == "/sys" && slices.Contains(m.Options, "ro") {
			t.Errorf("privileged sandbox /sys is read-only: %v", m.Options)
		}
	}
	ns = nsOf(sb)
	if _, ok := ns[specs.PIDNamespace]; ok {
		t.Errorf("hostPID sandbox keeps a pid namespace: %v", ns)
	}
	if _, ok := ns[specs.IPCNamespace]; ok {
		t.Errorf("hostIPC sandbox keeps an ipc namespace: %v", ns)
	}
	if sb.Linux.Sysctl["net.ipv4.ip_unprivileged_port_start"] != "0" {
		t.Errorf("sandbox sysctls: %v", sb.Linux.Sysctl)
	}
}
