package apiserver

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

// Access reviews (authorization.k8s.io/v1): create-only virtual resources
// that ask this server's authorizer (the whole --authorization-mode union)
// a question and answer in status, as Kubernetes' pkg/registry/
// authorization. Nothing is stored.

// reviewInfo names a review kind for errors (it is not in the registry).
func reviewInfo(kind, resource string, namespaced bool) *api.ResourceInfo {
	return &api.ResourceInfo{Group: api.AuthorizationGroup, Version: "v1", Kind: kind, Resource: resource, Namespaced: namespaced}
}

func init() {
	review := func(kind, resource string, namespaced bool, answer reviewFunc) virtualResource {
		info := reviewInfo(kind, resource, namespaced)
		return virtualResource{group: api.AuthorizationGroup, version: "v1", resource: resource, singular: strings.ToLower(kind), kind: kind,
			namespaced: namespaced, serve: func(s *Server, w http.ResponseWriter, r *http.Request, ns string) error {
				body, err := s.reviewBody(w, r, info)
				if err != nil {
					return err
				}
				u, _ := user.From(r.Context())
				out, err := answer(s, r.Context(), u, ns, body)
				if err != nil {
					return err
				}
				writeJSON(w, http.StatusCreated, out)
				return nil
			}}
	}
	virtualResources = append(virtualResources,
		review("LocalSubjectAccessReview", "localsubjectaccessreviews", true, (*Server).localSubjectAccessReview),
		review("SelfSubjectAccessReview", "selfsubjectaccessreviews", false, (*Server).selfSubjectAccessReview),
		review("SelfSubjectRulesReview", "selfsubjectrulesreviews", false, (*Server).selfSubjectRulesReview),
		review("SubjectAccessReview", "subjectaccessreviews", false, (*Server).subjectAccessReview),
	)
}

// reviewFunc answers one review: the requesting user, the URL's namespace
// and the (JSON) body.
type reviewFunc func(s *Server, ctx context.Context, u *user.Info, ns string, body []byte) (any, error)

// reviewBody reads a JSON or protobuf review.
func (s *Server) reviewBody(w http.ResponseWriter, r *http.Request, info *api.ResourceInfo) ([]byte, error) {
	isProto, err := checkBodyType(r)
	if err != nil {
		return nil, err
	}
	b, err := s.readBody(w, r)
	if err != nil {
		return nil, err
	}
	if isProto {
		return protobufToJSON(info, b)
	}
	return b, nil
}

func decodeReview(info *api.ResourceInfo, b []byte, into api.Object) error {
	if err := json.Unmarshal(b, into); err != nil {
		return errBadRequest("invalid " + info.Kind + ": " + err.Error())
	}
	tm := into.GetTypeMeta()
	tm.APIVersion, tm.Kind = info.APIVersion(), info.Kind
	return nil
}

func (s *Server) selfSubjectAccessReview(ctx context.Context, u *user.Info, _ string, b []byte) (any, error) {
	info := reviewInfo("SelfSubjectAccessReview", "selfsubjectaccessreviews", false)
	var rv api.SelfSubjectAccessReview
	if err := decodeReview(info, b, &rv); err != nil {
		return nil, err
	}
	if errs := validateReviewAttributes(rv.Spec.ResourceAttributes, rv.Spec.NonResourceAttributes); len(errs) > 0 {
		return nil, errInvalid(info, "", errs)
	}
	rv.Status = s.review(ctx, u, rv.Spec.ResourceAttributes, rv.Spec.NonResourceAttributes)
	return &rv, nil
}

func (s *Server) subjectAccessReview(ctx context.Context, _ *user.Info, _ string, b []byte) (any, error) {
	info := reviewInfo("SubjectAccessReview", "subjectaccessreviews", false)
	var rv api.SubjectAccessReview
	if err := decodeReview(info, b, &rv); err != nil {
		return nil, err
	}
	errs := validateReviewAttributes(rv.Spec.ResourceAttributes, rv.Spec.NonResourceAttributes)
	if rv.Spec.User == "" && len(rv.Spec.Groups) == 0 {
		errs = append(errs, validation.Invalid("spec.user", rv.Spec.User, "at least one of user or group must be specified"))
	}
	if len(errs) > 0 {
		return nil, errInvalid(info, "", errs)
	}
	rv.Status = s.review(ctx, specUser(&rv.Spec), rv.Spec.ResourceAttributes, rv.Spec.NonResourceAttributes)
	return &rv, nil
}

