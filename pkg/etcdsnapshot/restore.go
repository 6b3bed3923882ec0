package etcdsnapshot

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"
)

// DefaultBumpRevision is how far a restore moves etcd's revision past the
// snapshot's, as etcd's recovery guide advises for Kubernetes: clients
// hold resourceVersions up to the moment of the restore, newer than the
// snapshot, and must never see the store go back in time.
const DefaultBumpRevision = 1_000_000_000

// RestoreOptions says which snapshot to restore and where to.
type RestoreOptions struct {
	Snapshot string // snapshot file

	// Embedded: the apiserver's --data-dir. The current dir is moved aside
	// (never deleted) and the restored one takes its place.
	DataDir string

	// External member (as `etcdutl snapshot restore`): any of these set
	// means an external member's data dir is produced in OutputDataDir.
	Name                string // --name
	InitialCluster      string // --initial-cluster (default Name=PeerURLs)
	PeerURLs            string // --initial-advertise-peer-urls (default http://localhost:2380)
	InitialClusterToken string // --initial-cluster-token (default etcd-cluster)
	OutputDataDir       string // --output-data-dir (default Name.etcd)

	// BumpRevision moves the revision past the snapshot's; MarkCompacted
	// marks everything up to there compacted, so that a watch from an
	// older resourceVersion gets 410 Gone and re-lists.
	BumpRevision  uint64
	MarkCompacted bool

	Now func() time.Time
}

// External says whether o restores an external member.
func (o RestoreOptions) External() bool {
	return o.Name != "" || o.InitialCluster != "" || o.PeerURLs != "" || o.OutputDataDir != ""
}

// restorePlan is what Restore does, decided from the options alone.
type restorePlan struct {
	target  string // the data dir that ends up restored
	staging string // restored here first, then renamed to target ("" = target directly)
	aside   string // where the old target goes ("" = nothing moved)
	cfg     snapshot.RestoreConfig
}

