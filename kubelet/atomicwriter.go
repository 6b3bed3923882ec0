package kubelet

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// The atomic writer of configMap, secret, downwardAPI and projected
// volumes, as Kubernetes' pkg/volume/util AtomicWriter: the files live in
// a timestamped directory ..YYYY_MM_DD_HH_MM_SS.NNNN; the symlink ..data
// points at the current one and is swapped with a rename, so a reader
// sees the old set or the new set, never a mix; each user-visible top
// level name is a symlink through ..data ("key" -> "..data/key").

const (
	dataDirName    = "..data"
	newDataDirName = "..data_tmp"
)

// fileProjection is one file of a volume: its content and mode.
type fileProjection struct {
	Data []byte
	Mode int32
}

// validatePayloadPath refuses absolute paths, ".." elements and paths
// starting with "..", which could escape the volume or clash with the
// writer's own names.
func validatePayloadPath(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("invalid path: must not be empty")
	case filepath.IsAbs(p):
		return fmt.Errorf("invalid path: must be relative path: %s", p)
	case strings.HasPrefix(p, ".."):
		return fmt.Errorf("invalid path: must not start with '..': %s", p)
	}
	for _, elem := range strings.Split(p, string(os.PathSeparator)) {
		if elem == ".." {
			return fmt.Errorf("invalid path: must not contain '..': %s", p)
		}
	}
	return nil
}

// writeAtomic makes dir hold exactly payload. It writes nothing when the
// current data already equals it; changed says whether it wrote.
func writeAtomic(dir string, payload map[string]fileProjection) (changed bool, err error) {
	for p := range payload {
		if err := validatePayloadPath(p); err != nil {
			return false, err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("atomic write: %w", err)
	}
	oldTs, _ := os.Readlink(filepath.Join(dir, dataDirName))
	if oldTs != "" && payloadEqual(filepath.Join(dir, oldTs), payload) {
		return false, nil
	}
	tsDir, err := os.MkdirTemp(dir, time.Now().UTC().Format("..2006_01_02_15_04_05."))
	if err != nil {
		return false, fmt.Errorf("atomic write: %w", err)
	}
	tsName := filepath.Base(tsDir)
	defer func() {
		if err != nil {
			os.RemoveAll(tsDir)
		}
	}()
	if err = os.Chmod(tsDir, 0o755); err != nil {
		return false, fmt.Errorf("atomic write: %w", err)
	}
	for p, f := range payload {
		full := filepath.Join(tsDir, p)
		if err = os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return false, fmt.Errorf("atomic write: %w", err)
		}
		if err = os.WriteFile(full, f.Data, os.FileMode(f.Mode)); err != nil {
			return false, fmt.Errorf("atomic write: %w", err)
		}
		if err = os.Chmod(full, os.FileMode(f.Mode)); err != nil { // past the umask
			return false, fmt.Errorf("atomic write: %w", err)
		}
	}
	tmpLink := filepath.Join(dir, newDataDirName)
	os.Remove(tmpLink)
	if err = os.Symlink(tsName, tmpLink); err != nil {
		return false, fmt.Errorf("atomic write: %w", err)
	}
	if err = os.Rename(tmpLink, filepath.Join(dir, dataDirName)); err != nil {
		os.Remove(tmpLink)
		return false, fmt.Errorf("atomic write: %w", err)
	}
	// The user-visible names: create the new ones, drop the gone ones.
	want := topLevelNames(payload)
	for name := range want {
		link := filepath.Join(dir, name)
		if target, lerr := os.Readlink(link); lerr == nil && target == filepath.Join(dataDirName, name) {
			continue
		}
		os.RemoveAll(link)
		if err = os.Symlink(filepath.Join(dataDirName, name), link); err != nil {
			return true, fmt.Errorf("atomic write: %w", err)
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, "..") || want[n] {
			continue
		}
		os.RemoveAll(filepath.Join(dir, n))
	}
	if oldTs != "" && oldTs != tsName {
		os.RemoveAll(filepath.Join(dir, oldTs))
	}
	return true, nil
}

// topLevelNames are the first path elements of the payload's paths.
func topLevelNames(payload map[string]fileProjection) map[string]bool {
	out := map[string]bool{}
	for p := range payload {
		first, _, _ := strings.Cut(filepath.Clean(p), string(os.PathSeparator))
		out[first] = true
	}
	return out
}

// payloadEqual says whether tsDir holds exactly payload's files and
// contents. Modes are not compared, as Kubernetes' atomic writer compares
// only content: they come from the pod's spec, which cannot change, and
// fsGroup adds group bits after the write (a Secret's 0400 becomes 0440),
// which must not make every refresh rewrite the volume.
func payloadEqual(tsDir string, payload map[string]fileProjection) bool {
	var have []string
	err := filepath.WalkDir(tsDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(tsDir, p)
			have = append(have, rel)
		}
		return nil
	})
	if err != nil || len(have) != len(payload) {
		return false
	}
	sort.Strings(have)
	for _, rel := range have {
		f, ok := payload[filepath.Clean(rel)]
		if !ok {
			f, ok = payload[rel]
		}
		if !ok {
			return false
		}
		full := filepath.Join(tsDir, rel)
		b, err := os.ReadFile(full)
		if err != nil || !bytes.Equal(b, f.Data) {
			return false
		}
	}
	return true
}
