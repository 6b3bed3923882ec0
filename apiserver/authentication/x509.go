// Package authentication holds the apiserver's request authenticators, as
// Kubernetes' k8s.io/apiserver/pkg/authentication: x509 client
// certificates, static token file, bearer-token extraction, and the union
// with the system:authenticated group adder. ServiceAccount tokens are
// pkg/serviceaccount's.
package authentication

import (
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"minik8s/pkg/auth/user"
)

// X509 authenticates requests by their TLS client certificate, verified
// against the client CA pool with the presented intermediates and the
// client-auth usage; CN is the user, O the groups. The TLS listener only
// requests client certificates, so a wrong-CA or expired one reaches this
// and is an error (401).
type X509 struct {
	Roots *x509.CertPool
	Now   func() time.Time // nil: time.Now
}

// NewX509FromFile reads a PEM CA bundle (--client-ca-file).
func NewX509FromFile(path string) (*X509, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading client CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("client CA file %s: no certificates found", path)
	}
	return &X509{Roots: pool}, nil
}

// AuthenticateRequest implements authenticator.Request.
func (a *X509) AuthenticateRequest(r *http.Request) (*user.Info, bool, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil, false, nil
	}
	certs := r.TLS.PeerCertificates
	opts := x509.VerifyOptions{Roots: a.Roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if a.Now != nil {
		opts.CurrentTime = a.Now()
	}
	if len(certs) > 1 {
		opts.Intermediates = x509.NewCertPool()
		for _, c := range certs[1:] {
			opts.Intermediates.AddCert(c)
		}
	}
	if _, err := certs[0].Verify(opts); err != nil {
		return nil, false, fmt.Errorf("verifying certificate %s failed: %w", certificateIdentifier(certs[0]), err)
	}
	subj := certs[0].Subject
	if subj.CommonName == "" {
		return nil, false, nil
	}
	return &user.Info{Name: subj.CommonName, Groups: append([]string(nil), subj.Organization...)}, true, nil
}

// certificateIdentifier names a certificate in errors as Kubernetes does:
// serial number, subject and authority key ids.
func certificateIdentifier(c *x509.Certificate) string {
	s := fmt.Sprintf("SN=%d", c.SerialNumber)
	if len(c.SubjectKeyId) > 0 {
		s += ", SKID=" + colonHex(c.SubjectKeyId)
	}
	if len(c.AuthorityKeyId) > 0 {
		s += ", AKID=" + colonHex(c.AuthorityKeyId)
	}
	return s
}

func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = strings.ToUpper(hex.EncodeToString([]byte{x}))
	}
	return strings.Join(parts, ":")
}
