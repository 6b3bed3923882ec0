package apiserver

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"

	"minik8s/apiserver/authentication"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/user"
	"minik8s/pkg/serviceaccount"
)

// TokenReview and SelfSubjectReview (authentication.k8s.io/v1), as
// Kubernetes' pkg/registry/authentication: answered, never stored.

func init() {
	virtualResources = append(virtualResources,
		virtualResource{group: api.AuthenticationGroup, version: "v1", resource: "selfsubjectreviews", singular: "selfsubjectreview",
			kind: "SelfSubjectReview", serve: (*Server).serveSelfSubjectReview},
		virtualResource{group: api.AuthenticationGroup, version: "v1", resource: "tokenreviews", singular: "tokenreview",
			kind: "TokenReview", serve: (*Server).serveTokenReview},
	)
}

// checkReviewKind accepts the kind (or none) in authentication.k8s.io/v1.
func checkReviewKind(tm *api.TypeMeta, kind string) error {
	if tm.Kind != "" && tm.Kind != kind {
		return errBadRequest(fmt.Sprintf("expected kind %s, got %s", kind, tm.Kind))
	}
	if tm.APIVersion != "" && tm.APIVersion != api.AuthenticationGroupVersion {
		return errBadRequest(fmt.Sprintf("the API version in the data (%s) does not match the expected API version (%s)", tm.APIVersion, api.AuthenticationGroupVersion))
	}
	return nil
}

// serveTokenReview authenticates spec.token with the token authenticators
// (the union behind "Authorization: Bearer", with the group adder) for
// spec.audiences (default the API audiences).
func (s *Server) serveTokenReview(w http.ResponseWriter, r *http.Request, _ string) error {
	var tr api.TokenReview
	if err := s.decodeAuthnBody(w, r, &tr, &authenticationv1.TokenReview{}); err != nil {
		return err
	}
	if err := checkReviewKind(&tr.TypeMeta, "TokenReview"); err != nil {
		return err
	}
	if tr.Spec.Token == "" {
		return errBadRequest("token is required for TokenReview in authentication")
	}
	tr.TypeMeta = api.TypeMeta{Kind: "TokenReview", APIVersion: api.AuthenticationGroupVersion}
	tr.CreationTimestamp = api.Now()
	tr.Status = s.reviewToken(r, tr.Spec)
	writeJSON(w, http.StatusCreated, &tr)
	return nil
}

// reviewToken is a TokenReview's status.
func (s *Server) reviewToken(r *http.Request, spec api.TokenReviewSpec) api.TokenReviewStatus {
	c := s.chain()
	if c == nil || c.tokens == nil {
		return api.TokenReviewStatus{Error: "no token authenticator is configured"}
	}
	auds := spec.Audiences
	if len(auds) == 0 {
		auds = c.audiences
	}
	fake, _ := http.NewRequestWithContext(serviceaccount.WithAudiences(r.Context(), auds), http.MethodGet, "/", nil)
	fake.Header.Set("Authorization", "Bearer "+spec.Token)
	a := authentication.AuthenticatedGroupAdder{Authenticator: authentication.BearerToken{Token: c.tokens}}
	u, ok, err := a.AuthenticateRequest(fake)
	var st api.TokenReviewStatus
	if err != nil {
		st.Error = err.Error()
	}
	if !ok {
		return st
	}
	// A token file's tokens are for the API audiences; a ServiceAccount
	// token for its own (already checked against auds).
	tokenAuds := serviceaccount.AudiencesOf(spec.Token)
	if tokenAuds == nil || !isServiceAccount(u) {
		tokenAuds = c.audiences
	}
	st.Audiences = intersect(auds, tokenAuds)
	if len(st.Audiences) == 0 {
		return api.TokenReviewStatus{Error: fmt.Sprintf("token audiences %q is invalid for the target audiences %q", tokenAuds, auds)}
	}
	st.Authenticated = true
	st.User = userInfoOf(u)
	return st
}

func isServiceAccount(u *user.Info) bool {
	_, _, err := serviceaccount.SplitUsername(u.Name)
	return err == nil
}

func intersect(a, b []string) []string {
	var out []string
	for _, x := range a {
		if slices.Contains(b, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func userInfoOf(u *user.Info) api.UserInfo {
	return api.UserInfo{Username: u.Name, UID: u.UID, Groups: u.Groups, Extra: u.Extra}
}

// serveSelfSubjectReview answers the requester's own identity (after
// impersonation), as `kubectl auth whoami` asks it.
func (s *Server) serveSelfSubjectReview(w http.ResponseWriter, r *http.Request, _ string) error {
	var ssr api.SelfSubjectReview
	if err := s.decodeAuthnBody(w, r, &ssr, &authenticationv1.SelfSubjectReview{}); err != nil {
		return err
	}
	if err := checkReviewKind(&ssr.TypeMeta, "SelfSubjectReview"); err != nil {
		return err
	}
	u, ok := user.From(r.Context())
	if !ok {
		return errInternal(fmt.Errorf("no user in the request"))
	}
	out := api.SelfSubjectReview{TypeMeta: api.TypeMeta{Kind: "SelfSubjectReview", APIVersion: api.AuthenticationGroupVersion}}
	out.CreationTimestamp = api.NewTime(time.Now().UTC().Truncate(time.Second))
	out.Status.UserInfo = userInfoOf(u)
	writeJSON(w, http.StatusCreated, &out)
	return nil
}
