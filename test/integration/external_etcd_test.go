package integration

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/storage"
	"minik8s/apiserver/testserver"
)

// startExternalEtcd runs Debian's etcd binary (etcd-server) on loopback
// ports in a temp dir, as an external cluster of one member.
func startExternalEtcd(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("etcd (Debian etcd-server, installed by make deps) is required in CI: %v", err)
		}
		t.Skipf("etcd not installed: %v", err)
	}
	cport, err := storage.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	pport, err := storage.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	curl := fmt.Sprintf("http://127.0.0.1:%d", cport)
	purl := fmt.Sprintf("http://127.0.0.1:%d", pport)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--name", "ext", "--data-dir", t.TempDir(),
		"--listen-client-urls", curl, "--advertise-client-urls", curl,
		"--listen-peer-urls", purl, "--initial-advertise-peer-urls", purl,
		"--initial-cluster", "ext="+purl, "--log-level", "error")
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting etcd: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(curl + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return curl
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("external etcd not healthy at %s: %v", curl, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestExternalEtcd: with --etcd-servers the apiserver keeps its objects in
// that cluster (no embedded etcd), and they survive an apiserver restart.
func TestExternalEtcd(t *testing.T) {
	url := startExternalEtcd(t)
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) { o.EtcdServers = []string{url} })
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces/default/pods", "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ext"},"spec":{"containers":[{"name":"c","image":"minik8s/tools:latest"}]}}`)
	if entries, err := os.ReadDir(ts.DataDir); err != nil || len(entries) != 0 {
		t.Fatalf("the embedded etcd data dir must stay unused with --etcd-servers: %v %v", entries, err)
	}
	ts.Restart(t)
	b := mustDo(t, http.StatusOK, "GET", ts.URL+"/api/v1/namespaces/default/pods/ext", "", "")
	if p := decodeInto[struct{ Metadata struct{ Name string } }](t, b); p.Metadata.Name != "ext" {
		t.Fatalf("after restart: %s", b)
	}
}
