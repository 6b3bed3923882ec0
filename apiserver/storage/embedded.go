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
type EmbeddedConfig struct {
	DataDir    string // kept across restarts
	ClientPort int    // 0: a free port on 127.0.0.1
	PeerPort   int    // 0: a free port on 127.0.0.1
	LogLevel   string // zap level: debug, info, warn (default), error, fatal
	LogFile    string // empty: stderr
	NoFsync    bool   // tests only: much faster, unsafe on power loss
}

// Embedded is a running in-process etcd server.
type Embedded struct {
	etcd      *embed.Etcd
	clientURL string
}

// StartEmbedded starts etcd in-process on loopback and waits until it serves.
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("embedded etcd: empty data directory")
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded etcd data dir: %w", err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		e, err := startEmbeddedOnce(cfg)
		if err == nil {
			return e, nil
		}
		lastErr = err
		if cfg.ClientPort != 0 && cfg.PeerPort != 0 {
			break // fixed ports: retrying will not help
		}
	}
	return nil, lastErr
}

func startEmbeddedOnce(cfg EmbeddedConfig) (*Embedded, error) {
	cport, pport := cfg.ClientPort, cfg.PeerPort
	var err error
	if cport == 0 {
		if cport, err = FreePort(); err != nil {
			return nil, err
		}
	}
	if pport == 0 {
		if pport, err = FreePort(); err != nil {
			return nil, err
		}
	}
	ec := embed.NewConfig()
	ec.Name = "minik8s"
	ec.Dir = filepath.Clean(cfg.DataDir)
	curl, _ := url.Parse("http://127.0.0.1:" + strconv.Itoa(cport))
	purl, _ := url.Parse("http://127.0.0.1:" + strconv.Itoa(pport))
	ec.ListenClientUrls, ec.AdvertiseClientUrls = []url.URL{*curl}, []url.URL{*curl}
	ec.ListenPeerUrls, ec.AdvertisePeerUrls = []url.URL{*purl}, []url.URL{*purl}
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
