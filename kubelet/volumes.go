package kubelet

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// podDirs are a pod's directories under the kubelet's root dir:
// <root>/pods/<uid>/volumes/<name> (emptyDir) and <root>/pods/<uid>/logs.
type podDirs struct{ root string }

func (d podDirs) pod(uid string) string { return filepath.Join(d.root, "pods", uid) }
func (d podDirs) volume(uid, name string) string {
	return filepath.Join(d.pod(uid), "volumes", name)
}
func (d podDirs) log(uid, container string, attempt uint32) string {
	return filepath.Join(d.pod(uid), "logs", container, strconv.FormatUint(uint64(attempt), 10)+".log")
}

// hostPath types.
const (
	hostPathUnset             = ""
	hostPathDirectoryOrCreate = "DirectoryOrCreate"
	hostPathDirectory         = "Directory"
	hostPathFileOrCreate      = "FileOrCreate"
	hostPathFile              = "File"
	hostPathSocket            = "Socket"
	hostPathCharDev           = "CharDevice"
	hostPathBlockDev          = "BlockDevice"
)

// checkHostPath makes or checks a hostPath volume as its type says.
func checkHostPath(path, typ string) error {
	fi, err := os.Stat(path)
	switch typ {
	case hostPathUnset:
		return nil
	case hostPathDirectoryOrCreate:
		if os.IsNotExist(err) {
			return os.MkdirAll(path, 0o755)
		}
		if err == nil && !fi.IsDir() {
			return fmt.Errorf("hostPath %s exists and is not a directory", path)
		}
		return err
	case hostPathFileOrCreate:
		if os.IsNotExist(err) {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o644)
			if err != nil {
				return err
			}
			return f.Close()
		}
		if err == nil && fi.IsDir() {
			return fmt.Errorf("hostPath %s exists and is a directory", path)
		}
		return err
	}
	if err != nil {
		return fmt.Errorf("hostPath %s: %w", path, err)
	}
	mode := fi.Mode()
	ok := map[string]bool{
		hostPathDirectory: mode.IsDir(),
		hostPathFile:      mode.IsRegular(),
		hostPathSocket:    mode&os.ModeSocket != 0,
		hostPathCharDev:   mode&os.ModeCharDevice != 0,
		hostPathBlockDev:  mode&os.ModeDevice != 0 && mode&os.ModeCharDevice == 0,
	}[typ]
	if !ok {
		return fmt.Errorf("hostPath %s is not a %s", path, typ)
	}
	return nil
}

// ensureVolumes creates the pod's emptyDirs, checks its hostPaths, and
// returns the host path of every volume.
func (d podDirs) ensureVolumes(podUID string, vols []volumeSpec) (map[string]string, error) {
	out := map[string]string{}
	for _, v := range vols {
		switch {
		case v.hostPath != "":
			if err := checkHostPath(v.hostPath, v.hostPathType); err != nil {
				return nil, fmt.Errorf("volume %s: %w", v.name, err)
			}
			out[v.name] = v.hostPath
		default: // emptyDir
			p := d.volume(podUID, v.name)
			if err := os.MkdirAll(p, 0o777); err != nil {
				return nil, fmt.Errorf("volume %s: %w", v.name, err)
			}
			_ = os.Chmod(p, 0o777) // like Kubernetes: writable by any container user
			out[v.name] = p
		}
	}
	return out, nil
}

// removePod removes a pod's directory (emptyDirs, logs).
func (d podDirs) removePod(uid string) error {
	if uid == "" {
		return nil
	}
	if err := os.RemoveAll(d.pod(uid)); err != nil {
		return fmt.Errorf("remove pod dir of %s: %w", uid, err)
	}
	return nil
}

// volumeSpec is a pod volume reduced to what the kubelet does with it.
type volumeSpec struct {
	name         string
	hostPath     string // "" = emptyDir
	hostPathType string
}
