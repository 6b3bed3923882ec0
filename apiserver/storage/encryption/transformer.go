// Package encryption encrypts stored values at rest as Kubernetes'
// EncryptionConfiguration does (apiserver.config.k8s.io/v1): per resource an
// ordered list of providers (aescbc, aesgcm, secretbox, identity); writes use
// the first, reads pick the provider and key by the value's prefix. The
// on-disk format is Kubernetes' own, so values move between the two:
//
//	k8s:enc:aescbc:v1:KEY:    IV(16) + AES-CBC with PKCS#7 padding
//	k8s:enc:aesgcm:v1:KEY:    nonce(12) + AES-GCM sealed with the etcd key as additional data
//	k8s:enc:secretbox:v1:KEY: nonce(24) + NaCl secretbox
//
// Unprefixed values are read as plaintext (identity), so turning
// encryption on keeps existing data readable.
package encryption

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/crypto/nacl/secretbox"
)

// Prefixes of the providers (Kubernetes' encryptionconfig constants).
const (
	encPrefix       = "k8s:enc:"
	aesCBCPrefix    = "k8s:enc:aescbc:v1:"
	aesGCMPrefix    = "k8s:enc:aesgcm:v1:"
	secretboxPrefix = "k8s:enc:secretbox:v1:"
)

// Transformer turns a value into its stored form and back. ad is the
// authenticated data: the etcd key (used by AES-GCM only). stale reports a
// value not stored the way a write would store it now (another provider
// or key), so that an update rewrites it even when it is unchanged.
type Transformer interface {
	FromStorage(data, ad []byte) (out []byte, stale bool, err error)
	ToStorage(data, ad []byte) ([]byte, error)
}

// prefixed is a transformer for values that start with prefix.
type prefixed struct {
	prefix []byte
	t      Transformer
}

// prefixList is Kubernetes' prefixTransformers: writes use the first entry
// and prepend its prefix; reads use the first entry whose prefix the value
// has and that succeeds.
type prefixList struct {
	list    []prefixed
	noMatch func(data []byte) ([]byte, bool, error)
}

func (p *prefixList) ToStorage(data, ad []byte) ([]byte, error) {
	first := p.list[0]
	out, err := first.t.ToStorage(data, ad)
	if err != nil {
		return nil, err
	}
	return append(append(make([]byte, 0, len(first.prefix)+len(out)), first.prefix...), out...), nil
}

