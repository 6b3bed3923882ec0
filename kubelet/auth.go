package kubelet

import (
	"crypto/x509"
	"fmt"
	"log"
	"net/http"
	"strings"

	"minik8s/pkg/auth/authenticator"
	"minik8s/pkg/auth/authorizer"
	"minik8s/pkg/auth/user"
)

// kubeletAuth guards the kubelet API as Kubernetes' kubelet does
// (pkg/kubelet/server/auth.go): the caller authenticates with a client
// certificate the --client-ca-file signed (CN user, O groups) or a bearer
// token a TokenReview accepts; a request without credentials is
// system:anonymous only with --anonymous-auth, else 401. The identity is
// then authorized for the node's "nodes" subresource the path maps to
// (Webhook: a SubjectAccessReview; AlwaysAllow: any authenticated caller).
type kubeletAuth struct {
	nodeName  string
	clientCAs *x509.CertPool      // nil: certificates are not accepted
	tokens    authenticator.Token // nil: bearer tokens are not accepted
	anonymous bool
	authz     authorizer.Authorizer
}

// authenticate returns the caller, or ok false for a 401.
func (a *kubeletAuth) authenticate(r *http.Request) (*user.Info, bool) {
	var errs []string
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 && a.clientCAs != nil {
		u, err := verifyClientCert(r.TLS.PeerCertificates, a.clientCAs)
		if err == nil {
			return withAuthenticated(u), true
		}
		errs = append(errs, err.Error())
	}
	if tok, ok := bearerToken(r); ok && a.tokens != nil {
		u, ok, err := a.tokens.AuthenticateToken(r.Context(), tok)
		switch {
		case err != nil:
			errs = append(errs, err.Error())
		case ok:
			return withAuthenticated(u), true
		default:
			errs = append(errs, "invalid bearer token")
		}
	}
	if len(errs) > 0 {
		// Wrong credentials are refused even with --anonymous-auth
		// (Kubernetes' union.NewFailOnError before the anonymous one).
		log.Printf("kubelet: unable to authenticate %s %s: %s", r.Method, r.URL.Path, strings.Join(errs, "; "))
		return nil, false
	}
	if a.anonymous {
		return &user.Info{Name: user.Anonymous, Groups: []string{user.AllUnauthenticated}}, true
	}
	return nil, false
}

func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

// verifyClientCert verifies a client certificate chain against the CAs,
// for client auth, and returns its CN as user and O as groups.
func verifyClientCert(chain []*x509.Certificate, roots *x509.CertPool) (*user.Info, error) {
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	leaf := chain[0]
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return nil, fmt.Errorf("verifying certificate %q: %w", leaf.Subject.CommonName, err)
	}
	if leaf.Subject.CommonName == "" {
		return nil, fmt.Errorf("certificate has no common name")
	}
	return &user.Info{Name: leaf.Subject.CommonName, Groups: append([]string(nil), leaf.Subject.Organization...)}, nil
}

// withAuthenticated adds system:authenticated, as Kubernetes'
// AuthenticatedGroupAdder.
func withAuthenticated(u *user.Info) *user.Info {
	if u.InGroup(user.AllAuthenticated) || u.Name == user.Anonymous {
		return u
	}
	out := *u
	out.Groups = append(append([]string(nil), u.Groups...), user.AllAuthenticated)
	return &out
}

// kubeletAttributes is what a kubelet API request is authorized as
// (Kubernetes' NodeAuthorizerAttributesGetter): the verb from the method,
// resource nodes, named after the node, subresource stats, metrics, log
// or spec by path, else proxy.
func kubeletAttributes(u *user.Info, nodeName string, r *http.Request) authorizer.Attributes {
	verb := "get"
	switch r.Method {
	case http.MethodPost:
		verb = "create"
	case http.MethodPut:
		verb = "update"
	case http.MethodPatch:
		verb = "patch"
	case http.MethodDelete:
		verb = "delete"
	}
	sub := "proxy"
	for prefix, s := range map[string]string{"/stats": "stats", "/metrics": "metrics", "/logs": "log", "/spec": "spec", "/checkpoint": "checkpoint"} {
		if r.URL.Path == prefix || strings.HasPrefix(r.URL.Path, prefix+"/") {
			sub = s
		}
	}
	return authorizer.Attributes{User: u, Verb: verb, ResourceRequest: true, APIVersion: "v1",
		Resource: "nodes", Subresource: sub, Name: nodeName, Path: r.URL.Path}
}

// wrap guards h: 401 Unauthorized, or 403 with the kubelet's message.
func (a *kubeletAuth) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok := a.authenticate(r)
		if !ok {
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		attrs := kubeletAttributes(u, a.nodeName, r)
		d, reason, err := a.authz.Authorize(r.Context(), attrs)
		if err != nil {
			msg := fmt.Sprintf("Authorization error (user=%s, verb=%s, resource=%s, subresource=%s)", u.Name, attrs.Verb, attrs.Resource, attrs.Subresource)
			log.Printf("kubelet: %s: %v", msg, err)
			http.Error(w, msg, http.StatusInternalServerError)
			return
		}
		if d != authorizer.DecisionAllow {
			msg := fmt.Sprintf("Forbidden (user=%s, verb=%s, resource=%s, subresource=%s)", u.Name, attrs.Verb, attrs.Resource, attrs.Subresource)
			if reason != "" {
				log.Printf("kubelet: %s: %s", msg, reason)
			}
			http.Error(w, msg, http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r.WithContext(user.WithUser(r.Context(), u)))
	})
}
