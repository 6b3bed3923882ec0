package storage

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// EmbeddedConfig says how to run the in-process etcd.
//
// By default etcd serves its clients only on a unix socket in the data dir
// (DataDir/etcd.sock; the dir is 0700, so only the apiserver's user can
// connect) and listens on no TCP port at all: a one-member cluster never
// dials its peers, so no peer listener is opened (the member's advertised
// peer URL is a name nothing listens on). With TCP set it serves clients
// on 127.0.0.1 instead (ClientPort, or a free port), over TLS with
// client-certificate auth when TLS is set too.
type EmbeddedConfig struct {
	DataDir    string // kept across restarts
	TCP        bool   // serve clients on 127.0.0.1:ClientPort instead of the unix socket
	ClientPort int    // with TCP: 0 is a free port on 127.0.0.1
	TLS        *EmbeddedTLS
	LogLevel   string // zap level: debug, info, warn (default), error, fatal
	LogFile    string // empty: stderr
	NoFsync    bool   // tests only: much faster, unsafe on power loss
}

// EmbeddedTLS is the serving certificate of a TCP embedded etcd and the CA
// its clients' certificates must be signed by (client-cert auth only).
type EmbeddedTLS struct {
	CertFile, KeyFile, ClientCAFile string
}

// SocketName is the embedded etcd's client socket in its data dir.
const SocketName = "etcd.sock"

// unixSocketMax is the longest unix socket path (sun_path less its NUL).
const unixSocketMax = 107

// Embedded is a running in-process etcd server.
type Embedded struct {
	etcd      *embed.Etcd
	clientURL string
}

// StartEmbedded starts etcd in-process (see EmbeddedConfig for where it
// listens) and waits until it serves.
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("embedded etcd: empty data directory")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded etcd data dir: %w", err)
	}
	// The socket is guarded by its dir: only the owner may reach it.
	if err := os.Chmod(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded etcd data dir: %w", err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		e, err := startEmbeddedOnce(cfg)
		if err == nil {
			return e, nil
		}
		lastErr = err
		if !cfg.TCP || cfg.ClientPort != 0 {
			break // only a free port picked too late is worth a retry
		}
	}
	return nil, lastErr
}

// clientURL is where the embedded etcd serves its clients.
func clientURL(cfg EmbeddedConfig) (*url.URL, error) {
	if !cfg.TCP {
		sock, err := filepath.Abs(filepath.Join(cfg.DataDir, SocketName))
		if err != nil {
			return nil, fmt.Errorf("embedded etcd socket: %w", err)
		}
		if len(sock) > unixSocketMax {
			return nil, fmt.Errorf("embedded etcd socket path %s is longer than %d bytes: use a shorter --data-dir", sock, unixSocketMax)
		}
		return &url.URL{Scheme: "unix", Path: sock}, nil
	}
	port := cfg.ClientPort
	if port == 0 {
		var err error
		if port, err = FreePort(); err != nil {
			return nil, err
		}
	}
	scheme := "http"
	if cfg.TLS != nil {
		scheme = "https"
	}
	return &url.URL{Scheme: scheme, Host: "127.0.0.1:" + strconv.Itoa(port)}, nil
}

func startEmbeddedOnce(cfg EmbeddedConfig) (*Embedded, error) {
	curl, err := clientURL(cfg)
	if err != nil {
		return nil, err
	}
	ec := embed.NewConfig()
	ec.Name = "minik8s"
	ec.Dir = filepath.Clean(cfg.DataDir)
	ec.ListenClientUrls, ec.AdvertiseClientUrls = []url.URL{*curl}, []url.URL{*curl}
	if curl.Scheme == "unix" {
		// etcd wants host:port in what it advertises (only shown in its
		// member list); a socket path has none.
		ec.AdvertiseClientUrls = []url.URL{{Scheme: "unix", Host: "localhost:0"}}
	}
	if cfg.TLS != nil {
		ec.ClientTLSInfo.CertFile, ec.ClientTLSInfo.KeyFile = cfg.TLS.CertFile, cfg.TLS.KeyFile
		ec.ClientTLSInfo.TrustedCAFile, ec.ClientTLSInfo.ClientCertAuth = cfg.TLS.ClientCAFile, true
	}
	// No peer listener: the only member never dials itself. The advertised
	// peer URL only names the member in the cluster's membership.
	purl := url.URL{Scheme: "http", Host: "localhost:2380"}
	ec.ListenPeerUrls, ec.AdvertisePeerUrls = nil, []url.URL{purl}
	ec.InitialCluster = ec.Name + "=" + purl.String()
	ec.LogLevel = cfg.LogLevel
	if ec.LogLevel == "" {
		ec.LogLevel = "warn"
	}
	if cfg.LogFile != "" {
		ec.LogOutputs = []string{cfg.LogFile}
	}
	ec.UnsafeNoFsync = cfg.NoFsync
	ec.WarningUnaryRequestDuration = embed.DefaultWarningUnaryRequestDuration
	ec.WatchProgressNotifyInterval = 5 * time.Second
	e, err := embed.StartEtcd(ec)
	if err != nil {
		return nil, fmt.Errorf("starting embedded etcd in %s: %w", cfg.DataDir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("embedded etcd: %w", err)
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("embedded etcd in %s: not ready after 60s", cfg.DataDir)
	}
	return &Embedded{etcd: e, clientURL: curl.String()}, nil
}

// ClientURL is the URL clients connect to.
func (e *Embedded) ClientURL() string { return e.clientURL }

// Err reports a fatal server error.
func (e *Embedded) Err() <-chan error { return e.etcd.Err() }

// Close stops the server.
func (e *Embedded) Close() { e.etcd.Close() }

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
