package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"minik8s/pkg/api"
	"minik8s/pkg/api/decode"
	"minik8s/pkg/api/validation"
	"minik8s/pkg/serviceaccount"
)

// The serviceaccounts/token subresource (TokenRequest), as Kubernetes'
// pkg/registry/core/serviceaccount/storage/token.go: a signed, bound
// ServiceAccount token, never stored. Served only with
// --service-account-signing-key-file.

func init() { strategies["serviceaccounts"] = serviceAccountStrategy{} }

// serviceAccountStrategy adds the token subresource.
type serviceAccountStrategy struct{ defaultStrategy }

// Subresources: serviceaccounts/{name}/token.
func (serviceAccountStrategy) Subresources() map[string]subresource {
	return map[string]subresource{
		"token": {methods: []string{http.MethodPost}, serve: (*Server).serveTokenRequest, kind: "TokenRequest",
			group: api.AuthenticationGroup, version: "v1"},
	}
}

// Token lifetimes (Kubernetes' defaults and validation).
const (
	defaultTokenExpirationSeconds = 3600
	minTokenExpirationSeconds     = 600
	maxTokenExpirationSeconds     = 1 << 32
)

var tokenRequestInfo = &api.ResourceInfo{Group: api.AuthenticationGroup, Version: "v1", Kind: "TokenRequest", Resource: "tokenrequests"}

func (s *Server) serveTokenRequest(w http.ResponseWriter, r *http.Request, rt route) error {
	c := s.chain()
	if c == nil || c.signer == nil {
		return errNoResource()
	}
	var req api.TokenRequest
	if err := s.decodeAuthnBody(w, r, &req, &authenticationv1.TokenRequest{}); err != nil {
		return err
	}
	if errs := validateTokenRequest(&req, rt.namespace, rt.name); len(errs) > 0 {
		return errInvalid(tokenRequestInfo, rt.name, errs)
	}
	ctx := r.Context()
	getter := storeGetter{s}
	sa, err := getter.GetServiceAccount(ctx, rt.namespace, rt.name)
	if err != nil {
		return err
	}
	binding, err := s.tokenBinding(ctx, getter, rt.namespace, rt.name, req.Spec.BoundObjectRef)
	if err != nil {
		return err
	}
	if max := int64(s.opts.ServiceAccountMaxTokenExp / time.Second); max > 0 && *req.Spec.ExpirationSeconds > max {
		addWarnings(w, []string{fmt.Sprintf("requested expiration of %d seconds shortened to %d seconds", *req.Spec.ExpirationSeconds, max)})
		req.Spec.ExpirationSeconds = &max
	}
	if len(req.Spec.Audiences) == 0 {
		req.Spec.Audiences = slices.Clone(c.audiences)
	}
	now := time.Now()
	tok, err := c.signer.Sign(serviceaccount.NewClaims(s.opts.ServiceAccountIssuer, sa, binding, *req.Spec.ExpirationSeconds, req.Spec.Audiences, now))
	if err != nil {
		return errInternal(fmt.Errorf("failed to generate token: %w", err))
	}
	req.TypeMeta = api.TypeMeta{Kind: "TokenRequest", APIVersion: api.AuthenticationGroupVersion}
	req.Name, req.Namespace = rt.name, rt.namespace
	req.CreationTimestamp = api.NewTime(now.UTC().Truncate(time.Second))
	req.Status = api.TokenRequestStatus{Token: tok,
		ExpirationTimestamp: api.NewTime(now.Add(api.Seconds(*req.Spec.ExpirationSeconds)).UTC().Truncate(time.Second))}
	writeJSON(w, http.StatusCreated, &req)
	return nil
}

// validateTokenRequest defaults expirationSeconds and checks the request
// as Kubernetes (the body's name and namespace, if set, must be the URL's).
func validateTokenRequest(req *api.TokenRequest, namespace, name string) validation.ErrorList {
	var errs validation.ErrorList
	if req.Name != "" && req.Name != name {
		errs = append(errs, validation.Invalid(validation.Path("metadata").Child("name"), req.Name, "must match the service account name if specified"))
	}
	if req.Namespace != "" && req.Namespace != namespace {
		errs = append(errs, validation.Invalid(validation.Path("metadata").Child("namespace"), req.Namespace, "must match the service account namespace if specified"))
	}
	if req.Spec.ExpirationSeconds == nil {
		d := int64(defaultTokenExpirationSeconds)
		req.Spec.ExpirationSeconds = &d
	}
	p := validation.Path("spec").Child("expirationSeconds")
	switch exp := *req.Spec.ExpirationSeconds; {
	case exp < minTokenExpirationSeconds:
		errs = append(errs, validation.Invalid(p, exp, "may not specify a duration less than 10 minutes"))
	case exp > maxTokenExpirationSeconds:
		errs = append(errs, validation.Invalid(p, exp, "may not specify a duration larger than 2^32 seconds"))
	}
	return errs
}

