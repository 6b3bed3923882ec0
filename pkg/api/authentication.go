package api

// authentication.k8s.io/v1: create-only virtual resources the apiserver
// answers without storing them (docs/security.md): TokenRequest (the
// serviceaccounts/token subresource), TokenReview and SelfSubjectReview.

// The group and version of the authentication API.
const (
	AuthenticationGroup        = "authentication.k8s.io"
	AuthenticationGroupVersion = "authentication.k8s.io/v1"
)

// UserInfo is a user as the authentication API reports it.
type UserInfo struct {
	Username string              `json:"username,omitempty"`
	UID      string              `json:"uid,omitempty"`
	Groups   []string            `json:"groups,omitempty"`
	Extra    map[string][]string `json:"extra,omitempty"`
}

// TokenRequest asks for a ServiceAccount token
// (POST /api/v1/namespaces/NS/serviceaccounts/NAME/token).
type TokenRequest struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Spec       TokenRequestSpec   `json:"spec"`
	Status     TokenRequestStatus `json:"status,omitempty"`
}

// TokenRequestSpec is what the token is for.
type TokenRequestSpec struct {
	// Audiences the token is for (default: the apiserver's audiences).
	Audiences []string `json:"audiences"`
	// ExpirationSeconds is the requested lifetime (default 3600, at least
	// 600; the apiserver may cap it).
	ExpirationSeconds *int64 `json:"expirationSeconds,omitempty"`
	// BoundObjectRef binds the token to a Pod, Secret or Node: it is
	// invalid once that object is gone.
	BoundObjectRef *BoundObjectReference `json:"boundObjectRef"`
}

// BoundObjectReference names the object a token is bound to.
type BoundObjectReference struct {
	Kind       string `json:"kind,omitempty"`
	APIVersion string `json:"apiVersion,omitempty"`
	Name       string `json:"name,omitempty"`
	UID        string `json:"uid,omitempty"`
}

// TokenRequestStatus carries the issued token.
type TokenRequestStatus struct {
	Token               string `json:"token"`
	ExpirationTimestamp Time   `json:"expirationTimestamp"`
}

// TokenReview asks the apiserver who a token is
// (POST /apis/authentication.k8s.io/v1/tokenreviews).
type TokenReview struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Spec       TokenReviewSpec   `json:"spec"`
	Status     TokenReviewStatus `json:"status,omitempty"`
}

// TokenReviewSpec is the token to review and the audiences it must be for.
type TokenReviewSpec struct {
	Token     string   `json:"token,omitempty"`
	Audiences []string `json:"audiences,omitempty"`
}

// TokenReviewStatus is the answer.
type TokenReviewStatus struct {
	Authenticated bool     `json:"authenticated,omitempty"`
	User          UserInfo `json:"user,omitempty"`
	Audiences     []string `json:"audiences,omitempty"`
	Error         string   `json:"error,omitempty"`
}

// SelfSubjectReview asks who the requester is
// (POST /apis/authentication.k8s.io/v1/selfsubjectreviews).
type SelfSubjectReview struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Status     SelfSubjectReviewStatus `json:"status,omitempty"`
}

// SelfSubjectReviewStatus is the requester.
type SelfSubjectReviewStatus struct {
	UserInfo UserInfo `json:"userInfo,omitempty"`
}