func (p *prefixList) FromStorage(data, ad []byte) ([]byte, bool, error) {
	var errs []error
	for i, e := range p.list {
		if !bytes.HasPrefix(data, e.prefix) {
			continue
		}
		out, stale, err := e.t.FromStorage(data[len(e.prefix):], ad)
		if err == nil {
			return out, stale || i != 0, nil
		}
		if len(e.prefix) > 0 { // identity refusing encrypted data is no error
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, false, errors.Join(errs...)
	}
	return p.noMatch(data)
}

// keyList is the per-key level of an AES or secretbox provider: "NAME:"
// prefixes, the first key encrypts.
func keyList(kind string, keys []namedKey) *prefixList {
	l := &prefixList{noMatch: func(data []byte) ([]byte, bool, error) {
		name, _, _ := bytes.Cut(data[:min(len(data), 256)], []byte(":"))
		return nil, false, fmt.Errorf("no matching key was found for the provided %s transformer (key %q is not in the encryption configuration)", kind, name)
	}}
	for _, k := range keys {
		l.list = append(l.list, prefixed{prefix: []byte(k.name + ":"), t: k.t})
	}
	return l
}

type namedKey struct {
	name string
	t    Transformer
}

// identity stores values as they are; it refuses encrypted values so that
// a later provider may read them (Kubernetes' encrypt-check identity).
type identity struct{}

func (identity) ToStorage(data, _ []byte) ([]byte, error) { return data, nil }
func (identity) FromStorage(data, _ []byte) ([]byte, bool, error) {
	if bytes.HasPrefix(data, []byte(encPrefix)) {
		return nil, false, errors.New("identity transformer tried to read encrypted data")
	}
	return data, false, nil
}

// cbc is AES-CBC: IV(16) + ciphertext with PKCS#7 padding.
type cbc struct{ block cipher.Block }

var (
	errShort          = errors.New("the stored data was shorter than the required size")
	errBlockSize      = errors.New("the stored data is not a multiple of the block size")
	errPKCS7Data      = errors.New("invalid PKCS7 data (empty or not padded)")
	errPKCS7Padding   = errors.New("invalid padding on input")
	errSecretboxOpen  = errors.New("output array was not large enough for encryption")
	secretboxNonceLen = 24
)

func (t cbc) ToStorage(data, _ []byte) ([]byte, error) {
	bs := aes.BlockSize
	pad := bs - len(data)%bs
	out := make([]byte, bs+len(data)+pad)
	if _, err := io.ReadFull(rand.Reader, out[:bs]); err != nil {
		return nil, errors.New("unable to read sufficient random bytes")
	}
	copy(out[bs:], data)
	copy(out[bs+len(data):], bytes.Repeat([]byte{byte(pad)}, pad))
	cipher.NewCBCEncrypter(t.block, out[:bs]).CryptBlocks(out[bs:], out[bs:])
	return out, nil
}

func (t cbc) FromStorage(data, _ []byte) ([]byte, bool, error) {
	out, err := t.open(data)
	return out, false, err
}

func (t cbc) open(data []byte) ([]byte, error) {
	bs := aes.BlockSize
	if len(data) < bs {
		return nil, errShort
	}
	iv, data := data[:bs], data[bs:]
	if len(data)%bs != 0 {
		return nil, errBlockSize
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(t.block, iv).CryptBlocks(out, data)
	if len(out) == 0 {
		return nil, errPKCS7Data
	}
	c := out[len(out)-1]
	pad := int(c)
	if pad == 0 || pad > len(out) {
		return nil, errPKCS7Data
	}
	for _, b := range out[len(out)-pad:] {
		if b != c {
			return nil, errPKCS7Padding
		}
	}
	return out[:len(out)-pad], nil
}

// gcm is AES-GCM: nonce(12) + sealed data, authenticated with ad.
type gcm struct{ aead cipher.AEAD }

func newGCM(block cipher.Block) (gcm, error) {
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return gcm{}, err
	}
	if n := aead.NonceSize(); n != 12 { // all stored data would break
		return gcm{}, fmt.Errorf("crypto/cipher.NewGCM returned unexpected nonce size: %d", n)
	}
	return gcm{aead}, nil
}

func (t gcm) ToStorage(data, ad []byte) ([]byte, error) {
	n := t.aead.NonceSize()
	out := make([]byte, n, n+len(data)+t.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("failed to write nonce for AES-GCM: %w", err)
	}
	return t.aead.Seal(out, out[:n], data, ad), nil
}

func (t gcm) FromStorage(data, ad []byte) ([]byte, bool, error) {
	n := t.aead.NonceSize()
	if len(data) < n {
		return nil, false, errShort
	}
	out, err := t.aead.Open(nil, data[:n], data[n:], ad)
	return out, false, err
}

// box is NaCl secretbox: nonce(24) + sealed data.
type box struct{ key [32]byte }

func (t box) ToStorage(data, _ []byte) ([]byte, error) {
	var nonce [24]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("unable to read sufficient random bytes: %w", err)
	}
	return secretbox.Seal(nonce[:], data, &nonce, &t.key), nil
}

func (t box) FromStorage(data, _ []byte) ([]byte, bool, error) {
	if len(data) < secretbox.Overhead+secretboxNonceLen {
		return nil, false, errShort
	}
	var nonce [24]byte
	copy(nonce[:], data[:secretboxNonceLen])
	out, ok := secretbox.Open(nil, data[secretboxNonceLen:], &nonce, &t.key)
	if !ok {
		return nil, false, errSecretboxOpen
	}
	return out, false, nil
}

// providerChain is one resources[] entry's providers. Unprefixed values
// always read as plaintext (stale: the first provider would encrypt them).
func providerChain(list []prefixed) *prefixList {
	return &prefixList{list: list, noMatch: func(data []byte) ([]byte, bool, error) {
		if !bytes.HasPrefix(data, []byte(encPrefix)) {
			return data, true, nil
		}
		return nil, false, fmt.Errorf("no matching prefix found (the value is encrypted as %q, which is not in the encryption configuration)", storedPrefix(data))
	}}
}

// storedPrefix is the "k8s:enc:PROVIDER:v1:KEY" head of an encrypted value.
func storedPrefix(data []byte) string {
	fields := strings.SplitN(string(data[:min(len(data), 256)]), ":", 6)
	if len(fields) > 5 {
		fields = fields[:5]
	}
	return strings.Join(fields, ":")
}
