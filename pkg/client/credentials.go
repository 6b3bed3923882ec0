package client

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
)

// credentials copies the cluster's trust settings and the user's
// credentials into cfg: data fields decoded, file paths made absolute
// against dir (the kubeconfig's directory) and checked readable, with
// client-go's words for what is wrong.
func (r *Resolved) credentials(cfg *Config, dir string) error {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	t := &cfg.TLS
	t.Insecure, t.ServerName = r.Cluster.InsecureSkipTLSVerify, r.Cluster.TLSServerName
	t.CAFile, t.CertFile, t.KeyFile = abs(r.Cluster.CertificateAuthority), abs(r.User.ClientCertificate), abs(r.User.ClientKey)
	var err error
	if t.CAData, err = decodeData(r.Cluster.CertificateAuthorityData, "certificate-authority-data", "cluster", r.ClusterName); err != nil {
		return err
	}
	if t.CertData, err = decodeData(r.User.ClientCertificateData, "client-certificate-data", "user", r.UserName); err != nil {
		return err
	}
	if t.KeyData, err = decodeData(r.User.ClientKeyData, "client-key-data", "user", r.UserName); err != nil {
		return err
	}
	cfg.BearerToken, cfg.BearerTokenFile = r.User.Token, abs(r.User.TokenFile)
	checks := []struct{ what, path, owner string }{
		{"certificate-authority", t.CAFile, r.ClusterName},
		{"client-cert", t.CertFile, r.UserName},
		{"client-key", t.KeyFile, r.UserName},
	}
	for _, c := range checks {
		if c.path == "" {
			continue
		}
		if _, err := os.Stat(c.path); err != nil {
			return fmt.Errorf("unable to read %s %s for %s due to %w", c.what, c.path, c.owner, err)
		}
	}
	return nil
}

// decodeData decodes a kubeconfig's base64 *-data field. Like client-go,
// it also takes the PEM text itself.
func decodeData(s, field, kind, owner string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > 10 && s[:10] == "-----BEGIN" {
		return []byte(s), nil
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %s: %w", kind, owner, field, err)
	}
	return b, nil
}
