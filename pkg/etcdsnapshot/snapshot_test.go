package etcdsnapshot

import (
	"context"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

func TestFileName(t *testing.T) {
	at := time.Unix(1700000000, 0)
	for _, tc := range []struct {
		name, node, want, err string
	}{
		{"on-demand", "mk8s-host", "on-demand-mk8s-host-1700000000", ""},
		{"etcd-snapshot", "n1", "etcd-snapshot-n1-1700000000", ""},
		{"", "n1", "", "snapshot name is empty"},
		{"x", "", "", "snapshot node name is empty"},
		{"a/b", "n1", "", `snapshot name "a/b" is not a file name`},
		{"x", "..", "", `snapshot node name ".." is not a file name`},
	} {
		got, err := FileName(tc.name, tc.node, at)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("FileName(%q, %q) error = %v, want %q", tc.name, tc.node, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("FileName(%q, %q) = %q, %v; want %q", tc.name, tc.node, got, err, tc.want)
		}
	}
}

func TestSourceEndpoints(t *testing.T) {
	got, err := Source{DataDir: "/var/lib/minik8s/etcd"}.endpoints()
	if err != nil || len(got) != 1 || got[0] != "unix:///var/lib/minik8s/etcd/etcd.sock" {
		t.Errorf("embedded endpoints = %v, %v", got, err)
	}
	got, err = Source{DataDir: "/d", Endpoints: []string{" https://a:2379", "", "https://b:2379"}}.endpoints()
	if err != nil || strings.Join(got, ",") != "https://a:2379,https://b:2379" {
		t.Errorf("external endpoints = %v, %v (the external etcd wins over --data-dir)", got, err)
	}
	if _, err := (Source{}).endpoints(); err == nil || !strings.Contains(err.Error(), "--data-dir") {
		t.Errorf("no source: error = %v", err)
	}
	if _, err := (Source{Endpoints: []string{"https://a:2379"}, CertFile: "c.pem"}).clientConfig("https://a:2379"); err == nil || !strings.Contains(err.Error(), "go together") {
		t.Errorf("cert without key: error = %v", err)
	}
}

func TestSaveWithoutEtcdFailsFast(t *testing.T) {
	dir := t.TempDir()
	start := time.Now()
	_, err := Save(context.Background(), SaveOptions{Source: Source{DataDir: filepath.Join(dir, "etcd")}, Dir: filepath.Join(dir, "snapshots"), Name: "on-demand", Node: "n1"})
	if err == nil || !strings.Contains(err.Error(), "no etcd answers on unix://") {
		t.Errorf("save with no etcd: error = %v", err)
	}
	if d := time.Since(start); d > 2*probeTimeout {
		t.Errorf("save with no etcd took %s", d)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "snapshots")); len(entries) != 0 {
		t.Errorf("save with no etcd left %d files", len(entries))
	}
}

