// Package pki is the cluster's public key infrastructure, as kubeadm's
// certificate phase makes it: a CA, serving and client certificates signed
// by it, the ServiceAccount signing key pair, PEM files 0600 in
// directories 0700, and the pure decision of when a certificate must be
// renewed.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Validity periods (kubeadm's): the CA ten years, leaves one year.
const (
	CAValidity   = 10 * 365 * 24 * time.Hour
	LeafValidity = 365 * 24 * time.Hour
	// RenewBefore: a leaf expiring within this window is renewed.
	RenewBefore = 30 * 24 * time.Hour
	// backdate covers clock skew between the machines of a cluster.
	backdate = 5 * time.Minute
)

// Spec is what a leaf certificate must say.
type Spec struct {
	CommonName   string
	Organization []string
	DNSNames     []string
	IPs          []net.IP
	// Usages: x509.ExtKeyUsageServerAuth and/or x509.ExtKeyUsageClientAuth.
	Usages []x509.ExtKeyUsage
}

// Server is a serving certificate's spec.
func Server(cn string, dnsNames []string, ips []net.IP) Spec {
	return Spec{CommonName: cn, DNSNames: dnsNames, IPs: ips, Usages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
}

// Client is a client certificate's spec: CN is the user, O the groups.
func Client(user string, groups ...string) Spec {
	return Spec{CommonName: user, Organization: groups, Usages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
}

// KeyPair is a certificate and its private key.
type KeyPair struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA makes a self-signed CA (CN kubernetes, as kubeadm's).
func NewCA(cn string, now time.Time) (*KeyPair, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now.Add(-backdate).UTC(),
		NotAfter:              now.Add(CAValidity).UTC(),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          keyID(key.Public()),
	}
	return sign(tmpl, tmpl, key, key)
}

// Issue signs a new leaf certificate for spec with a fresh key.
func (ca *KeyPair) Issue(spec Spec, now time.Time) (*KeyPair, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:   serial,
		Subject:        pkix.Name{CommonName: spec.CommonName, Organization: spec.Organization},
		DNSNames:       spec.DNSNames,
		IPAddresses:    spec.IPs,
		NotBefore:      now.Add(-backdate).UTC(),
		NotAfter:       now.Add(LeafValidity).UTC(),
		KeyUsage:       x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:    spec.Usages,
		AuthorityKeyId: ca.Cert.SubjectKeyId,
	}
	if ca.Cert.NotAfter.Before(tmpl.NotAfter) {
		tmpl.NotAfter = ca.Cert.NotAfter // a leaf never outlives its CA
	}
	return sign(tmpl, ca.Cert, key, ca.Key)
}

func sign(tmpl, parent *x509.Certificate, key, signer crypto.Signer) (*KeyPair, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return nil, fmt.Errorf("sign certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	return &KeyPair{Cert: cert, Key: key}, nil
}

func newKey() (crypto.Signer, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return k, nil
}

func newSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}

func keyID(pub crypto.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return sum[:20]
}

// CertPEM encodes a certificate.
func CertPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// KeyPEM encodes a private key: "EC PRIVATE KEY" (SEC 1) or "RSA PRIVATE
// KEY" (PKCS #1), as kubeadm writes them.
func KeyPEM(k crypto.Signer) ([]byte, error) {
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("encode key: %w", err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
	case *rsa.PrivateKey:
		return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}), nil
	default:
		return nil, fmt.Errorf("encode key: unsupported key type %T", k)
	}
}

// ParseCertPEM parses the first certificate of PEM data.
func ParseCertPEM(data []byte) (*x509.Certificate, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errors.New("no CERTIFICATE block")
		}
		if b.Type == "CERTIFICATE" {
			return x509.ParseCertificate(b.Bytes)
		}
	}
}

// ParseKeyPEM parses a private key (SEC 1, PKCS #1 or PKCS #8).
func ParseKeyPEM(data []byte) (crypto.Signer, error) {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, errors.New("no PRIVATE KEY block")
		}
		switch b.Type {
		case "EC PRIVATE KEY":
			return x509.ParseECPrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			return x509.ParsePKCS1PrivateKey(b.Bytes)
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
			if err != nil {
				return nil, err
			}
			s, ok := k.(crypto.Signer)
			if !ok {
				return nil, fmt.Errorf("unsupported key type %T", k)
			}
			return s, nil
		}
	}
}

// Paths are the files of a key pair named base in dir: base.crt, base.key.
func Paths(dir, base string) (certFile, keyFile string) {
	return filepath.Join(dir, base+".crt"), filepath.Join(dir, base+".key")
}

