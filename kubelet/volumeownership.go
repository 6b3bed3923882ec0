package kubelet

// fsGroup: the pod's volumes are made the group's, as Kubernetes'
// volume.SetVolumeOwnership does for emptyDir, configMap, secret,
// projected and downwardAPI volumes.

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"minik8s/pkg/api"
)

// Permission bits SetVolumeOwnership adds.
const (
	rwMask   = os.FileMode(0o660)
	roMask   = os.FileMode(0o440)
	execMask = os.FileMode(0o110)
)

const fsGroupChangeOnRootMismatch = "OnRootMismatch"

// ownedVolume is a volume whose ownership fsGroup changes.
type ownedVolume struct {
	dir      string
	readOnly bool // configMap, secret, projected, downwardAPI: g+r, not g+w
}

// fsGroupVolumes are the pod's volumes fsGroup applies to (not hostPath),
// with their directories from paths.
func fsGroupVolumes(pod *api.Pod, paths map[string]string) []ownedVolume {
	var out []ownedVolume
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		dir, ok := paths[v.Name]
		if !ok || v.HostPath != nil {
			continue
		}
		out = append(out, ownedVolume{dir: dir, readOnly: isConfigVolume(v)})
	}
	return out
}

// applyFSGroup gives the pod's volumes to its fsGroup (nothing without one).
func applyFSGroup(pod *api.Pod, paths map[string]string) error {
	sc := pod.Spec.SecurityContext
	if sc == nil || sc.FSGroup == nil {
		return nil
	}
	policy := ""
	if sc.FSGroupChangePolicy != nil {
		policy = *sc.FSGroupChangePolicy
	}
	for _, v := range fsGroupVolumes(pod, paths) {
		if err := setVolumeOwnership(v.dir, *sc.FSGroup, v.readOnly, policy); err != nil {
			return fmt.Errorf("applying fsGroup %d to %s: %w", *sc.FSGroup, v.dir, err)
		}
	}
	return nil
}

// setVolumeOwnership is Kubernetes' SetVolumeOwnership: every file and
// directory under dir gets group fsGroup and the group bits rw (r for a
// read-only volume), directories also x and setgid, so files created
// later are the group's too. With OnRootMismatch nothing is done when
// dir already looks done.
func setVolumeOwnership(dir string, fsGroup int64, readOnly bool, policy string) error {
	if policy == fsGroupChangeOnRootMismatch && !requiresPermissionChange(dir, fsGroup, readOnly) {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return changeFilePermission(path, fsGroup, readOnly, info)
	})
}

func changeFilePermission(path string, fsGroup int64, readOnly bool, info fs.FileInfo) error {
	if err := os.Lchown(path, -1, int(fsGroup)); err != nil {
		return fmt.Errorf("lchown %s: %w", path, err)
	}
	// A symlink's mode means nothing; chmod would change its target.
	if info.Mode()&os.ModeSymlink != 0 {
		return nil
	}
	mask := rwMask
	if readOnly {
		mask = roMask
	}
	if info.IsDir() {
		mask |= os.ModeSetgid | execMask
	}
	if err := os.Chmod(path, info.Mode()|mask); err != nil {
		return fmt.Errorf("chmod %s: %w", path, err)
	}
	return nil
}

// requiresPermissionChange is Kubernetes': the root is not the group's,
// lacks the group bits, or lacks setgid.
func requiresPermissionChange(dir string, fsGroup int64, readOnly bool) bool {
	fi, err := os.Stat(dir)
	if err != nil {
		return true
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || int64(st.Gid) != fsGroup || !fi.IsDir() {
		return true
	}
	perms := rwMask
	if readOnly {
		perms = roMask
	}
	perms |= execMask
	return fi.Mode().Perm()&perms != perms || fi.Mode()&os.ModeSetgid == 0
}
