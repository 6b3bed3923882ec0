package authentication

import (
	"context"
	"crypto/subtle"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"minik8s/pkg/auth/user"
)

// TokenFile authenticates static bearer tokens (--token-auth-file).
type TokenFile struct {
	tokens map[string]*user.Info
}

// NewTokenFile reads a token file.
func NewTokenFile(path string) (*TokenFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading token file: %w", err)
	}
	defer f.Close()
	tf, err := ParseTokenFile(f)
	if err != nil {
		return nil, fmt.Errorf("token file '%s': %w", path, err)
	}
	return tf, nil
}

// ParseTokenFile parses Kubernetes' CSV token file: one
// token,user,uid[,"group1,group2"] a line. A line with fewer than three
// columns is an error naming it; an empty token is skipped, as
// Kubernetes' tokenfile.NewCSV (a duplicate token: the last line wins).
func ParseTokenFile(r io.Reader) (*TokenFile, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	tf := &TokenFile{tokens: map[string]*user.Info{}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return tf, nil
		}
		if err != nil {
			return nil, err
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < 3 {
			return nil, fmt.Errorf("line %d: must have at least 3 columns (token, user name, user uid), found %d", line, len(rec))
		}
		if rec[0] == "" {
			continue
		}
		u := &user.Info{Name: rec[1], UID: rec[2]}
		if len(rec) >= 4 && rec[3] != "" {
			u.Groups = strings.Split(rec[3], ",")
		}
		tf.tokens[rec[0]] = u
	}
}

// AuthenticateToken implements authenticator.Token (an unknown token is
// not ours: ok false).
func (tf *TokenFile) AuthenticateToken(_ context.Context, token string) (*user.Info, bool, error) {
	for t, u := range tf.tokens {
		if subtle.ConstantTimeCompare([]byte(t), []byte(token)) == 1 {
			c := *u
			c.Groups = append([]string(nil), u.Groups...)
			return &c, true, nil
		}
	}
	return nil, false, nil
}