// Write stores the pair as dir/base.crt and dir/base.key (0600; dir and its
// missing parents 0700). Each file is replaced atomically.
func (kp *KeyPair) Write(dir, base string) error {
	keyPEM, err := KeyPEM(kp.Key)
	if err != nil {
		return err
	}
	certFile, keyFile := Paths(dir, base)
	if err := WriteFile(keyFile, keyPEM); err != nil {
		return err
	}
	return WriteFile(certFile, CertPEM(kp.Cert))
}

// Load reads dir/base.crt and dir/base.key and checks that they match.
func Load(dir, base string) (*KeyPair, error) {
	certFile, keyFile := Paths(dir, base)
	return LoadFiles(certFile, keyFile)
}

// LoadFiles reads a certificate and its key.
func LoadFiles(certFile, keyFile string) (*KeyPair, error) {
	cb, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	cert, err := ParseCertPEM(cb)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", certFile, err)
	}
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	key, err := ParseKeyPEM(kb)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", keyFile, err)
	}
	if !publicKeysEqual(cert.PublicKey, key.Public()) {
		return nil, fmt.Errorf("%s does not match the key in %s", certFile, keyFile)
	}
	return &KeyPair{Cert: cert, Key: key}, nil
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

// WriteFile writes data to path with mode 0600 (its directory 0700),
// through a temporary file renamed into place.
func WriteFile(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Renewal says whether a leaf must be (re)issued and why ("" = keep it).
// cert nil means there is none yet. Pure: the caller loads the files.
func Renewal(cert *x509.Certificate, want Spec, ca *x509.Certificate, now time.Time, force bool) string {
	switch {
	case cert == nil:
		return "missing"
	case force:
		return "renewal forced"
	case ca != nil && cert.CheckSignatureFrom(ca) != nil:
		return "not signed by the current CA"
	case !now.Before(cert.NotAfter):
		return "expired"
	case cert.NotAfter.Sub(now) < RenewBefore:
		return fmt.Sprintf("expires within %d days", int(RenewBefore.Hours()/24))
	case cert.Subject.CommonName != want.CommonName || !sameSet(cert.Subject.Organization, want.Organization):
		return "subject differs"
	case !sameSet(cert.DNSNames, want.DNSNames) || !sameSet(ipStrings(cert.IPAddresses), ipStrings(want.IPs)):
		return "SANs differ"
	case !sameUsages(cert.ExtKeyUsage, want.Usages):
		return "key usages differ"
	}
	return ""
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func sameUsages(a, b []x509.ExtKeyUsage) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// ServiceAccountKeyFiles are the names kubeadm gives the ServiceAccount
// token signing key pair.
const (
	ServiceAccountKey    = "sa.key"
	ServiceAccountPublic = "sa.pub"
)

// EnsureServiceAccountKeys makes dir/sa.key (RSA 2048, "RSA PRIVATE KEY")
// and dir/sa.pub ("PUBLIC KEY", PKIX) as kubeadm does, unless sa.key
// exists; sa.pub is rewritten from sa.key when missing. It reports
// whether it made a new key.
func EnsureServiceAccountKeys(dir string) (bool, error) {
	keyFile, pubFile := filepath.Join(dir, ServiceAccountKey), filepath.Join(dir, ServiceAccountPublic)
	var key crypto.Signer
	created := false
	if data, err := os.ReadFile(keyFile); err == nil {
		if key, err = ParseKeyPEM(data); err != nil {
			return false, fmt.Errorf("parse %s: %w", keyFile, err)
		}
	} else if errors.Is(err, os.ErrNotExist) {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return false, fmt.Errorf("generate service account key: %w", err)
		}
		key, created = rk, true
		pemData, _ := KeyPEM(rk)
		if err := WriteFile(keyFile, pemData); err != nil {
			return false, err
		}
	} else {
		return false, fmt.Errorf("read %s: %w", keyFile, err)
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return false, fmt.Errorf("encode %s: %w", pubFile, err)
	}
	pub := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if old, err := os.ReadFile(pubFile); err != nil || string(old) != string(pub) {
		if err := WriteFile(pubFile, pub); err != nil {
			return false, err
		}
	}
	return created, nil
}

// Describe is a one-line summary of a certificate (logs, errors).
func Describe(c *x509.Certificate) string {
	var sans []string
	sans = append(sans, c.DNSNames...)
	sans = append(sans, ipStrings(c.IPAddresses)...)
	return fmt.Sprintf("CN=%s O=%s SANs=[%s] expires %s", c.Subject.CommonName, strings.Join(c.Subject.Organization, ","), strings.Join(sans, ","), c.NotAfter.Format(time.RFC3339))
}
