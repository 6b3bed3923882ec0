package apiserver

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"os"
	"sync"
	"time"
)

// ErrNoServingCert is NewServer's answer to options with neither a serving
// certificate nor InsecureServing (tests).
var ErrNoServingCert = errors.New("--tls-cert-file and --tls-private-key-file are required; make them with `minik8s certs`")

// checkServing validates the serving options: HTTPS needs both files,
// plain HTTP only InsecureServing (in-process tests).
func checkServing(o Options) error {
	switch {
	case o.InsecureServing:
		return nil
	case o.TLSCertFile == "" || o.TLSPrivateKeyFile == "":
		return ErrNoServingCert
	}
	return nil
}

// servingTLS is the apiserver's TLS configuration, as kube-apiserver's
// secure serving: TLS 1.2 or newer, the serving certificate re-read when
// its files change (renewal without restart), and client certificates
// requested but not verified here (the x509 authenticator verifies them
// against --client-ca-file, so a certificate of another CA is a 401, not
// a handshake failure); ClientCAs tells clients which certificates to
// offer. HTTP/1.1 only: exec, attach and port-forward hijack the
// connection.
func servingTLS(o Options) (*tls.Config, error) {
	cert := &reloadingCert{certFile: o.TLSCertFile, keyFile: o.TLSPrivateKeyFile}
	if err := cert.load(); err != nil {
		return nil, err
	}
	c := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: cert.get,
		ClientAuth:     tls.RequestClientCert,
		NextProtos:     []string{"http/1.1"},
	}
	if o.ClientCAFile != "" {
		data, err := os.ReadFile(o.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("--client-ca-file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("--client-ca-file %s: no PEM certificates", o.ClientCAFile)
		}
		c.ClientCAs = pool
	}
	return c, nil
}

// reloadingCert serves a certificate pair from files, re-reading them when
// their modification time or size changes (checked at most once a second).
type reloadingCert struct {
	certFile, keyFile string

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string
	checked time.Time
}

func fileStamp(paths ...string) string {
	s := ""
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return ""
		}
		s += fmt.Sprintf("%d/%d;", st.ModTime().UnixNano(), st.Size())
	}
	return s
}

func (r *reloadingCert) load() error {
	stamp := fileStamp(r.certFile, r.keyFile)
	pair, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return fmt.Errorf("serving certificate: %w", err)
	}
	r.cert, r.stamp = &pair, stamp
	return nil
}

func (r *reloadingCert) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if time.Since(r.checked) >= time.Second {
		r.checked = time.Now()
		if s := fileStamp(r.certFile, r.keyFile); s != "" && s != r.stamp {
			// A half-written pair fails to load: keep serving the old one.
			_ = r.load()
		}
	}
	return r.cert, nil
}

// serverErrorLog is http.Server's error log without the TLS handshake
// failures of clients that do not trust the CA or speak plain HTTP
// (kube-apiserver logs them only at high verbosity).
func serverErrorLog() *log.Logger {
	return log.New(handshakeFilter{}, "", log.LstdFlags)
}

type handshakeFilter struct{}

func (handshakeFilter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("http: TLS handshake error")) {
		return len(p), nil
	}
	return log.Writer().Write(p)
}
