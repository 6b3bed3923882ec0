package etcdsnapshot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/etcdutl/v3/snapshot"
	"go.uber.org/zap"
)

// SocketName is the embedded etcd's client socket in its data dir (the
// apiserver's storage.SocketName; pkg/ imports no component, so it is
// repeated here).
const SocketName = "etcd.sock"

// Embedded member identity: how apiserver/storage starts its one-member
// etcd (member name, advertised peer URL, cluster token). A restore into
// the embedded data dir must produce the same member, or etcd refuses it.
const (
	embeddedName    = "minik8s"
	embeddedPeerURL = "http://localhost:2380"
	defaultToken    = "etcd-cluster"
)

// Source is where the etcd to snapshot is: the apiserver's embedded etcd
// (its data dir's unix socket) unless Endpoints are given.
type Source struct {
	DataDir   string   // --data-dir: the embedded etcd's data dir
	Endpoints []string // --etcd-servers: an external etcd
	CAFile    string   // --etcd-cafile
	CertFile  string   // --etcd-certfile
	KeyFile   string   // --etcd-keyfile
}

// endpoints are the etcd client URLs to try, in order.
func (s Source) endpoints() ([]string, error) {
	var eps []string
	for _, e := range s.Endpoints {
		if e = strings.TrimSpace(e); e != "" {
			eps = append(eps, e)
		}
	}
	if len(eps) > 0 {
		return eps, nil
	}
	if s.DataDir == "" {
		return nil, errors.New("no etcd to snapshot: give --data-dir (embedded etcd) or --etcd-servers")
	}
	dir, err := filepath.Abs(s.DataDir)
	if err != nil {
		return nil, fmt.Errorf("embedded etcd data dir: %w", err)
	}
	return []string{"unix://" + filepath.Join(dir, SocketName)}, nil
}

// clientConfig is the etcd client configuration for one endpoint.
func (s Source) clientConfig(endpoint string) (clientv3.Config, error) {
	cfg := clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()}
	if s.CAFile == "" && s.CertFile == "" && s.KeyFile == "" {
		return cfg, nil
	}
	if (s.CertFile == "") != (s.KeyFile == "") {
		return cfg, errors.New("etcd client TLS: --etcd-certfile and --etcd-keyfile go together")
	}
	info := transport.TLSInfo{CertFile: s.CertFile, KeyFile: s.KeyFile, TrustedCAFile: s.CAFile}
	tc, err := info.ClientConfig()
	if err != nil {
		return cfg, fmt.Errorf("etcd client TLS: %w", err)
	}
	cfg.TLS = tc
	return cfg, nil
}

// FileName is a snapshot's file name, as k3s names them:
// <name>-<node>-<unix seconds>.
func FileName(name, node string, at time.Time) (string, error) {
	for what, v := range map[string]string{"name": name, "node name": node} {
		if v == "" {
			return "", fmt.Errorf("snapshot %s is empty", what)
		}
		if strings.ContainsAny(v, "/\x00") || v == "." || v == ".." {
			return "", fmt.Errorf("snapshot %s %q is not a file name", what, v)
		}
	}
	return fmt.Sprintf("%s-%s-%d", name, node, at.Unix()), nil
}

// SaveOptions says what to snapshot and where to.
type SaveOptions struct {
	Source
	Dir  string // snapshot dir (created 0700)
	Name string // file name prefix (k3s: etcd-snapshot / on-demand)
	Node string // this node's name (default: the host name)
	Now  func() time.Time
}

// Info describes a saved or listed snapshot.
type Info struct {
	Path     string
	Size     int64
	Revision int64
	Keys     int
	Modified time.Time
	Took     time.Duration // Save only
}

// Save takes a snapshot of the etcd and writes it (0600) in o.Dir.
func Save(ctx context.Context, o SaveOptions) (Info, error) {
	eps, err := o.endpoints()
	if err != nil {
		return Info{}, err
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	began := time.Now() // Took is real time, whatever o.Now says
	name, err := FileName(o.Name, o.Node, now())
	if err != nil {
		return Info{}, err
	}
	if o.Dir == "" {
		return Info{}, errors.New("snapshot dir is empty")
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return Info{}, fmt.Errorf("snapshot dir: %w", err)
	}
	path := filepath.Join(o.Dir, name)
	if _, err := os.Stat(path); err == nil {
		return Info{}, fmt.Errorf("snapshot %s already exists", path)
	}
	var errs []error
	for _, ep := range eps {
		cfg, err := o.clientConfig(ep)
		if err != nil {
			return Info{}, err
		}
		if err = probe(ctx, cfg); err == nil {
			// etcd's Save writes path.part (0600) and renames it when complete.
			_, err = snapshot.NewV3(zap.NewNop()).Save(ctx, cfg, path)
		}
		if err == nil {
			errs = nil
			break
		}
		errs = append(errs, fmt.Errorf("%s: %w", ep, err))
	}
	if errs != nil {
		return Info{}, fmt.Errorf("saving etcd snapshot: %w", errors.Join(errs...))
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return Info{}, fmt.Errorf("snapshot %s: %w", path, err)
	}
	info, err := Stat(path)
	if err != nil {
		return Info{}, err
	}
	info.Took = time.Since(began)
	return info, nil
}

// probeTimeout bounds the check that an endpoint answers: etcd's client
// would otherwise wait for one as long as the context lets it.
const probeTimeout = 5 * time.Second

// probe checks that the one endpoint of cfg answers.
func probe(ctx context.Context, cfg clientv3.Config) error {
	cli, err := clientv3.New(cfg)
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if _, err := cli.Status(ctx, cfg.Endpoints[0]); err != nil {
		if strings.HasPrefix(cfg.Endpoints[0], "unix://") {
			return fmt.Errorf("no etcd answers on %s (is the apiserver running on this --data-dir?): %w", cfg.Endpoints[0], err)
		}
		return fmt.Errorf("etcd does not answer: %w", err)
	}
	return nil
}

// Stat reads a snapshot file's size, revision and key count (and checks
// its integrity, as `etcdutl snapshot status`).
func Stat(path string) (Info, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Info{}, fmt.Errorf("snapshot: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return Info{}, fmt.Errorf("snapshot %s is not a regular file", path)
	}
	st, err := snapshot.NewV3(zap.NewNop()).Status(path)
	if err != nil {
		return Info{}, fmt.Errorf("snapshot %s is not a readable etcd snapshot: %w", path, err)
	}
	return Info{Path: path, Size: fi.Size(), Revision: st.Revision, Keys: st.TotalKey, Modified: fi.ModTime()}, nil
}
