package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// The serviceAccountToken projection (Kubernetes' projected volume plugin
// and token manager, pkg/kubelet/token): the kubelet asks the TokenRequest
// API for a token of the pod's service account bound to the pod, keeps it,
// and asks again once 80% of its lifetime (or 24 h) has passed; the token
// is written with the volume's other files (the atomic writer), so every
// sync of a running pod picks a rotated token up.

// Kubernetes' token manager constants.
const (
	tokenMaxTTL    = 24 * time.Hour   // a token older than this is refreshed whatever its lifetime
	tokenMaxJitter = 10 * time.Second // refreshes are spread by up to this much
)

// tokenNeedsRefresh is Kubernetes' requiresRefresh: a token issued for
// ttl that expires at exp is refreshed once it is older than 24 h, or
// once less than 20% of ttl is left, each moved earlier by jitter.
func tokenNeedsRefresh(now, exp time.Time, ttl, jitter time.Duration) bool {
	iat := exp.Add(-ttl)
	if now.After(iat.Add(tokenMaxTTL - jitter)) {
		return true
	}
	return now.After(exp.Add(-ttl*20/100 - jitter))
}

// tokenFetcher asks the apiserver for a token of ns/name.
type tokenFetcher func(ctx context.Context, ns, name string, tr *api.TokenRequest) (*api.TokenRequest, error)

// tokenManager caches tokens by request.
type tokenManager struct {
	fetch  tokenFetcher
	now    func() time.Time
	jitter func() time.Duration

	mu    sync.Mutex
	cache map[string]*api.TokenRequest
}

func newTokenManager(fetch tokenFetcher, now func() time.Time) *tokenManager {
	return &tokenManager{fetch: fetch, now: now, cache: map[string]*api.TokenRequest{},
		jitter: func() time.Duration { return time.Duration(rand.Float64()*tokenMaxJitter.Seconds()) * time.Second }}
}

// get returns a token for the request, from the cache unless it needs a
// refresh. When a refresh fails, the cached token is used while it is
// still valid, as Kubernetes does.
func (m *tokenManager) get(ctx context.Context, ns, name string, tr *api.TokenRequest) (*api.TokenRequest, error) {
	keyBytes, _ := json.Marshal(tr.Spec)
	key := ns + "/" + name + "/" + string(keyBytes)
	now := m.now()
	m.mu.Lock()
	cached, ok := m.cache[key]
	m.mu.Unlock()
	if ok && !m.needsRefresh(cached, now) {
		return cached, nil
	}
	fresh, err := m.fetch(ctx, ns, name, tr)
	if err != nil {
		if ok && now.Before(cached.Status.ExpirationTimestamp.Time) {
			log.Printf("kubelet: token of serviceaccount %s/%s: refresh failed, using the cached one: %v", ns, name, err)
			return cached, nil
		}
		return nil, fmt.Errorf("failed to fetch token: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for k, t := range m.cache { // drop expired tokens (of pods gone)
		if now.After(t.Status.ExpirationTimestamp.Time) {
			delete(m.cache, k)
		}
	}
	m.cache[key] = fresh
	return fresh, nil
}

func (m *tokenManager) needsRefresh(tr *api.TokenRequest, now time.Time) bool {
	if tr.Spec.ExpirationSeconds == nil {
		return false
	}
	ttl := api.Seconds(*tr.Spec.ExpirationSeconds)
	return tokenNeedsRefresh(now, tr.Status.ExpirationTimestamp.Time, ttl, m.jitter())
}

// requestToken POSTs the TokenRequest to
// /api/v1/namespaces/NS/serviceaccounts/NAME/token.
func requestToken(c *client.Client) tokenFetcher {
	return func(ctx context.Context, ns, name string, tr *api.TokenRequest) (*api.TokenRequest, error) {
		info, _ := api.ForResource("", "v1", "serviceaccounts")
		body, err := json.Marshal(tr)
		if err != nil {
			return nil, err
		}
		b, err := c.Do(ctx, http.MethodPost, info.Path(ns, name)+"/token", body, map[string]string{"Content-Type": "application/json"})
		if err != nil {
			return nil, err
		}
		var out api.TokenRequest
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, fmt.Errorf("decoding the TokenRequest: %w", err)
		}
		if out.Status.Token == "" {
			return nil, fmt.Errorf("the TokenRequest answer has no token")
		}
		return &out, nil
	}
}

// tokenPayload adds the projected token of pod's service account to out,
// as Kubernetes' projected volume does: audience the projection's (none:
// the apiserver's), bound to the pod, mode 0600 when the pod has an
// fsGroup, else the volume's.
func tokenPayload(ctx context.Context, src objectSource, pod *api.Pod, tp *api.ServiceAccountTokenProjection, mode int32, out map[string]fileProjection) error {
	var auds []string
	if tp.Audience != "" {
		auds = []string{tp.Audience}
	}
	tr, err := src.ServiceAccountToken(ctx, pod.Namespace, pod.Spec.ServiceAccountName, &api.TokenRequest{
		TypeMeta: api.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenRequest"},
		Spec: api.TokenRequestSpec{Audiences: auds, ExpirationSeconds: tp.ExpirationSeconds,
			BoundObjectRef: &api.BoundObjectReference{APIVersion: "v1", Kind: "Pod", Name: pod.Name, UID: pod.UID}},
	})
	if err != nil {
		return err
	}
	if sc := pod.Spec.SecurityContext; sc != nil && sc.FSGroup != nil {
		mode = 0o600
	}
	out[tp.Path] = fileProjection{Data: []byte(tr.Status.Token), Mode: mode}
	return nil
}

// ServiceAccountToken is the objectSource's token, through the kubelet's
// token manager.
func (o clientObjects) ServiceAccountToken(ctx context.Context, ns, name string, tr *api.TokenRequest) (*api.TokenRequest, error) {
	return o.tokens.get(ctx, ns, name, tr)
}
