// Package user is the identity of a request (k8s.io/apiserver's
// pkg/authentication/user): who made it and in which groups, as every
// authenticator produces it and every authorizer reads it.
package user

import "context"

// Well-known users and groups (Kubernetes' names).
const (
	Anonymous             = "system:anonymous"
	AllUnauthenticated    = "system:unauthenticated"
	AllAuthenticated      = "system:authenticated"
	SystemPrivilegedGroup = "system:masters"
	NodesGroup            = "system:nodes"
	NodeUserPrefix        = "system:node:"
	MonitoringGroup       = "system:monitoring"

	ServiceAccountUsernamePrefix = "system:serviceaccount:"
	AllServiceAccountsGroup      = "system:serviceaccounts"
	ServiceAccountGroupPrefix    = "system:serviceaccounts:"

	KubeProxy             = "system:kube-proxy"
	KubeControllerManager = "system:kube-controller-manager"
	KubeScheduler         = "system:kube-scheduler"
	// APIServerUser is the apiserver's own identity when it talks to
	// kubelets (its kubelet client certificate's CN).
	APIServerUser = "kube-apiserver-kubelet-client"
)

// Info is an authenticated identity.
type Info struct {
	Name   string              `json:"username"`
	UID    string              `json:"uid,omitempty"`
	Groups []string            `json:"groups,omitempty"`
	Extra  map[string][]string `json:"extra,omitempty"`
}

// InGroup reports whether the user is in group g.
func (u *Info) InGroup(g string) bool {
	if u == nil {
		return false
	}
	for _, x := range u.Groups {
		if x == g {
			return true
		}
	}
	return false
}

type ctxKey struct{}

// WithUser returns ctx carrying u.
func WithUser(ctx context.Context, u *Info) context.Context {
	return context.WithValue(ctx, ctxKey{}, u)
}

// From returns the user ctx carries.
func From(ctx context.Context) (*Info, bool) {
	u, ok := ctx.Value(ctxKey{}).(*Info)
	return u, ok && u != nil
}
