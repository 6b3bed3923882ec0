package serviceaccount

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Ref names a bound object in the kubernetes.io claim.
type Ref struct {
	Name string `json:"name,omitempty"`
	UID  string `json:"uid,omitempty"`
}

// KubernetesClaim is the private kubernetes.io claim of a bound token.
type KubernetesClaim struct {
	Namespace      string `json:"namespace,omitempty"`
	ServiceAccount Ref    `json:"serviceaccount"`
	Pod            *Ref   `json:"pod,omitempty"`
	Secret         *Ref   `json:"secret,omitempty"`
	Node           *Ref   `json:"node,omitempty"`
}

// Audience is the aud claim: a JSON string or array of strings.
type Audience []string

// UnmarshalJSON accepts both forms.
func (a *Audience) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = Audience{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("aud: %w", err)
	}
	*a = l
	return nil
}

// Claims are a ServiceAccount token's claims, as Kubernetes issues them.
type Claims struct {
	Audience   Audience         `json:"aud,omitempty"`
	Expiry     int64            `json:"exp,omitempty"`
	IssuedAt   int64            `json:"iat,omitempty"`
	Issuer     string           `json:"iss,omitempty"`
	ID         string           `json:"jti,omitempty"`
	Kubernetes *KubernetesClaim `json:"kubernetes.io,omitempty"`
	NotBefore  int64            `json:"nbf,omitempty"`
	Subject    string           `json:"sub,omitempty"`
}

type header struct {
	Alg string `json:"alg"`
	Kid string `json:"kid,omitempty"`
}

// Signer signs tokens with one private key.
type Signer struct {
	key crypto.Signer
	alg string
	kid string
}

// NewSigner returns a signer for an RSA or ECDSA P-256 key.
func NewSigner(key crypto.Signer) (*Signer, error) {
	alg, err := algorithmOf(key.Public())
	if err != nil {
		return nil, err
	}
	kid, err := KeyID(key.Public())
	if err != nil {
		return nil, err
	}
	return &Signer{key: key, alg: alg, kid: kid}, nil
}

// Sign returns the compact JWS of c.
func (s *Signer) Sign(c *Claims) (string, error) {
	h, err := json.Marshal(header{Alg: s.alg, Kid: s.kid})
	if err != nil {
		return "", err
	}
	p, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	input := b64(h) + "." + b64(p)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	switch k := s.key.(type) {
	case *ecdsa.PrivateKey:
		r, ss, err := ecdsa.Sign(rand.Reader, k, sum[:])
		if err != nil {
			return "", fmt.Errorf("signing token: %w", err)
		}
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		ss.FillBytes(sig[32:])
	default:
		if sig, err = s.key.Sign(rand.Reader, sum[:], crypto.SHA256); err != nil {
			return "", fmt.Errorf("signing token: %w", err)
		}
	}
	return input + "." + b64(sig), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// jws is a parsed, not yet verified, compact JWS.
type jws struct {
	header    header
	claims    Claims
	input     string // header.payload
	signature []byte
}

// errNotJWT: the token is not a JWT at all (another authenticator's).
var errNotJWT = errors.New("not a JWT")

// parse splits and decodes a compact JWS without verifying it.
func parse(token string) (*jws, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errNotJWT
	}
	var out jws
	hb, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &out.header) != nil {
		return nil, errNotJWT
	}
	pb, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(pb, &out.claims) != nil {
		return nil, errNotJWT
	}
	if out.signature, err = base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return nil, errNotJWT
	}
	out.input = parts[0] + "." + parts[1]
	return &out, nil
}

// verify checks the signature against each key in turn.
func (j *jws) verify(keys []crypto.PublicKey) error {
	sum := sha256.Sum256([]byte(j.input))
	for _, k := range keys {
		alg, err := algorithmOf(k)
		if err != nil || alg != j.header.Alg {
			continue
		}
		switch k := k.(type) {
		case *rsa.PublicKey:
			if rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], j.signature) == nil {
				return nil
			}
		case *ecdsa.PublicKey:
			if len(j.signature) == 64 {
				r, s := new(big.Int).SetBytes(j.signature[:32]), new(big.Int).SetBytes(j.signature[32:])
				if ecdsa.Verify(k, sum[:], r, s) {
					return nil
				}
			}
		}
	}
	return errors.New("invalid signature")
}