func (s *Server) localSubjectAccessReview(ctx context.Context, _ *user.Info, ns string, b []byte) (any, error) {
	info := reviewInfo("LocalSubjectAccessReview", "localsubjectaccessreviews", true)
	var rv api.LocalSubjectAccessReview
	if err := decodeReview(info, b, &rv); err != nil {
		return nil, err
	}
	if rv.Namespace == "" {
		rv.Namespace = ns
	}
	errs := validateReviewAttributes(rv.Spec.ResourceAttributes, rv.Spec.NonResourceAttributes)
	if rv.Spec.User == "" && len(rv.Spec.Groups) == 0 {
		errs = append(errs, validation.Invalid("spec.user", rv.Spec.User, "at least one of user or group must be specified"))
	}
	if rv.Spec.NonResourceAttributes != nil {
		errs = append(errs, validation.Invalid("spec.nonResourceAttributes", rv.Spec.NonResourceAttributes, "disallowed on this kind of request"))
	}
	if ra := rv.Spec.ResourceAttributes; ra != nil && ra.Namespace != rv.Namespace {
		errs = append(errs, validation.Invalid("spec.resourceAttributes.namespace", ra.Namespace, "must match metadata.namespace"))
	}
	if rv.Namespace != ns {
		errs = append(errs, validation.Invalid("metadata.namespace", rv.Namespace, "must match the namespace of the request"))
	}
	if len(errs) > 0 {
		return nil, errInvalid(info, "", errs)
	}
	rv.Status = s.review(ctx, specUser(&rv.Spec), rv.Spec.ResourceAttributes, nil)
	return &rv, nil
}

func specUser(spec *api.SubjectAccessReviewSpec) *user.Info {
	return &user.Info{Name: spec.User, UID: spec.UID, Groups: spec.Groups, Extra: spec.Extra}
}

// validateReviewAttributes: exactly one of resourceAttributes and
// nonResourceAttributes (Kubernetes' messages).
func validateReviewAttributes(ra *api.ResourceAttributes, nra *api.NonResourceAttributes) validation.ErrorList {
	switch {
	case ra != nil && nra != nil:
		return validation.ErrorList{validation.Invalid("spec.nonResourceAttributes", nra, "cannot be specified in combination with resourceAttributes")}
	case ra == nil && nra == nil:
		return validation.ErrorList{validation.Required("spec.resourceAttributes", "exactly one of nonResourceAttributes or resourceAttributes must be specified")}
	}
	return nil
}

// review asks the authorizer about u and the attributes.
func (s *Server) review(ctx context.Context, u *user.Info, ra *api.ResourceAttributes, nra *api.NonResourceAttributes) api.SubjectAccessReviewStatus {
	a := authorizer.Attributes{User: u}
	if ra != nil {
		a.ResourceRequest = true
		a.Verb, a.Namespace, a.APIGroup, a.APIVersion = ra.Verb, ra.Namespace, ra.Group, ra.Version
		a.Resource, a.Subresource, a.Name = ra.Resource, ra.Subresource, ra.Name
		if ra.FieldSelector != nil {
			a.FieldSelector = ra.FieldSelector.RawSelector
		}
		if ra.LabelSelector != nil {
			a.LabelSelector = ra.LabelSelector.RawSelector
		}
	} else {
		a.Verb, a.Path = nra.Verb, nra.Path
	}
	d, reason, err := s.authz.Authorize(ctx, a)
	st := api.SubjectAccessReviewStatus{Allowed: d == authorizer.DecisionAllow, Denied: d == authorizer.DecisionDeny, Reason: reason}
	if err != nil {
		st.EvaluationError = err.Error()
	}
	return st
}

// selfSubjectRulesReview lists the RBAC rules of the requesting user in
// the namespace (incomplete when RBAC is not the only authorizer).
func (s *Server) selfSubjectRulesReview(ctx context.Context, u *user.Info, _ string, b []byte) (any, error) {
	info := reviewInfo("SelfSubjectRulesReview", "selfsubjectrulesreviews", false)
	var rv api.SelfSubjectRulesReview
	if err := decodeReview(info, b, &rv); err != nil {
		return nil, err
	}
	if rv.Spec.Namespace == "" {
		return nil, errInvalid(info, "", validation.ErrorList{validation.Required("spec.namespace", "")})
	}
	rv.Status = s.rulesReview(u, rv.Spec.Namespace)
	return &rv, nil
}
