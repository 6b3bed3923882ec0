package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

// IsZero reports whether the TLS settings are all unset.
func (t TLSConfig) IsZero() bool {
	return t.CAFile == "" && t.CertFile == "" && t.KeyFile == "" && len(t.CAData) == 0 &&
		len(t.CertData) == 0 && len(t.KeyData) == 0 && t.ServerName == "" && !t.Insecure
}

// ClientConfig is the crypto/tls configuration of t (as client-go's
// transport.TLSConfigFor): the CA pool (data over file; none: the system
// roots), the client certificate pair, the server name, and
// InsecureSkipVerify. A CA together with Insecure is an error, as in
// client-go.
func (t TLSConfig) ClientConfig() (*tls.Config, error) {
	if t.Insecure && (t.CAFile != "" || len(t.CAData) > 0) {
		return nil, errors.New("specifying a root certificates file with the insecure flag is not allowed")
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName, InsecureSkipVerify: t.Insecure} //nolint:gosec // insecure-skip-tls-verify is the user's explicit choice
	ca := t.CAData
	if len(ca) == 0 && t.CAFile != "" {
		var err error
		if ca, err = os.ReadFile(t.CAFile); err != nil {
			return nil, fmt.Errorf("unable to read certificate-authority %s: %w", t.CAFile, err)
		}
	}
	if len(ca) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, fmt.Errorf("unable to load root certificates: unable to parse bytes as PEM block")
		}
		c.RootCAs = pool
	}
	cert, key := t.CertData, t.KeyData
	var err error
	if len(cert) == 0 && t.CertFile != "" {
		if cert, err = os.ReadFile(t.CertFile); err != nil {
			return nil, fmt.Errorf("unable to read client-cert %s: %w", t.CertFile, err)
		}
	}
	if len(key) == 0 && t.KeyFile != "" {
		if key, err = os.ReadFile(t.KeyFile); err != nil {
			return nil, fmt.Errorf("unable to read client-key %s: %w", t.KeyFile, err)
		}
	}
	switch {
	case len(cert) > 0 && len(key) > 0:
		pair, err := tls.X509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("client certificate and key: %w", err)
		}
		c.Certificates = []tls.Certificate{pair}
	case len(cert) > 0:
		return nil, errors.New("client-key-data or client-key must be specified to use the clientCert authentication method")
	case len(key) > 0:
		return nil, errors.New("client-cert-data or client-cert must be specified to use the clientCert authentication method")
	}
	return c, nil
}

// TLSClientConfig is the client's TLS configuration towards the apiserver
// (nil for an http:// server): the streaming dialers (exec, attach,
// port-forward) use it too.
func (c *Client) TLSClientConfig() *tls.Config {
	if c.tls == nil {
		return nil
	}
	return c.tls.Clone()
}

// UpgradeHeader is the header of a connection upgrade (exec, attach,
// port-forward): the User-Agent and the bearer token, if any.
func (c *Client) UpgradeHeader() http.Header {
	h := http.Header{}
	ua := c.cfg.UserAgent
	if ua == "" {
		ua = "minik8s-client"
	}
	h.Set("User-Agent", ua)
	if tok := c.token.get(); tok != "" {
		h.Set("Authorization", "Bearer "+tok)
	}
	return h
}

// newTransport builds the client's transport: http.DefaultTransport when
// nothing is configured, else a clone with the TLS configuration (HTTP/1.1,
// as the apiserver serves), failing over between cfg.Servers when there
// are several (failover.go, also returned), wrapped to add the bearer
// token.
func newTransport(cfg *Config, u *url.URL) (http.RoundTripper, *tls.Config, *tokenSource, *failoverTransport, error) {
	var tc *tls.Config
	if u.Scheme == "https" {
		var err error
		if tc, err = cfg.TLS.ClientConfig(); err != nil {
			return nil, nil, nil, nil, err
		}
	}
	endpoints, err := parseEndpoints(u, cfg.Servers)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var rt http.RoundTripper = http.DefaultTransport
	if tc != nil || len(endpoints) > 1 {
		t := http.DefaultTransport.(*http.Transport).Clone()
		if tc != nil {
			t.TLSClientConfig = tc
			t.ForceAttemptHTTP2 = false
			t.MaxIdleConnsPerHost = 25 // client-go's: TLS handshakes are dear
		}
		if len(endpoints) > 1 {
			t.DialContext = (&net.Dialer{Timeout: failoverDialTimeout, KeepAlive: 30 * time.Second}).DialContext
		}
		rt = t
	}
	var fo *failoverTransport
	if len(endpoints) > 1 {
		fo = newFailoverTransport(rt, endpoints, cfg.FailoverLogf)
		rt = fo
	}
	ts := newTokenSource(cfg.BearerToken, cfg.BearerTokenFile)
	if ts != nil {
		rt = &bearerTransport{next: rt, token: ts}
	}
	return rt, tc, ts, fo, nil
}

// tokenSource is a static bearer token, or a token file re-read at most
// once a minute (projected ServiceAccount tokens rotate), as client-go's
// cachingTokenSource.
type tokenSource struct {
	static, file string
	mu           sync.Mutex
	cached       string
	readAt       time.Time
}

func newTokenSource(token, file string) *tokenSource {
	if token == "" && file == "" {
		return nil
	}
	return &tokenSource{static: token, file: file}
}

const tokenFileReread = time.Minute

func (s *tokenSource) get() string {
	if s == nil {
		return ""
	}
	if s.file == "" {
		return s.static
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cached == "" || time.Since(s.readAt) > tokenFileReread {
		if b, err := os.ReadFile(s.file); err == nil {
			s.cached, s.readAt = strings.TrimSpace(string(b)), time.Now()
		}
	}
	if s.cached == "" {
		return s.static
	}
	return s.cached
}

// bearerTransport adds "Authorization: Bearer …" unless the request has
// its own Authorization.
type bearerTransport struct {
	next  http.RoundTripper
	token *tokenSource
}

func (b *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Authorization") != "" {
		return b.next.RoundTrip(req)
	}
	tok := b.token.get()
	if tok == "" {
		return b.next.RoundTrip(req)
	}
	r := req.Clone(req.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	return b.next.RoundTrip(r)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the
// TLS transport.
func (b *bearerTransport) CloseIdleConnections() {
	if c, ok := b.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// Transport is the client's round tripper (TLS, bearer token, -v logging)
// for callers that forward requests themselves (kubectl proxy).
func (c *Client) Transport() http.RoundTripper { return c.stream.Transport }
