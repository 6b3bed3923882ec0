package serviceaccount

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/auth/user"
)

// Leeway is the clock skew tolerated on exp, nbf and iat (go-jose's
// DefaultLeeway, which Kubernetes' validator uses).
const Leeway = time.Minute

// Binding is what a token is bound to besides its ServiceAccount: at most
// one of Pod, Secret, Node (a pod-bound token also names the pod's node).
type Binding struct {
	Pod    *api.Pod
	Secret *api.Secret
	Node   *api.Node
}

// NewClaims are the claims of a token for sa, valid from now for
// expirationSeconds, for the audiences (Kubernetes' serviceaccount.Claims).
func NewClaims(issuer string, sa *api.ServiceAccount, b Binding, expirationSeconds int64, audiences []string, now time.Time) *Claims {
	c := &Claims{
		Issuer:    issuer,
		Subject:   MakeUsername(sa.Namespace, sa.Name),
		Audience:  Audience(audiences),
		IssuedAt:  now.Unix(),
		NotBefore: now.Unix(),
		Expiry:    now.Add(api.Seconds(expirationSeconds)).Unix(),
		ID:        newUUID(),
		Kubernetes: &KubernetesClaim{
			Namespace:      sa.Namespace,
			ServiceAccount: Ref{Name: sa.Name, UID: sa.UID},
		},
	}
	if b.Pod != nil {
		c.Kubernetes.Pod = &Ref{Name: b.Pod.Name, UID: b.Pod.UID}
	}
	if b.Secret != nil {
		c.Kubernetes.Secret = &Ref{Name: b.Secret.Name, UID: b.Secret.UID}
	}
	if b.Node != nil {
		c.Kubernetes.Node = &Ref{Name: b.Node.Name, UID: b.Node.UID}
	}
	return c
}

// newUUID is a random (version 4) UUID, the token's jti.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// MakeUsername is system:serviceaccount:NS:NAME.
func MakeUsername(namespace, name string) string {
	return user.ServiceAccountUsernamePrefix + namespace + ":" + name
}

// SplitUsername is the inverse of MakeUsername.
func SplitUsername(username string) (namespace, name string, err error) {
	if !strings.HasPrefix(username, user.ServiceAccountUsernamePrefix) {
		return "", "", errors.New("username must be in the form system:serviceaccount:namespace:name")
	}
	parts := strings.Split(strings.TrimPrefix(username, user.ServiceAccountUsernamePrefix), ":")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", "", errors.New("username must be in the form system:serviceaccount:namespace:name")
	}
	return parts[0], parts[1], nil
}

// MakeGroupNames are a ServiceAccount's groups.
func MakeGroupNames(namespace string) []string {
	return []string{user.AllServiceAccountsGroup, user.ServiceAccountGroupPrefix + namespace}
}

// checkTimes is go-jose's Claims.ValidateWithLeeway as Kubernetes maps
// its errors.
func (c *Claims) checkTimes(now time.Time) error {
	switch {
	case c.NotBefore != 0 && now.Add(Leeway).Before(time.Unix(c.NotBefore, 0)):
		return errors.New("service account token is not valid yet")
	case c.Expiry != 0 && now.Add(-Leeway).After(time.Unix(c.Expiry, 0)):
		return errors.New("service account token has expired")
	case c.IssuedAt != 0 && now.Add(Leeway).Before(time.Unix(c.IssuedAt, 0)):
		return errors.New("service account token is issued in the future")
	}
	return nil
}

// checkAudience: the token must be for one of the API audiences.
func (c *Claims) checkAudience(audiences []string) error {
	for _, a := range c.Audience {
		if slices.Contains(audiences, a) {
			return nil
		}
	}
	return fmt.Errorf("token audiences %q is invalid for the target audiences %q", []string(c.Audience), audiences)
}

// UserInfo is the ServiceAccount user of valid claims, with Kubernetes'
// extra: the bound pod (and its node) and the credential id.
func (c *Claims) UserInfo() *user.Info {
	k := c.Kubernetes
	u := &user.Info{
		Name:   MakeUsername(k.Namespace, k.ServiceAccount.Name),
		UID:    k.ServiceAccount.UID,
		Groups: MakeGroupNames(k.Namespace),
		Extra:  map[string][]string{},
	}
	if k.Pod != nil {
		u.Extra["authentication.kubernetes.io/pod-name"] = []string{k.Pod.Name}
		u.Extra["authentication.kubernetes.io/pod-uid"] = []string{k.Pod.UID}
	}
	if k.Node != nil {
		u.Extra["authentication.kubernetes.io/node-name"] = []string{k.Node.Name}
		u.Extra["authentication.kubernetes.io/node-uid"] = []string{k.Node.UID}
	}
	if c.ID != "" {
		u.Extra["authentication.kubernetes.io/credential-id"] = []string{"JTI=" + c.ID}
	}
	if len(u.Extra) == 0 {
		u.Extra = nil
	}
	return u
}