func TestPlanRestore(t *testing.T) {
	now := func() time.Time { return time.Unix(1700000000, 0) }
	existing := map[string]bool{"/s/etcd": true, "/taken.etcd": true}
	exists := func(p string) bool { return existing[p] }
	bump := RestoreOptions{BumpRevision: DefaultBumpRevision, MarkCompacted: true, Now: now, Snapshot: "/snap"}
	with := func(f func(*RestoreOptions)) RestoreOptions { o := bump; f(&o); return o }
	for _, tc := range []struct {
		what                    string
		o                       RestoreOptions
		target, staging, aside  string
		name, cluster, peers, e string
	}{
		{what: "embedded, existing dir moved aside", o: with(func(o *RestoreOptions) { o.DataDir = "/s/etcd/" }),
			target: "/s/etcd", staging: "/s/etcd.restore-1700000000", aside: "/s/etcd-old-1700000000",
			name: "minik8s", cluster: "minik8s=http://localhost:2380", peers: "http://localhost:2380"},
		{what: "embedded, no dir yet", o: with(func(o *RestoreOptions) { o.DataDir = "/new/etcd" }),
			target: "/new/etcd", staging: "/new/etcd.restore-1700000000",
			name: "minik8s", cluster: "minik8s=http://localhost:2380", peers: "http://localhost:2380"},
		{what: "external defaults", o: with(func(o *RestoreOptions) { o.Name = "m1" }),
			target: "m1.etcd", name: "m1", cluster: "m1=http://localhost:2380", peers: "http://localhost:2380"},
		{what: "external cluster", o: with(func(o *RestoreOptions) {
			o.Name, o.PeerURLs, o.OutputDataDir = "m2", "https://10.0.0.2:2380", "/x/m2"
			o.InitialCluster = "m1=https://10.0.0.1:2380,m2=https://10.0.0.2:2380"
		}), target: "/x/m2", name: "m2", cluster: "m1=https://10.0.0.1:2380,m2=https://10.0.0.2:2380", peers: "https://10.0.0.2:2380"},
		{what: "no snapshot", o: RestoreOptions{DataDir: "/d"}, e: "no snapshot file given"},
		{what: "no target", o: bump, e: "no data dir"},
		{what: "both", o: with(func(o *RestoreOptions) { o.DataDir, o.Name = "/d", "m1" }), e: "exclude each other"},
		{what: "external without name", o: with(func(o *RestoreOptions) { o.OutputDataDir = "/x" }), e: "needs --name"},
		{what: "name not in cluster", o: with(func(o *RestoreOptions) { o.Name, o.InitialCluster = "m3", "m1=http://a:2380" }), e: `has no member named "m3"`},
		{what: "existing output", o: with(func(o *RestoreOptions) { o.Name, o.OutputDataDir = "m1", "/taken.etcd" }), e: "already exists"},
		{what: "bump without compaction", o: RestoreOptions{Snapshot: "/s", DataDir: "/d", BumpRevision: 5}, e: "--bump-revision needs --mark-compacted"},
		{what: "compaction without bump", o: RestoreOptions{Snapshot: "/s", DataDir: "/d", MarkCompacted: true}, e: "--mark-compacted needs --bump-revision"},
	} {
		p, err := planRestore(tc.o, exists)
		if tc.e != "" {
			if err == nil || !strings.Contains(err.Error(), tc.e) {
				t.Errorf("%s: error = %v, want %q", tc.what, err, tc.e)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.what, err)
			continue
		}
		if p.target != tc.target || p.staging != tc.staging || p.aside != tc.aside {
			t.Errorf("%s: dirs = %q %q %q, want %q %q %q", tc.what, p.target, p.staging, p.aside, tc.target, tc.staging, tc.aside)
		}
		c := p.cfg
		if c.Name != tc.name || c.InitialCluster != tc.cluster || strings.Join(c.PeerURLs, ",") != tc.peers || c.InitialClusterToken != "etcd-cluster" {
			t.Errorf("%s: restore config = %+v", tc.what, c)
		}
		if c.RevisionBump != DefaultBumpRevision || !c.MarkCompacted || c.SnapshotPath != "/snap" {
			t.Errorf("%s: bump/compaction/snapshot = %d %v %q", tc.what, c.RevisionBump, c.MarkCompacted, c.SnapshotPath)
		}
	}
}

