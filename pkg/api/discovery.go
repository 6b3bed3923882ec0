package api

// EndpointSlice (discovery.k8s.io/v1) is a slice of a Service's endpoints:
// the EndpointSlice controller writes them, kube-proxy and cluster DNS
// read them. Services own their slices through the
// kubernetes.io/service-name label and an ownerReference.
type EndpointSlice struct {
	TypeMeta    `json:",inline"`
	ObjectMeta  `json:"metadata,omitempty"`
	AddressType string              `json:"addressType"` // IPv4, IPv6 or FQDN
	Endpoints   []Endpoint          `json:"endpoints"`
	Ports       []EndpointSlicePort `json:"ports"`
}

// Address types of an EndpointSlice.
const (
	AddressTypeIPv4 = "IPv4"
	AddressTypeIPv6 = "IPv6"
	AddressTypeFQDN = "FQDN"
)

// Labels and values the EndpointSlice controller sets.
const (
	LabelServiceName          = "kubernetes.io/service-name"
	LabelManagedBy            = "endpointslice.kubernetes.io/managed-by"
	EndpointSliceControllerID = "endpointslice-controller.k8s.io"
)

// Endpoint is one backend of a slice.
type Endpoint struct {
	Addresses          []string           `json:"addresses"`
	Conditions         EndpointConditions `json:"conditions,omitempty"`
	Hostname           *string            `json:"hostname,omitempty"`
	TargetRef          *ObjectReference   `json:"targetRef,omitempty"`
	DeprecatedTopology map[string]string  `json:"deprecatedTopology,omitempty"`
	NodeName           *string            `json:"nodeName,omitempty"`
	Zone               *string            `json:"zone,omitempty"`
	Hints              *EndpointHints     `json:"hints,omitempty"`
}

// EndpointConditions are the endpoint's readiness: ready (the pod is Ready
// and not terminating), serving (Ready, even while terminating) and
// terminating.
type EndpointConditions struct {
	Ready       *bool `json:"ready,omitempty"`
	Serving     *bool `json:"serving,omitempty"`
	Terminating *bool `json:"terminating,omitempty"`
}

// EndpointHints are topology hints for consumers.
type EndpointHints struct {
	ForZones []ForZone `json:"forZones,omitempty"`
	ForNodes []ForNode `json:"forNodes,omitempty"`
}

// ForZone names a zone an endpoint should serve.
type ForZone struct {
	Name string `json:"name"`
}

// ForNode names a node an endpoint should serve.
type ForNode struct {
	Name string `json:"name"`
}

// EndpointSlicePort is one port of every endpoint in the slice.
type EndpointSlicePort struct {
	Name        *string `json:"name,omitempty"`
	Protocol    *string `json:"protocol,omitempty"`
	Port        *int32  `json:"port,omitempty"`
	AppProtocol *string `json:"appProtocol,omitempty"`
}
