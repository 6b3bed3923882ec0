package apiserver

import (
	"fmt"
	"log"
	"net/http"

	"minik8s/apiserver/request"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

// withFilters wraps the router in the request filters, outermost first, as
// Kubernetes' DefaultBuildHandlerChain: request info, authentication
// (401; the Authorization header is then dropped, so proxied requests do
// not carry it on), impersonation (403 unless the requester may
// impersonate), the in-flight limit (429), authorization (403), then the handler. The filters read s.authn
// and s.authz, which Run sets before serving.
func (s *Server) withFilters(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := request.NewRequestInfo(r)
		ctx := request.WithRequestInfo(r.Context(), info)
		ctx = withAdmissionRecord(ctx) // admission_context.go: warnings and audit annotations
		u, err := s.authenticate(r)
		if err != nil {
			s.auditFailedAuthentication(w, r, info) // audit_filter.go
			writeError(w, err)
			return
		}
		r.Header.Del("Authorization")
		defer s.auditRequest(r, u, &ctx, &w)() // audit_filter.go: Audit-ID, RequestReceived … ResponseComplete
		if u, err = s.impersonate(r.WithContext(ctx), u); err != nil {
			writeError(w, err)
			return
		}
		ctx = user.WithUser(ctx, u)
		release, ok := s.inflight.admit(info, u) // inflight.go: --max-requests-inflight (429)
		if !ok {
			writeTooManyRequests(w)
			return
		}
		defer release()
		attrs := attributesOf(u, info)
		d, reason, err := s.authz.Authorize(ctx, attrs)
		if d != authorizer.DecisionAllow {
			if err != nil {
				log.Printf("apiserver: authorizing %s %s for %q: %v", r.Method, r.URL.Path, u.Name, err)
				writeError(w, errInternal(err))
				return
			}
			writeError(w, errForbiddenRequest(attrs, reason))
			return
		}
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// unsecuredUser is everyone on an apiserver without authentication (plain
// HTTP in in-process tests), as Kubernetes' old insecure port.
var unsecuredUser = &user.Info{Name: "system:unsecured", Groups: []string{user.SystemPrivilegedGroup, user.AllAuthenticated}}

// anonymousUser is a request without credentials when --anonymous-auth.
var anonymousUser = &user.Info{Name: user.Anonymous, Groups: []string{user.AllUnauthenticated}}

// authenticate returns the request's user: the authenticator's answer, the
// anonymous user when the request carries no credentials (and anonymous
// requests are allowed), else a 401 Status.
func (s *Server) authenticate(r *http.Request) (*user.Info, error) {
	a := s.authn
	if s.opts.Authenticator != nil {
		a = s.opts.Authenticator
	}
	if a == nil {
		return unsecuredUser, nil
	}
	u, ok, err := a.AuthenticateRequest(r)
	if err != nil {
		log.Printf("apiserver: unable to authenticate %s %s: %v", r.Method, r.URL.Path, err)
		return nil, errUnauthorized()
	}
	if ok {
		return u, nil
	}
	if s.opts.AnonymousAuth {
		return anonymousUser, nil
	}
	return nil, errUnauthorized()
}

// attributesOf is what authorizers see of a request.
func attributesOf(u *user.Info, info *request.RequestInfo) authorizer.Attributes {
	return authorizer.Attributes{
		User: u, Verb: info.Verb, ResourceRequest: info.IsResourceRequest, Path: info.Path,
		Namespace: info.Namespace, APIGroup: info.APIGroup, APIVersion: info.APIVersion,
		Resource: info.Resource, Subresource: info.Subresource, Name: info.Name,
		FieldSelector: info.FieldSelector, LabelSelector: info.LabelSelector,
	}
}

// errUnauthorized is Kubernetes' 401: {"message":"Unauthorized","reason":"Unauthorized"}.
func errUnauthorized() *statusError {
	return newStatusError(http.StatusUnauthorized, "Unauthorized", "Unauthorized", nil)
}

// errForbiddenRequest is Kubernetes' 403 for a request no authorizer
// allowed (responsewriters.Forbidden): `pods is forbidden: User "bob"
// cannot list resource "pods" in API group "" in the namespace "default"`.
func errForbiddenRequest(a authorizer.Attributes, reason string) *statusError {
	msg := forbiddenMessage(a)
	if reason != "" {
		msg += ": " + reason
	}
	gr := a.Resource
	if a.APIGroup != "" && gr != "" {
		gr += "." + a.APIGroup
	}
	switch {
	case !a.ResourceRequest || gr == "":
		msg = "forbidden: " + msg
	case a.Name == "":
		msg = fmt.Sprintf("%s is forbidden: %s", gr, msg)
	default:
		msg = fmt.Sprintf("%s %q is forbidden: %s", gr, a.Name, msg)
	}
	var d *api.StatusDetails
	if a.ResourceRequest {
		d = &api.StatusDetails{Name: a.Name, Group: a.APIGroup, Kind: a.Resource}
	}
	return newStatusError(http.StatusForbidden, reasonForbidden, msg, d)
}

func forbiddenMessage(a authorizer.Attributes) string {
	name := ""
	if a.User != nil {
		name = a.User.Name
	}
	if !a.ResourceRequest {
		return fmt.Sprintf("User %q cannot %s path %q", name, a.Verb, a.Path)
	}
	res := a.Resource
	if a.Subresource != "" {
		res += "/" + a.Subresource
	}
	if a.Namespace != "" {
		return fmt.Sprintf("User %q cannot %s resource %q in API group %q in the namespace %q", name, a.Verb, res, a.APIGroup, a.Namespace)
	}
	return fmt.Sprintf("User %q cannot %s resource %q in API group %q at the cluster scope", name, a.Verb, res, a.APIGroup)
}