// planRestore checks the options and decides the dirs and etcd's restore
// configuration; exists says whether a path exists.
func planRestore(o RestoreOptions, exists func(string) bool) (restorePlan, error) {
	var p restorePlan
	if o.Snapshot == "" {
		return p, errors.New("no snapshot file given")
	}
	if o.BumpRevision > 0 && !o.MarkCompacted {
		return p, errors.New("--bump-revision needs --mark-compacted: a watch from a revision in the skipped range would otherwise wait forever instead of getting 410 Gone")
	}
	if o.MarkCompacted && o.BumpRevision == 0 {
		return p, errors.New("--mark-compacted needs --bump-revision > 0")
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	stamp := strconv.FormatInt(now().Unix(), 10)
	p.cfg = snapshot.RestoreConfig{
		SnapshotPath:        o.Snapshot,
		InitialClusterToken: o.InitialClusterToken,
		RevisionBump:        o.BumpRevision,
		MarkCompacted:       o.MarkCompacted,
	}
	if p.cfg.InitialClusterToken == "" {
		p.cfg.InitialClusterToken = defaultToken
	}
	if o.External() {
		if o.DataDir != "" {
			return p, errors.New("--data-dir (embedded etcd) and an external member (--name, --initial-cluster, --initial-advertise-peer-urls, --output-data-dir) exclude each other")
		}
		if o.Name == "" {
			return p, errors.New("an external member needs --name")
		}
		peers := o.PeerURLs
		if peers == "" {
			peers = embeddedPeerURL
		}
		cluster := o.InitialCluster
		if cluster == "" {
			cluster = o.Name + "=" + peers
		}
		if !clusterHasMember(cluster, o.Name) {
			return p, fmt.Errorf("--initial-cluster %q has no member named %q", cluster, o.Name)
		}
		p.target = o.OutputDataDir
		if p.target == "" {
			p.target = o.Name + ".etcd"
		}
		if exists(p.target) {
			return p, fmt.Errorf("output data dir %s already exists: give a new one", p.target)
		}
		p.cfg.Name, p.cfg.PeerURLs, p.cfg.InitialCluster = o.Name, strings.Split(peers, ","), cluster
		p.cfg.OutputDataDir = p.target
		return p, nil
	}
	if o.DataDir == "" {
		return p, errors.New("no data dir: give --data-dir (the apiserver's embedded etcd) or an external member's --name")
	}
	p.target = filepath.Clean(o.DataDir)
	p.staging = p.target + ".restore-" + stamp
	if exists(p.staging) {
		return p, fmt.Errorf("staging dir %s already exists", p.staging)
	}
	if exists(p.target) {
		p.aside = p.target + "-old-" + stamp
		if exists(p.aside) {
			return p, fmt.Errorf("%s already exists: cannot move the current data dir aside", p.aside)
		}
	}
	p.cfg.Name, p.cfg.PeerURLs = embeddedName, []string{embeddedPeerURL}
	p.cfg.InitialCluster = embeddedName + "=" + embeddedPeerURL
	p.cfg.OutputDataDir = p.staging
	return p, nil
}

// clusterHasMember says whether name is one of cluster's name=url pairs.
func clusterHasMember(cluster, name string) bool {
	for _, kv := range strings.Split(cluster, ",") {
		if n, _, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && n == name {
			return true
		}
	}
	return false
}

// RestoreResult says what a restore did.
type RestoreResult struct {
	Snapshot Info
	DataDir  string // restored data dir
	Aside    string // where the previous data dir went ("" = there was none)
	Revision int64  // the restored store's revision (snapshot's + bump)
	Took     time.Duration
}

// Restore restores o.Snapshot into a data dir (see RestoreOptions). An
// embedded data dir must not be in use: Restore refuses while its etcd runs.
func Restore(o RestoreOptions) (RestoreResult, error) {
	var res RestoreResult
	start := time.Now()
	p, err := planRestore(o, pathExists)
	if err != nil {
		return res, err
	}
	if res.Snapshot, err = Stat(o.Snapshot); err != nil {
		return res, err
	}
	if !o.External() {
		if err := checkNotRunning(p.target); err != nil {
			return res, err
		}
	}
	if err := snapshot.NewV3(zap.NewNop()).Restore(p.cfg); err != nil {
		if p.staging != "" {
			os.RemoveAll(p.staging) // ours, half written; the data dir is untouched
		}
		return res, fmt.Errorf("restoring %s into %s: %w", o.Snapshot, p.cfg.OutputDataDir, err)
	}
	if p.staging != "" {
		if p.aside != "" {
			if err := os.Rename(p.target, p.aside); err != nil {
				return res, fmt.Errorf("moving the current data dir aside (the restored one is in %s): %w", p.staging, err)
			}
		}
		if err := os.Rename(p.staging, p.target); err != nil {
			return res, fmt.Errorf("putting the restored data dir in place (it is in %s; the old one in %s): %w", p.staging, p.aside, err)
		}
	}
	// The embedded etcd's socket lives in its data dir: only its owner may
	// reach it.
	if err := os.Chmod(p.target, 0o700); err != nil {
		return res, fmt.Errorf("restored data dir: %w", err)
	}
	res.DataDir, res.Aside = p.target, p.aside
	res.Revision = res.Snapshot.Revision + int64(o.BumpRevision)
	res.Took = time.Since(start)
	return res, nil
}

func pathExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// checkNotRunning fails if an etcd serves the data dir: its unix socket
// answers, or its database is locked (bbolt holds an exclusive flock on
// member/snap/db while etcd runs, whatever it listens on).
func checkNotRunning(dataDir string) error {
	sock := filepath.Join(dataDir, SocketName)
	if c, err := net.DialTimeout("unix", sock, time.Second); err == nil {
		c.Close()
		return fmt.Errorf("the embedded etcd in %s is running (its socket %s answers): stop the apiserver first", dataDir, sock)
	}
	db := filepath.Join(dataDir, "member", "snap", "db")
	f, err := os.Open(db)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("checking whether etcd uses %s: %w", db, err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("the etcd database %s is in use (locked): stop the apiserver first", db)
		}
		return fmt.Errorf("checking whether etcd uses %s: %w", db, err)
	}
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
