package api

// Eviction (policy/v1) asks the apiserver to evict a pod: POST
// pods/{name}/eviction with one, and the pod is deleted with its
// deleteOptions (graceful, as a DELETE). kubectl drain evicts this way.
// PodDisruptionBudgets are not modelled, so an eviction is never refused
// for one.
type Eviction struct {
	TypeMeta      `json:",inline"`
	ObjectMeta    `json:"metadata,omitempty"`
	DeleteOptions *DeleteOptions `json:"deleteOptions,omitempty"`
}

// The group and versions the eviction subresource accepts.
const (
	PolicyGroup     = "policy"
	EvictionKind    = "Eviction"
	EvictionVersion = "v1"
)
