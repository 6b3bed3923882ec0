// Package authorizer is the seam between a request's attributes and the
// decision on it (k8s.io/apiserver's pkg/authorization/authorizer): RBAC,
// the Node authorizer and AlwaysAllow implement Authorizer; Union asks them
// in turn, as --authorization-mode=Node,RBAC does.
package authorizer

import (
	"context"

	"minik8s/pkg/auth/user"
)

// Attributes describe one request as authorizers see it.
type Attributes struct {
	User *user.Info
	// Verb is the API verb for resource requests (get, list, watch,
	// create, update, patch, delete, deletecollection, and the special
	// verbs impersonate, bind, escalate, use, approve), or the lower-case
	// HTTP method for non-resource requests (get, post, put, delete, …).
	Verb            string
	ResourceRequest bool
	Namespace       string
	APIGroup        string // "" for the core group
	APIVersion      string
	Resource        string // pods
	Subresource     string // log, status, exec, …
	Name            string
	Path            string // the URL path (non-resource requests: /healthz, /version, …)
	// FieldSelector and LabelSelector are a list's or a watch's selectors,
	// raw (Kubernetes 1.32's AuthorizeWithSelectors: the Node authorizer
	// lets a kubelet list only spec.nodeName=itself).
	FieldSelector, LabelSelector string
}

// Decision is an authorizer's answer.
type Decision int

const (
	// DecisionDeny: the request is refused, no later authorizer is asked.
	DecisionDeny Decision = iota
	// DecisionAllow: the request is allowed, no later authorizer is asked.
	DecisionAllow
	// DecisionNoOpinion: this authorizer neither allows nor denies.
	DecisionNoOpinion
)

// Authorizer decides on requests. reason explains an allow or a deny
// (it ends up in 403 messages and SubjectAccessReview status).
type Authorizer interface {
	Authorize(ctx context.Context, a Attributes) (d Decision, reason string, err error)
}

// Func adapts a function to Authorizer.
type Func func(ctx context.Context, a Attributes) (Decision, string, error)

// Authorize calls f.
func (f Func) Authorize(ctx context.Context, a Attributes) (Decision, string, error) {
	return f(ctx, a)
}

// AlwaysAllow allows everything (--authorization-mode=AlwaysAllow).
var AlwaysAllow Authorizer = Func(func(context.Context, Attributes) (Decision, string, error) {
	return DecisionAllow, "", nil
})

// AlwaysDeny denies everything (--authorization-mode=AlwaysDeny).
var AlwaysDeny Authorizer = Func(func(context.Context, Attributes) (Decision, string, error) {
	return DecisionDeny, "Everything is forbidden.", nil
})

// Union asks each authorizer in turn; the first Allow or Deny wins. Errors
// are remembered and returned with a final NoOpinion.
type Union []Authorizer

// Authorize implements Authorizer.
func (u Union) Authorize(ctx context.Context, a Attributes) (Decision, string, error) {
	var firstErr error
	var reasons []string
	for _, z := range u {
		d, reason, err := z.Authorize(ctx, a)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if d == DecisionAllow || d == DecisionDeny {
			return d, reason, nil
		}
		if reason != "" {
			reasons = append(reasons, reason)
		}
	}
	return DecisionNoOpinion, joinReasons(reasons), firstErr
}

func joinReasons(r []string) string {
	s := ""
	for i, x := range r {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}
