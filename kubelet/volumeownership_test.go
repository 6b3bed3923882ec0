package kubelet

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"minik8s/pkg/api"
)

func gidMode(t *testing.T, path string) (uint32, os.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Gid, fi.Mode()
}

func mkTree(t *testing.T, root string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "sub", "f"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub/f", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
}

func TestSetVolumeOwnership(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown to another group needs root")
	}
	const g = 2000
	cases := []struct {
		name             string
		readOnly         bool
		wantDir, wantFil os.FileMode
	}{
		{"emptyDir: group rw, setgid dirs", false, os.ModeDir | os.ModeSetgid | 0o775, 0o660},
		{"config volume: group r", true, os.ModeDir | os.ModeSetgid | 0o755, 0o640},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			mkTree(t, root)
			if err := setVolumeOwnership(root, g, tc.readOnly, ""); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{root, filepath.Join(root, "sub")} {
				if gid, mode := gidMode(t, p); gid != g || mode != tc.wantDir {
					t.Errorf("%s: gid %d mode %v, want %d %v", p, gid, mode, g, tc.wantDir)
				}
			}
			if gid, mode := gidMode(t, filepath.Join(root, "sub", "f")); gid != g || mode != tc.wantFil {
				t.Errorf("file: gid %d mode %v, want %d %v", gid, mode, g, tc.wantFil)
			}
			if gid, _ := gidMode(t, filepath.Join(root, "link")); gid != g {
				t.Errorf("symlink itself: gid %d", gid)
			}
		})
	}
}

func TestFSGroupChangePolicy(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown to another group needs root")
	}
	root := t.TempDir()
	mkTree(t, root)
	if err := setVolumeOwnership(root, 2000, false, ""); err != nil {
		t.Fatal(err)
	}
	late := filepath.Join(root, "late")
	if err := os.WriteFile(late, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(late, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := setVolumeOwnership(root, 2000, false, fsGroupChangeOnRootMismatch); err != nil {
		t.Fatal(err)
	}
	if gid, _ := gidMode(t, late); gid != 0 {
		t.Errorf("OnRootMismatch with a matching root walked the volume (gid %d)", gid)
	}
	if err := setVolumeOwnership(root, 3000, false, fsGroupChangeOnRootMismatch); err != nil {
		t.Fatal(err)
	}
	if gid, _ := gidMode(t, late); gid != 3000 {
		t.Errorf("OnRootMismatch with another group: gid %d, want 3000", gid)
	}
	if err := os.Chown(late, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := setVolumeOwnership(root, 3000, false, "Always"); err != nil {
		t.Fatal(err)
	}
	if gid, _ := gidMode(t, late); gid != 3000 {
		t.Errorf("Always: gid %d, want 3000", gid)
	}
}

func TestFSGroupVolumes(t *testing.T) {
	pod := &api.Pod{Spec: api.PodSpec{Volumes: []api.Volume{
		{Name: "scratch", VolumeSource: api.VolumeSource{EmptyDir: &api.EmptyDirVolumeSource{}}},
		{Name: "host", VolumeSource: api.VolumeSource{HostPath: &api.HostPathVolumeSource{Path: "/etc"}}},
		{Name: "cfg", VolumeSource: api.VolumeSource{ConfigMap: &api.ConfigMapVolumeSource{}}},
	}}}
	paths := map[string]string{"scratch": "/v/scratch", "host": "/etc", "cfg": "/v/cfg"}
	got := fsGroupVolumes(pod, paths)
	want := []ownedVolume{{dir: "/v/scratch"}, {dir: "/v/cfg", readOnly: true}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("fsGroupVolumes = %+v, want %+v (no hostPath)", got, want)
	}
	if err := applyFSGroup(&api.Pod{Spec: api.PodSpec{SecurityContext: &api.PodSecurityContext{}}}, paths); err != nil {
		t.Errorf("no fsGroup must do nothing: %v", err)
	}
}
