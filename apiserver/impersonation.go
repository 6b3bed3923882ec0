package apiserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
	"minik8s/pkg/serviceaccount"
)

// Impersonation headers (authentication.k8s.io/v1).
const (
	impersonateUserHeader        = "Impersonate-User"
	impersonateUIDHeader         = "Impersonate-Uid"
	impersonateGroupHeader       = "Impersonate-Group"
	impersonateUserExtraPrefix   = "Impersonate-Extra-"
	authenticationGroup          = "authentication.k8s.io"
	impersonateVerb              = "impersonate"
	impersonationKindUser        = "User"
	impersonationKindSA          = "ServiceAccount"
	impersonationKindGroup       = "Group"
	impersonationKindUserExtra   = "UserExtra"
	impersonationKindUID         = "UID"
	impersonationKindAPIVersion  = "authentication.k8s.io/v1"
	impersonationResourceUsers   = "users"
	impersonationResourceGroups  = "groups"
	impersonationResourceSAs     = "serviceaccounts"
	impersonationResourceExtras  = "userextras"
	impersonationResourceUIDs    = "uids"
	impersonationNoUserErrFormat = "requested %v without impersonating a user"
)

// impersonation is one thing a request asks to act as (Kubernetes'
// buildImpersonationRequests' ObjectReference): a user, a ServiceAccount,
// a group, a uid, or one value of an extra (Key).
type impersonation struct {
	Kind, Namespace, Name, Key string
}

// String is how Kubernetes prints the ObjectReference in its error.
func (i impersonation) String() string {
	apiVersion := ""
	if i.Kind == impersonationKindUserExtra || i.Kind == impersonationKindUID {
		apiVersion = impersonationKindAPIVersion
	}
	return fmt.Sprintf("{%s %s %s  %s  %s}", i.Kind, i.Namespace, i.Name, apiVersion, i.Key)
}

// impersonationsOf reads the impersonation headers. Groups, extras or a
// uid without a user are an error.
func impersonationsOf(h http.Header) ([]impersonation, error) {
	var out []impersonation
	hasUser := false
	if u := h.Get(impersonateUserHeader); u != "" {
		hasUser = true
		if ns, name, err := serviceaccount.SplitUsername(u); err == nil {
			out = append(out, impersonation{Kind: impersonationKindSA, Namespace: ns, Name: name})
		} else {
			out = append(out, impersonation{Kind: impersonationKindUser, Name: u})
		}
	}
	others := false
	for _, g := range h.Values(impersonateGroupHeader) {
		others = true
		out = append(out, impersonation{Kind: impersonationKindGroup, Name: g})
	}
	keys := make([]string, 0)
	for k := range h {
		if strings.HasPrefix(k, impersonateUserExtraPrefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		key := strings.ToLower(k[len(impersonateUserExtraPrefix):])
		if un, err := url.PathUnescape(key); err == nil {
			key = un
		}
		for _, v := range h.Values(k) {
			others = true
			out = append(out, impersonation{Kind: impersonationKindUserExtra, Name: v, Key: key})
		}
	}
	if uid := h.Get(impersonateUIDHeader); uid != "" {
		others = true
		out = append(out, impersonation{Kind: impersonationKindUID, Name: uid})
	}
	if others && !hasUser {
		return nil, fmt.Errorf(impersonationNoUserErrFormat, out)
	}
	return out, nil
}

// attributes is what the requester must be allowed for one impersonation.
func (i impersonation) attributes(requester *user.Info) authorizer.Attributes {
	a := authorizer.Attributes{User: requester, Verb: impersonateVerb, ResourceRequest: true, Name: i.Name}
	switch i.Kind {
	case impersonationKindSA:
		a.Resource, a.Namespace = impersonationResourceSAs, i.Namespace
	case impersonationKindUser:
		a.Resource = impersonationResourceUsers
	case impersonationKindGroup:
		a.Resource = impersonationResourceGroups
	case impersonationKindUserExtra:
		a.APIGroup, a.Resource, a.Subresource = authenticationGroup, impersonationResourceExtras, i.Key
	case impersonationKindUID:
		a.APIGroup, a.Resource = authenticationGroup, impersonationResourceUIDs
	}
	return a
}

// impersonatedUser is the identity the request runs as (Kubernetes'
// WithImpersonation): a ServiceAccount gets its groups unless groups are
// given; system:authenticated is added unless the groups already hold it
// or system:unauthenticated (system:anonymous gets system:unauthenticated).
func impersonatedUser(reqs []impersonation) *user.Info {
	u := &user.Info{}
	groupsSpecified := false
	for _, r := range reqs {
		if r.Kind == impersonationKindGroup {
			groupsSpecified = true
		}
	}
	for _, r := range reqs {
		switch r.Kind {
		case impersonationKindSA:
			u.Name = serviceaccount.MakeUsername(r.Namespace, r.Name)
			if !groupsSpecified {
				u.Groups = serviceaccount.MakeGroupNames(r.Namespace)
			}
		case impersonationKindUser:
			u.Name = r.Name
		case impersonationKindGroup:
			u.Groups = append(u.Groups, r.Name)
		case impersonationKindUserExtra:
			if u.Extra == nil {
				u.Extra = map[string][]string{}
			}
			u.Extra[r.Key] = append(u.Extra[r.Key], r.Name)
		case impersonationKindUID:
			u.UID = r.Name
		}
	}
	if u.Name == user.Anonymous {
		if !slices.Contains(u.Groups, user.AllUnauthenticated) {
			u.Groups = append(u.Groups, user.AllUnauthenticated)
		}
	} else if !slices.Contains(u.Groups, user.AllAuthenticated) && !slices.Contains(u.Groups, user.AllUnauthenticated) {
		u.Groups = append(u.Groups, user.AllAuthenticated)
	}
	return u
}

// impersonate applies the request's impersonation headers: each
// impersonation must be allowed the verb impersonate (else 403 as
// Kubernetes' responsewriters.Forbidden); the headers are then removed
// and the request runs as the impersonated user. No headers: requester.
func (s *Server) impersonate(r *http.Request, requester *user.Info) (*user.Info, error) {
	reqs, err := impersonationsOf(r.Header)
	if err != nil {
		return nil, errInternal(err)
	}
	if len(reqs) == 0 {
		return requester, nil
	}
	for _, imp := range reqs {
		attrs := imp.attributes(requester)
		d, reason, err := s.authz.Authorize(r.Context(), attrs)
		if d != authorizer.DecisionAllow || err != nil {
			return nil, errForbiddenRequest(attrs, reason)
		}
	}
	r.Header.Del(impersonateUserHeader)
	r.Header.Del(impersonateUIDHeader)
	r.Header.Del(impersonateGroupHeader)
	for k := range r.Header {
		if strings.HasPrefix(k, impersonateUserExtraPrefix) {
			r.Header.Del(k)
		}
	}
	return impersonatedUser(reqs), nil
}
