// Package authenticator is the seam between a request and its identity
// (k8s.io/apiserver's pkg/authentication/authenticator): x509 client
// certificates, bearer tokens (a token file, ServiceAccount JWTs) and the
// anonymous fallback each implement Request or Token.
package authenticator

import (
	"context"
	"net/http"

	"minik8s/pkg/auth/user"
)

// Request authenticates an HTTP request. ok is false when the request
// carries no credentials this authenticator understands; err is set when it
// carries them and they are wrong (expired, bad signature, revoked).
type Request interface {
	AuthenticateRequest(r *http.Request) (u *user.Info, ok bool, err error)
}

// Token authenticates a bearer token.
type Token interface {
	AuthenticateToken(ctx context.Context, token string) (u *user.Info, ok bool, err error)
}

// RequestFunc adapts a function to Request.
type RequestFunc func(r *http.Request) (*user.Info, bool, error)

// AuthenticateRequest calls f.
func (f RequestFunc) AuthenticateRequest(r *http.Request) (*user.Info, bool, error) { return f(r) }

// TokenFunc adapts a function to Token.
type TokenFunc func(ctx context.Context, token string) (*user.Info, bool, error)

// AuthenticateToken calls f.
func (f TokenFunc) AuthenticateToken(ctx context.Context, token string) (*user.Info, bool, error) {
	return f(ctx, token)
}
