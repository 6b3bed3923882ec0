package kubelet

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

// poster POSTs a JSON body to an apiserver path and returns the answer.
type poster func(ctx context.Context, path string, body []byte) ([]byte, error)

// ttlCache remembers answers for a while (the webhooks' caches).
type ttlCache[V any] struct {
	mu  sync.Mutex
	m   map[string]ttlEntry[V]
	now func() time.Time
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func newTTLCache[V any]() *ttlCache[V] {
	return &ttlCache[V]{m: map[string]ttlEntry[V]{}, now: time.Now}
}

func (c *ttlCache[V]) get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || !c.now().Before(e.expires) {
		delete(c.m, k)
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[V]) set(k string, v V, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 4096 { // bound it: drop what expired, else everything
		now := c.now()
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) > 4096 {
			c.m = map[string]ttlEntry[V]{}
		}
	}
	c.m[k] = ttlEntry[V]{v: v, expires: c.now().Add(ttl)}
}

// tokenWebhook authenticates bearer tokens with TokenReviews the apiserver
// answers (--authentication-token-webhook), each answer cached for ttl
// (--authentication-token-webhook-cache-ttl); errors are not cached.
type tokenWebhook struct {
	post  poster
	ttl   time.Duration
	cache *ttlCache[*user.Info] // nil value: rejected
}

func newTokenWebhook(post poster, ttl time.Duration) *tokenWebhook {
	return &tokenWebhook{post: post, ttl: ttl, cache: newTTLCache[*user.Info]()}
}

// AuthenticateToken implements authenticator.Token.
func (t *tokenWebhook) AuthenticateToken(ctx context.Context, token string) (*user.Info, bool, error) {
	sum := sha256.Sum256([]byte(token))
	key := string(sum[:])
	if u, ok := t.cache.get(key); ok {
		return u, u != nil, nil
	}
	tr := api.TokenReview{TypeMeta: api.TypeMeta{APIVersion: api.AuthenticationGroupVersion, Kind: "TokenReview"},
		Spec: api.TokenReviewSpec{Token: token}}
	body, _ := json.Marshal(&tr)
	out, err := t.post(ctx, "/apis/authentication.k8s.io/v1/tokenreviews", body)
	if err != nil {
		return nil, false, fmt.Errorf("token review: %w", err)
	}
	var got api.TokenReview
	if err := json.Unmarshal(out, &got); err != nil {
		return nil, false, fmt.Errorf("token review answer: %w", err)
	}
	var u *user.Info
	if gu := got.Status.User; got.Status.Authenticated && gu.Username != "" {
		u = &user.Info{Name: gu.Username, UID: gu.UID, Groups: gu.Groups, Extra: gu.Extra}
	}
	t.cache.set(key, u, t.ttl)
	return u, u != nil, nil
}

// sarWebhook authorizes with SubjectAccessReviews the apiserver answers
// (--authorization-mode=Webhook), caching allows for allowTTL and denials
// for denyTTL (--authorization-webhook-cache-authorized-ttl,
// --authorization-webhook-cache-unauthorized-ttl).
type sarWebhook struct {
	post              poster
	allowTTL, denyTTL time.Duration
	cache             *ttlCache[sarDecision]
}

type sarDecision struct {
	d      authorizer.Decision
	reason string
}

func newSARWebhook(post poster, allowTTL, denyTTL time.Duration) *sarWebhook {
	return &sarWebhook{post: post, allowTTL: allowTTL, denyTTL: denyTTL, cache: newTTLCache[sarDecision]()}
}

// Authorize implements authorizer.Authorizer.
func (s *sarWebhook) Authorize(ctx context.Context, a authorizer.Attributes) (authorizer.Decision, string, error) {
	r := api.SubjectAccessReview{TypeMeta: api.TypeMeta{APIVersion: api.AuthorizationGroup + "/v1", Kind: "SubjectAccessReview"}}
	r.Spec.ResourceAttributes = &api.ResourceAttributes{Namespace: a.Namespace, Verb: a.Verb, Group: a.APIGroup,
		Version: a.APIVersion, Resource: a.Resource, Subresource: a.Subresource, Name: a.Name}
	if a.User != nil {
		r.Spec.User, r.Spec.Groups, r.Spec.Extra, r.Spec.UID = a.User.Name, a.User.Groups, a.User.Extra, a.User.UID
	}
	body, _ := json.Marshal(&r)
	key := string(body)
	if d, ok := s.cache.get(key); ok {
		return d.d, d.reason, nil
	}
	out, err := s.post(ctx, "/apis/authorization.k8s.io/v1/subjectaccessreviews", body)
	if err != nil {
		return authorizer.DecisionNoOpinion, "", fmt.Errorf("subject access review: %w", err)
	}
	var got api.SubjectAccessReview
	if err := json.Unmarshal(out, &got); err != nil {
		return authorizer.DecisionNoOpinion, "", fmt.Errorf("subject access review answer: %w", err)
	}
	d := sarDecision{d: authorizer.DecisionNoOpinion, reason: got.Status.Reason}
	ttl := s.denyTTL
	switch {
	case got.Status.Allowed:
		d.d, ttl = authorizer.DecisionAllow, s.allowTTL
	case got.Status.Denied:
		d.d = authorizer.DecisionDeny
	}
	s.cache.set(key, d, ttl)
	return d.d, d.reason, nil
}
