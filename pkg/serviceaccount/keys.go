// Package serviceaccount signs and verifies ServiceAccount tokens: JWTs
// (RS256 or ES256) with Kubernetes' bound-token claims
// (k8s.io/kubernetes/pkg/serviceaccount), and turns a valid one into the
// ServiceAccount's user.
package serviceaccount

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// KeyID is Kubernetes' `kid` of a public key: the unpadded base64url of
// the SHA-256 of its PKIX DER encoding (keyIDFromPublicKey).
func KeyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("encoding public key: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// ParsePrivateKey reads the first private key of a PEM bundle (PKCS#1,
// SEC 1 or PKCS#8; RSA or ECDSA P-256).
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("no private key found in PEM data")
		}
		var k any
		var err error
		switch b.Type {
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", b.Type, err)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("unsupported private key type %T", k)
		}
		if _, err := algorithmOf(s.Public()); err != nil {
			return nil, err
		}
		return s, nil
	}
}

// ParsePublicKeys reads every public key of a PEM bundle: PUBLIC KEY,
// RSA PUBLIC KEY, CERTIFICATE, and the public halves of private keys (as
// Kubernetes' keyutil.ParsePublicKeysPEM, so --service-account-key-file
// may name the signing key itself).
func ParsePublicKeys(data []byte) ([]crypto.PublicKey, error) {
	var out []crypto.PublicKey
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		var k any
		var err error
		switch b.Type {
		case "PUBLIC KEY":
			k, err = x509.ParsePKIXPublicKey(b.Bytes)
		case "RSA PUBLIC KEY":
			k, err = x509.ParsePKCS1PublicKey(b.Bytes)
		case "CERTIFICATE":
			var c *x509.Certificate
			if c, err = x509.ParseCertificate(b.Bytes); err == nil {
				k = c.PublicKey
			}
		case "RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY":
			var s crypto.Signer
			if s, err = ParsePrivateKey(pem.EncodeToMemory(b)); err == nil {
				k = s.Public()
			}
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("parsing %s: %w", b.Type, err)
		}
		if _, err := algorithmOf(k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	if len(out) == 0 {
		return nil, errors.New("data does not contain any valid RSA or ECDSA public keys")
	}
	return out, nil
}

// LoadSigningKey reads --service-account-signing-key-file.
func LoadSigningKey(path string) (crypto.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading service account signing key: %w", err)
	}
	k, err := ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("service account signing key %s: %w", path, err)
	}
	return k, nil
}

// LoadPublicKeys reads every --service-account-key-file.
func LoadPublicKeys(paths []string) ([]crypto.PublicKey, error) {
	var out []crypto.PublicKey
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading service account key file: %w", err)
		}
		keys, err := ParsePublicKeys(b)
		if err != nil {
			return nil, fmt.Errorf("service account key file %s: %w", p, err)
		}
		out = append(out, keys...)
	}
	return out, nil
}

// algorithmOf is the JWS algorithm a key signs with: RS256 for RSA,
// ES256 for ECDSA P-256 (Kubernetes also accepts P-384/P-521 as ES384/ES512;
// minik8s keeps to the two the PKI makes).
func algorithmOf(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RS256", nil
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return "ES256", nil
		}
		return "", fmt.Errorf("unsupported ECDSA curve %s (P-256 only)", k.Curve.Params().Name)
	}
	return "", fmt.Errorf("unsupported key type %T (RSA or ECDSA P-256)", pub)
}
