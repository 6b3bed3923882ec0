// Package request holds what the apiserver's filters learn about a request
// before its handler runs (k8s.io/apiserver's pkg/endpoints/request): the
// RequestInfo parsed from its path and method. The authentication filter
// puts the user in the context with pkg/auth/user.WithUser.
package request

import "context"

// RequestInfo is a request's API coordinates (Kubernetes' RequestInfo).
type RequestInfo struct {
	IsResourceRequest bool
	Path              string
	// Verb: get, list, watch, create, update, patch, delete,
	// deletecollection (resource requests), or the lower-case HTTP method.
	Verb        string
	APIPrefix   string // api or apis
	APIGroup    string
	APIVersion  string
	Namespace   string
	Resource    string
	Subresource string
	Name        string
	Parts       []string
	// FieldSelector and LabelSelector are the raw query selectors of a
	// list, watch or deletecollection.
	FieldSelector, LabelSelector string
}

type ctxKey struct{}

// WithRequestInfo returns ctx carrying info.
func WithRequestInfo(ctx context.Context, info *RequestInfo) context.Context {
	return context.WithValue(ctx, ctxKey{}, info)
}

// RequestInfoFrom returns the RequestInfo ctx carries.
func RequestInfoFrom(ctx context.Context) (*RequestInfo, bool) {
	info, ok := ctx.Value(ctxKey{}).(*RequestInfo)
	return info, ok && info != nil
}
