package openapi

// Schema is one OpenAPI schema object, with the Kubernetes extensions
// kubectl reads. The same struct serves v2 (swagger 2.0 definitions) and
// v3 (components.schemas); Generator decides the form (refs, oneOf).
type Schema struct {
	Description          string             `json:"description,omitempty"`
	Type                 string             `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Ref                  string             `json:"$ref,omitempty"`
	AllOf                []*Schema          `json:"allOf,omitempty"`
	OneOf                []*Schema          `json:"oneOf,omitempty"`
	Default              any                `json:"default,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	AdditionalProperties *Schema            `json:"additionalProperties,omitempty"`
	Required             []string           `json:"required,omitempty"`

	GVK           []GVK    `json:"x-kubernetes-group-version-kind,omitempty"`
	IntOrString   bool     `json:"x-kubernetes-int-or-string,omitempty"`
	PatchStrategy string   `json:"x-kubernetes-patch-strategy,omitempty"`
	PatchMergeKey string   `json:"x-kubernetes-patch-merge-key,omitempty"`
	ListType      string   `json:"x-kubernetes-list-type,omitempty"`
	ListMapKeys   []string `json:"x-kubernetes-list-map-keys,omitempty"`
	MapType       string   `json:"x-kubernetes-map-type,omitempty"`
}

// GVK is an x-kubernetes-group-version-kind entry (also the extension of
// an operation). The JSON keys are those Kubernetes writes.
type GVK struct {
	Group   string `json:"group"`
	Kind    string `json:"kind"`
	Version string `json:"version"`
}