// tokenBinding resolves spec.boundObjectRef: a Pod running as the
// ServiceAccount (the token also names its node), a Secret, or a Node; the
// uid, if given, must be the object's.
func (s *Server) tokenBinding(ctx context.Context, g storeGetter, namespace, saName string, ref *api.BoundObjectReference) (serviceaccount.Binding, error) {
	var b serviceaccount.Binding
	if ref == nil {
		return b, nil
	}
	var meta *api.ObjectMeta
	switch {
	case ref.APIVersion == "v1" && ref.Kind == "Pod":
		pod, err := g.GetPod(ctx, namespace, ref.Name)
		if err != nil {
			return b, err
		}
		if pod.Spec.ServiceAccountName != saName {
			return b, errBadRequest(fmt.Sprintf("cannot bind token for serviceaccount %q to pod running with different serviceaccount name.", saName))
		}
		b.Pod, meta = pod, &pod.ObjectMeta
		if pod.Spec.NodeName != "" {
			if node, err := g.GetNode(ctx, pod.Spec.NodeName); err == nil {
				b.Node = node
			}
		}
	case ref.APIVersion == "v1" && ref.Kind == "Secret":
		sec, err := g.GetSecret(ctx, namespace, ref.Name)
		if err != nil {
			return b, err
		}
		b.Secret, meta = sec, &sec.ObjectMeta
	case ref.APIVersion == "v1" && ref.Kind == "Node":
		node, err := g.GetNode(ctx, ref.Name)
		if err != nil {
			return b, err
		}
		b.Node, meta = node, &node.ObjectMeta
	default:
		gvk := ref.APIVersion + ", Kind=" + ref.Kind // schema.GroupVersionKind.String()
		if !strings.Contains(ref.APIVersion, "/") {
			gvk = "/" + gvk
		}
		return b, errBadRequest(fmt.Sprintf("cannot bind token to object of type %s", gvk))
	}
	if ref.UID != "" && ref.UID != meta.UID {
		return b, newStatusError(http.StatusConflict, reasonConflict,
			fmt.Sprintf("Operation cannot be fulfilled on %s %q: the UID in the bound object reference (%s) does not match the UID in record. The object might have been deleted and then recreated",
				ref.Kind, ref.Name, ref.UID), &api.StatusDetails{Name: ref.Name, Kind: ref.Kind})
	}
	return b, nil
}

// decodeAuthnBody decodes a JSON, YAML or (the real kubectl's typed
// clients) protobuf body of an authentication.k8s.io kind into obj; proto
// is the generated type of the kind.
func (s *Server) decodeAuthnBody(w http.ResponseWriter, r *http.Request, obj api.Object, proto protoMessage) error {
	isProto, err := checkBodyType(r)
	if err != nil {
		return err
	}
	b, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	if isProto {
		if b, err = authnProtobufToJSON(b, proto); err != nil {
			return err
		}
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return errBadRequest("the request body is empty")
	}
	if err := decode.DecodeInto(b, obj); err != nil {
		return errBadRequest(fmt.Sprintf("strict decoding error: %v", err))
	}
	return nil
}

// authnProtobufToJSON unwraps a Kubernetes protobuf envelope into JSON via
// the generated type.
func authnProtobufToJSON(body []byte, obj protoMessage) ([]byte, error) {
	if !bytes.HasPrefix(body, protobufMagic) {
		return nil, errBadRequest("protobuf body without the k8s envelope")
	}
	var unk runtime.Unknown
	if err := unk.Unmarshal(body[len(protobufMagic):]); err != nil {
		return nil, errBadRequest(fmt.Sprintf("invalid protobuf envelope: %v", err))
	}
	if err := obj.Unmarshal(unk.Raw); err != nil {
		return nil, errBadRequest(fmt.Sprintf("invalid protobuf: %v", err))
	}
	j, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m any
	if err := json.Unmarshal(j, &m); err != nil {
		return nil, err
	}
	return json.Marshal(pruneEmpty(m))
}
