package serviceaccount

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/auth/user"
)

// Getter reads the objects a token is bound to (the apiserver's storage).
// A missing object is an error.
type Getter interface {
	GetServiceAccount(ctx context.Context, namespace, name string) (*api.ServiceAccount, error)
	GetPod(ctx context.Context, namespace, name string) (*api.Pod, error)
	GetSecret(ctx context.Context, namespace, name string) (*api.Secret, error)
	GetNode(ctx context.Context, name string) (*api.Node, error)
}

// Authenticator authenticates bound ServiceAccount tokens (Kubernetes'
// JWTTokenAuthenticator with the bound-token validator).
type Authenticator struct {
	Issuer    string
	Audiences []string // the API audiences; a token must be for one
	Keys      []crypto.PublicKey
	Getter    Getter
	Now       func() time.Time // nil: time.Now
}

// deletedGrace is how long a deleted (terminating) object's tokens stay
// valid (Kubernetes' invalidIfDeletedBefore: 60 s).
const deletedGrace = 60 * time.Second

// AuthenticateToken implements authenticator.Token: a token that is not a
// JWT or not of this issuer is not ours (ok false); ours with a bad
// signature, audience, time or binding is an error.
func (a *Authenticator) AuthenticateToken(ctx context.Context, token string) (*user.Info, bool, error) {
	j, err := parse(token)
	if err != nil {
		return nil, false, nil
	}
	if j.claims.Issuer != a.Issuer {
		return nil, false, nil
	}
	if err := j.verify(a.Keys); err != nil {
		return nil, false, err
	}
	c := &j.claims
	auds := a.Audiences
	if x, ok := ctx.Value(audiencesKey{}).([]string); ok {
		auds = x
	}
	if err := c.checkAudience(auds); err != nil {
		return nil, false, err
	}
	now := time.Now()
	if a.Now != nil {
		now = a.Now()
	}
	if err := c.checkTimes(now); err != nil {
		return nil, false, err
	}
	if err := a.checkBinding(ctx, c, now); err != nil {
		return nil, false, err
	}
	return c.UserInfo(), true, nil
}

// checkBinding is Kubernetes' validator.Validate: the claims must be a
// bound token's, and the ServiceAccount (and the bound pod, secret or
// node) must still exist with the same uid.
func (a *Authenticator) checkBinding(ctx context.Context, c *Claims, now time.Time) error {
	k := c.Kubernetes
	if k == nil || k.Namespace == "" || k.ServiceAccount.Name == "" {
		return errors.New("service account token claims could not be validated")
	}
	if c.Subject != MakeUsername(k.Namespace, k.ServiceAccount.Name) {
		return errors.New("sub claim does not match the service account")
	}
	if a.Getter == nil {
		return errors.New("service account token getter not configured")
	}
	deletedBefore := now.Add(-deletedGrace)
	sa, err := a.Getter.GetServiceAccount(ctx, k.Namespace, k.ServiceAccount.Name)
	if err != nil {
		return err
	}
	if err := sameObject("service account", &sa.ObjectMeta, k.ServiceAccount.UID, deletedBefore); err != nil {
		return err
	}
	if k.Secret != nil {
		s, err := a.Getter.GetSecret(ctx, k.Namespace, k.Secret.Name)
		if err != nil {
			return err
		}
		if err := sameObject("secret", &s.ObjectMeta, k.Secret.UID, deletedBefore); err != nil {
			return err
		}
	}
	if k.Pod != nil {
		p, err := a.Getter.GetPod(ctx, k.Namespace, k.Pod.Name)
		if err != nil {
			return err
		}
		if err := sameObject("pod", &p.ObjectMeta, k.Pod.UID, deletedBefore); err != nil {
			return err
		}
	} else if k.Node != nil {
		n, err := a.Getter.GetNode(ctx, k.Node.Name)
		if err != nil {
			return err
		}
		if err := sameObject("node", &n.ObjectMeta, k.Node.UID, deletedBefore); err != nil {
			return err
		}
	}
	return nil
}

// sameObject: the object's uid is the claimed one and it is not being
// deleted for longer than the grace.
func sameObject(what string, m *api.ObjectMeta, uid string, deletedBefore time.Time) error {
	if m.UID != uid {
		return fmt.Errorf("%s UID (%s) does not match claim (%s)", what, m.UID, uid)
	}
	if m.DeletionTimestamp != nil && m.DeletionTimestamp.Before(deletedBefore) {
		return fmt.Errorf("%s has been deleted", what)
	}
	return nil
}

type audiencesKey struct{}

// WithAudiences makes the authenticator check tokens against auds instead
// of the API audiences (a TokenReview's spec.audiences).
func WithAudiences(ctx context.Context, auds []string) context.Context {
	return context.WithValue(ctx, audiencesKey{}, auds)
}

// AudiencesOf is the aud claim of a token, unverified (nil: not a JWT).
func AudiencesOf(token string) []string {
	j, err := parse(token)
	if err != nil {
		return nil
	}
	return j.claims.Audience
}
