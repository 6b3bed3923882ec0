package apiserver

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
)

// kubeletTLSEnabled reports whether the apiserver talks HTTPS to kubelets
// (--kubelet-client-certificate/--kubelet-client-key, or
// --kubelet-certificate-authority, set).
func (s *Server) kubeletTLSEnabled() bool {
	o := &s.opts
	return o.KubeletClientCertificate != "" || o.KubeletCertificateAuthority != ""
}

// kubeletTLSConfig is the apiserver's TLS towards kubelets: its client
// certificate, and the kubelets' serving certificates verified with
// --kubelet-certificate-authority (their SANs are the node IP and name;
// the apiserver dials the IP). Without a CA the serving certificate is not
// verified, as Kubernetes does. The files are read at each use, so a
// renewed certificate is picked up.
func (s *Server) kubeletTLSConfig() (*tls.Config, error) {
	o := &s.opts
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if (o.KubeletClientCertificate == "") != (o.KubeletClientKey == "") {
		return nil, fmt.Errorf("--kubelet-client-certificate and --kubelet-client-key go together")
	}
	if o.KubeletClientCertificate != "" {
		cert, err := tls.LoadX509KeyPair(o.KubeletClientCertificate, o.KubeletClientKey)
		if err != nil {
			return nil, fmt.Errorf("kubelet client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if o.KubeletCertificateAuthority == "" {
		cfg.InsecureSkipVerify = true //nolint:gosec // Kubernetes' behaviour without --kubelet-certificate-authority
		return cfg, nil
	}
	pem, err := os.ReadFile(o.KubeletCertificateAuthority)
	if err != nil {
		return nil, fmt.Errorf("--kubelet-certificate-authority: %w", err)
	}
	cfg.RootCAs = x509.NewCertPool()
	if !cfg.RootCAs.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--kubelet-certificate-authority %s: no certificate found", o.KubeletCertificateAuthority)
	}
	return cfg, nil
}

// failingTransport fails every request with err (a kubelet client that
// could not be configured).
type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(*http.Request) (*http.Response, error) { return nil, f.err }
