package apiserver

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"net/http"

	"minik8s/apiserver/authentication"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/user"
	"minik8s/pkg/serviceaccount"
)

// authnChain is the authenticator built from the options (Kubernetes'
// DelegatingAuthenticatorConfig order: x509, then bearer tokens: the token
// file, then ServiceAccount tokens), behind the system:authenticated group
// adder. It also keeps what the token APIs need: the token authenticators
// (TokenReview) and the signer (TokenRequest).
type authnChain struct {
	request   authenticator.Request
	tokens    authenticator.Token    // nil: no token source
	signer    *serviceaccount.Signer // nil: no --service-account-signing-key-file
	audiences []string               // --api-audiences (default the issuer)
}

// AuthenticateRequest implements authenticator.Request.
func (c *authnChain) AuthenticateRequest(r *http.Request) (*user.Info, bool, error) {
	return c.request.AuthenticateRequest(r)
}

// newAuthenticator builds the request authenticator from the options:
// x509 client certificates (--client-ca-file), static tokens
// (--token-auth-file), ServiceAccount tokens, then anonymous (filters.go).
// With none of them configured it returns nil (no authentication).
func (s *Server) newAuthenticator(ctx context.Context) (authenticator.Request, error) {
	c, err := buildAuthn(s.opts, storeGetter{s})
	if err != nil || c == nil {
		return nil, err
	}
	return c, nil
}

// buildAuthn is newAuthenticator without the server (nil: nothing configured).
func buildAuthn(o Options, getter serviceaccount.Getter) (*authnChain, error) {
	c := &authnChain{audiences: o.APIAudiences}
	if len(c.audiences) == 0 {
		c.audiences = []string{o.ServiceAccountIssuer}
	}
	var reqs authentication.Union
	var tokens authentication.UnionToken
	if o.ClientCAFile != "" {
		x, err := authentication.NewX509FromFile(o.ClientCAFile)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, x)
	}
	if o.TokenAuthFile != "" {
		tf, err := authentication.NewTokenFile(o.TokenAuthFile)
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, tf)
	}
	keys, err := serviceaccount.LoadPublicKeys(o.ServiceAccountKeyFiles)
	if err != nil {
		return nil, err
	}
	if o.ServiceAccountSigningKeyFile != "" {
		key, err := serviceaccount.LoadSigningKey(o.ServiceAccountSigningKeyFile)
		if err != nil {
			return nil, err
		}
		if c.signer, err = serviceaccount.NewSigner(key); err != nil {
			return nil, fmt.Errorf("service account signing key: %w", err)
		}
		if len(keys) == 0 { // no --service-account-key-file: the signing key verifies
			keys = []crypto.PublicKey{key.Public()}
		}
	}
	if len(keys) > 0 {
		if o.ServiceAccountIssuer == "" {
			return nil, errors.New("--service-account-issuer is required with service account keys")
		}
		tokens = append(tokens, &serviceaccount.Authenticator{Issuer: o.ServiceAccountIssuer, Audiences: c.audiences, Keys: keys, Getter: getter})
	}
	if len(tokens) > 0 {
		c.tokens = tokens
		reqs = append(reqs, authentication.BearerToken{Token: tokens})
	}
	if len(reqs) == 0 && c.signer == nil {
		return nil, nil
	}
	c.request = authentication.AuthenticatedGroupAdder{Authenticator: reqs}
	return c, nil
}

// chain is the configured authnChain (nil: no authentication configured).
func (s *Server) chain() *authnChain {
	c, _ := s.authn.(*authnChain)
	return c
}

// storeGetter reads the objects ServiceAccount tokens are bound to from
// storage (a missing one is the NotFound Status error).
type storeGetter struct{ s *Server }

func (g storeGetter) get(ctx context.Context, resource, namespace, name string) (api.Object, error) {
	info, _ := api.ForResource("", "v1", resource)
	obj, _, err := g.s.getObject(ctx, info, namespace, name)
	if err != nil {
		return nil, mapStoreError(err, route{info: info, namespace: namespace, name: name})
	}
	return obj, nil
}

func (g storeGetter) GetServiceAccount(ctx context.Context, namespace, name string) (*api.ServiceAccount, error) {
	obj, err := g.get(ctx, "serviceaccounts", namespace, name)
	if err != nil {
		return nil, err
	}
	return obj.(*api.ServiceAccount), nil
}

func (g storeGetter) GetPod(ctx context.Context, namespace, name string) (*api.Pod, error) {
	obj, err := g.get(ctx, "pods", namespace, name)
	if err != nil {
		return nil, err
	}
	return obj.(*api.Pod), nil
}

func (g storeGetter) GetSecret(ctx context.Context, namespace, name string) (*api.Secret, error) {
	obj, err := g.get(ctx, "secrets", namespace, name)
	if err != nil {
		return nil, err
	}
	return obj.(*api.Secret), nil
}

func (g storeGetter) GetNode(ctx context.Context, name string) (*api.Node, error) {
	obj, err := g.get(ctx, "nodes", "", name)
	if err != nil {
		return nil, err
	}
	return obj.(*api.Node), nil
}
