package authentication

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/user"
)

// errInvalidBearerToken: a bearer token no token authenticator accepted.
var errInvalidBearerToken = errors.New("invalid bearer token")

// BearerToken authenticates the request's "Authorization: Bearer" token
// with a token authenticator (Kubernetes' bearertoken.Authenticator): no
// such header is not ours; a token nobody accepts is an error.
type BearerToken struct {
	Token authenticator.Token
}

// AuthenticateRequest implements authenticator.Request.
func (b BearerToken) AuthenticateRequest(r *http.Request) (*user.Info, bool, error) {
	tok, ok := BearerTokenOf(r)
	if !ok {
		return nil, false, nil
	}
	u, ok, err := b.Token.AuthenticateToken(r.Context(), tok)
	if !ok && err == nil {
		err = errInvalidBearerToken
	}
	return u, ok, err
}

// BearerTokenOf returns the token of an "Authorization: Bearer X" header.
func BearerTokenOf(r *http.Request) (string, bool) {
	parts := strings.SplitN(strings.TrimSpace(r.Header.Get("Authorization")), " ", 3)
	if len(parts) < 2 || !strings.EqualFold(parts[0], "bearer") || parts[1] == "" {
		return "", false
	}
	return parts[1], true
}

// UnionToken asks token authenticators in turn; the first to accept wins.
// Errors are returned (joined) only when none accepts.
type UnionToken []authenticator.Token

// AuthenticateToken implements authenticator.Token.
func (u UnionToken) AuthenticateToken(ctx context.Context, token string) (*user.Info, bool, error) {
	var errs []error
	for _, a := range u {
		info, ok, err := a.AuthenticateToken(ctx, token)
		if ok {
			return info, true, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return nil, false, aggregate(errs)
}

// Union asks request authenticators in turn, as UnionToken.
type Union []authenticator.Request

// AuthenticateRequest implements authenticator.Request.
func (u Union) AuthenticateRequest(r *http.Request) (*user.Info, bool, error) {
	var errs []error
	for _, a := range u {
		info, ok, err := a.AuthenticateRequest(r)
		if ok {
			return info, true, nil
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return nil, false, aggregate(errs)
}

// aggregate is utilerrors.NewAggregate's message: one error as is, several
// as "[a, b]".
func aggregate(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New("[" + strings.Join(msgs, ", ") + "]")
}

// AuthenticatedGroupAdder adds system:authenticated to every user the
// wrapped authenticator accepts, unless it is already in
// system:authenticated or system:unauthenticated (Kubernetes'
// group.AuthenticatedGroupAdder).
type AuthenticatedGroupAdder struct {
	Authenticator authenticator.Request
}

// AuthenticateRequest implements authenticator.Request.
func (g AuthenticatedGroupAdder) AuthenticateRequest(r *http.Request) (*user.Info, bool, error) {
	u, ok, err := g.Authenticator.AuthenticateRequest(r)
	if err != nil || !ok {
		return nil, ok, err
	}
	return WithAuthenticatedGroup(u), true, nil
}

// WithAuthenticatedGroup is u with system:authenticated (a copy).
func WithAuthenticatedGroup(u *user.Info) *user.Info {
	if slices.Contains(u.Groups, user.AllAuthenticated) || slices.Contains(u.Groups, user.AllUnauthenticated) {
		return u
	}
	c := *u
	c.Groups = append(slices.Clone(u.Groups), user.AllAuthenticated)
	return &c
}