func TestCheckNotRunning(t *testing.T) {
	dir := t.TempDir()
	if err := checkNotRunning(dir); err != nil {
		t.Fatalf("empty dir: %v", err)
	}
	// A locked database: etcd runs (whatever it listens on).
	db := filepath.Join(dir, "member", "snap", "db")
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(db)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := checkNotRunning(dir); err != nil {
		t.Fatalf("unlocked db: %v", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if err := checkNotRunning(dir); err == nil || !strings.Contains(err.Error(), "in use (locked): stop the apiserver first") {
		t.Errorf("locked db: error = %v", err)
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	// A socket that answers.
	l, err := net.Listen("unix", filepath.Join(dir, SocketName))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := checkNotRunning(dir); err == nil || !strings.Contains(err.Error(), "is running (its socket") {
		t.Errorf("answering socket: error = %v", err)
	}
}

// startEtcd runs an etcd on a unix socket in dir, as the apiserver's
// embedded one (same member name and peer URL).
func startEtcd(t *testing.T, dir string) (*embed.Etcd, *clientv3.Client) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	sock := "unix://" + filepath.Join(dir, SocketName)
	cfg := embed.NewConfig()
	cfg.Name, cfg.Dir, cfg.LogLevel, cfg.UnsafeNoFsync = embeddedName, dir, "fatal", true
	cfg.ListenClientUrls = []url.URL{{Scheme: "unix", Path: filepath.Join(dir, SocketName)}}
	cfg.AdvertiseClientUrls = []url.URL{{Scheme: "unix", Host: "localhost:0"}}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = nil, []url.URL{{Scheme: "http", Host: "localhost:2380"}}
	cfg.InitialCluster = embeddedName + "=" + embeddedPeerURL
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(30 * time.Second):
		t.Fatal("etcd not ready")
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{sock}, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	return e, cli
}

func TestSaveListRestoreRoundTrip(t *testing.T) {
	base := t.TempDir()
	dataDir := filepath.Join(base, "etcd")
	e, cli := startEtcd(t, dataDir)
	ctx := context.Background()
	for _, k := range []string{"/registry/a", "/registry/b"} {
		if _, err := cli.Put(ctx, k, "v"); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := cli.Get(ctx, "/registry/a")
	if err != nil {
		t.Fatal(err)
	}
	rev := resp.Header.Revision
	snapDir := filepath.Join(base, "snapshots")
	info, err := Save(ctx, SaveOptions{Source: Source{DataDir: dataDir}, Dir: snapDir, Name: "on-demand", Node: "n1",
		Now: func() time.Time { return time.Unix(1700000000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	if info.Path != filepath.Join(snapDir, "on-demand-n1-1700000000") || info.Revision != rev || info.Size == 0 {
		t.Errorf("Save = %+v, want revision %d", info, rev)
	}
	if fi, err := os.Stat(info.Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("snapshot file mode = %v, %v; want 0600", fi.Mode(), err)
	}
	if _, err := cli.Put(ctx, "/registry/c", "after"); err != nil { // not in the snapshot
		t.Fatal(err)
	}
	// Refused while etcd runs; nothing is moved.
	if _, err := Restore(RestoreOptions{Snapshot: info.Path, DataDir: dataDir, BumpRevision: 1000, MarkCompacted: true}); err == nil || !strings.Contains(err.Error(), "stop the apiserver first") {
		t.Fatalf("restore while running: error = %v", err)
	}
	cli.Close()
	e.Close()

	infos, err := List(snapDir)
	if err != nil || len(infos) != 1 || infos[0].Revision != rev {
		t.Fatalf("List = %+v, %v", infos, err)
	}
	res, err := Restore(RestoreOptions{Snapshot: info.Path, DataDir: dataDir, BumpRevision: 1000, MarkCompacted: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Aside == "" || !pathExists(filepath.Join(res.Aside, "member", "snap", "db")) {
		t.Errorf("the old data dir was not kept: aside = %q", res.Aside)
	}
	if res.Revision != rev+1000 {
		t.Errorf("restored revision = %d, want %d", res.Revision, rev+1000)
	}
	e, cli = startEtcd(t, dataDir)
	defer e.Close()
	defer cli.Close()
	got, err := cli.Get(ctx, "/registry/", clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range got.Kvs {
		keys = append(keys, string(kv.Key))
	}
	if strings.Join(keys, ",") != "/registry/a,/registry/b" {
		t.Errorf("restored keys = %v, want the snapshot's a and b", keys)
	}
	if got.Header.Revision < rev+1000 {
		t.Errorf("revision after restore = %d, want ≥ %d (bumped)", got.Header.Revision, rev+1000)
	}
	put, err := cli.Put(ctx, "/registry/d", "new")
	if err != nil || put.Header.Revision <= rev+1000 {
		t.Errorf("first write after restore at revision %d (%v), want > %d", put.Header.Revision, err, rev+1000)
	}
	if _, err := cli.Get(ctx, "/registry/a", clientv3.WithRev(rev)); err == nil || !strings.Contains(err.Error(), "compacted") {
		t.Errorf("read at the snapshot's revision: error = %v, want compacted", err)
	}
}
