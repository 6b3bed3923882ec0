package integration

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver"
	"minik8s/apiserver/storage"
	"minik8s/apiserver/testserver"
	"minik8s/test/testpki"
)

// tcpListeners returns the local addresses of the TCP sockets this process
// listens on (from /proc/net/tcp{,6} and the process's socket inodes).
func tcpListeners(t *testing.T) []string {
	t.Helper()
	mine := map[string]bool{}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, fd := range fds {
		if l, err := os.Readlink("/proc/self/fd/" + fd.Name()); err == nil && strings.HasPrefix(l, "socket:[") {
			mine[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	var out []string
	for _, f := range []string{"/proc/self/net/tcp", "/proc/self/net/tcp6"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fs := strings.Fields(sc.Text())
			// sl local_address rem_address st ... inode (10th field)
			if len(fs) < 10 || fs[3] != "0A" || !mine[fs[9]] {
				continue
			}
			out = append(out, fs[1])
		}
		fh.Close()
	}
	return out
}

// hexPort is the port of a /proc/net/tcp address as it prints it.
func hexPort(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	var n int
	fmt.Sscan(p, &n)
	return fmt.Sprintf(":%04X", n)
}

// The embedded etcd serves only a unix socket in its 0700 data dir: the
// apiserver's process listens on no TCP port but its own.
func TestEmbeddedEtcdUnixSocket(t *testing.T) {
	ts := testserver.Start(t)
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces", "application/json",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"sock"}}`)
	listeners := tcpListeners(t)
	if len(listeners) != 1 || !strings.HasSuffix(listeners[0], hexPort(strings.TrimPrefix(ts.URL, "http://"))) {
		t.Errorf("TCP listeners of the process: %v, want only the apiserver's %s", listeners, ts.URL)
	}
	sock := filepath.Join(ts.DataDir, storage.SocketName)
	if fi, err := os.Stat(sock); err != nil || fi.Mode()&os.ModeSocket == 0 {
		t.Fatalf("etcd socket %s: %v %v", sock, fi, err)
	}
	if fi, err := os.Stat(ts.DataDir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir %s: %v %v, want 0700", ts.DataDir, fi, err)
	}
	// The socket is etcd's: a client reads the apiserver's objects there.
	st, err := storage.NewEtcd([]string{"unix://" + sock})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := st.Get(ctx, "/registry/namespaces/sock"); err != nil {
		t.Errorf("reading through the socket: %v", err)
	}
}

// An etcd over TLS with client-certificate auth (the embedded etcd in its
// TCP+TLS mode, standing for an external cluster): clients without a
// certificate, or with one of another CA, are refused; the apiserver with
// --etcd-cafile/--etcd-certfile/--etcd-keyfile keeps its objects there.
func TestExternalEtcdTLS(t *testing.T) {
	ca := testpki.NewCA(t, "etcd")
	srvCert, srvKey := ca.Issue(t, "etcd-server", nil, "127.0.0.1", "localhost")
	cliCert, cliKey := ca.Issue(t, "kube-apiserver-etcd-client", nil)
	emb, err := storage.StartEmbedded(storage.EmbeddedConfig{DataDir: t.TempDir(), NoFsync: true, LogLevel: "fatal", TCP: true,
		TLS: &storage.EmbeddedTLS{CertFile: srvCert, KeyFile: srvKey, ClientCAFile: ca.File}})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	url := emb.ClientURL()
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("client URL %s, want https on loopback", url)
	}
	try := func(files storage.TLSFiles) error {
		st, err := storage.NewEtcdTLS([]string{url}, files)
		if err != nil {
			return err
		}
		defer st.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err = st.Revision(ctx)
		return err
	}
	if err := try(storage.TLSFiles{CAFile: ca.File}); err == nil {
		t.Error("a client without a certificate reached etcd")
	}
	other := testpki.NewCA(t, "other")
	oCert, oKey := other.Issue(t, "intruder", nil)
	if err := try(storage.TLSFiles{CAFile: ca.File, CertFile: oCert, KeyFile: oKey}); err == nil {
		t.Error("a client with another CA's certificate reached etcd")
	}
	if err := try(storage.TLSFiles{CertFile: cliCert, KeyFile: cliKey}); err == nil {
		t.Error("the client trusted etcd's certificate without --etcd-cafile")
	}
	if err := try(storage.TLSFiles{CAFile: ca.File, CertFile: cliCert, KeyFile: cliKey}); err != nil {
		t.Fatalf("the right client certificate: %v", err)
	}
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.EtcdServers = []string{url}
		o.EtcdCAFile, o.EtcdCertFile, o.EtcdKeyFile = ca.File, cliCert, cliKey
	})
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces", "application/json",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"tls"}}`)
	ts.Restart(t)
	mustDo(t, http.StatusOK, "GET", ts.URL+"/api/v1/namespaces/tls", "", "")
}
