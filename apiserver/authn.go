package apiserver

import (
	"context"

	"minik8s/pkg/auth/authenticator"
)

// newAuthenticator builds the request authenticator from the options:
// x509 client certificates (--client-ca-file), static tokens
// (--token-auth-file), ServiceAccount tokens, then anonymous.
//
// Seam: the authentication helper fills this in (nil: no authentication).
func (s *Server) newAuthenticator(ctx context.Context) (authenticator.Request, error) {
	return nil, nil
}
