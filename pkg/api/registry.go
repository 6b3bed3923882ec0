package api

import (
	"fmt"
	"strings"
)

// Object is any top-level API object: it has a TypeMeta and an ObjectMeta.
type Object interface {
	GetTypeMeta() *TypeMeta
	GetObjectMeta() *ObjectMeta
}

// ResourceInfo describes one resource the apiserver serves.
type ResourceInfo struct {
	Group      string // "" for the core group
	Version    string
	Kind       string
	Resource   string // plural, lower case: "pods"
	Singular   string // "pod"
	ShortNames []string
	Namespaced bool
	HasStatus  bool     // has a /status subresource; status is ignored on the main resource
	Categories []string // groups the resource belongs to, e.g. "all" for `kubectl get all`
	New        func() Object
	// Convert is set on a version served besides the storage version (see
	// OtherVersions): it converts objects to and from the storage version's.
	Convert *Conversion
}

// Conversion converts the objects of a served version to and from those
// of the resource's storage version (its entry in Resources).
type Conversion struct {
	ToStorage   func(Object) (Object, error)
	FromStorage func(Object) (Object, error)
}

// Storage is the storage version of a resource version: r itself for an
// entry of Resources, else the entry with the same group and resource.
func (r *ResourceInfo) Storage() *ResourceInfo {
	if r.Convert == nil {
		return r
	}
	for _, s := range Resources {
		if s.Group == r.Group && s.Resource == r.Resource {
			return s
		}
	}
	return r
}

// APIVersion is "v1" for the core group, "group/version" otherwise.
func (r *ResourceInfo) APIVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// ListKind is the kind of the list form ("PodList").
func (r *ResourceInfo) ListKind() string { return r.Kind + "List" }

// GroupResource is "pods" or "deployments.apps", as Kubernetes names them in messages.
func (r *ResourceInfo) GroupResource() string {
	if r.Group == "" {
		return r.Resource
	}
	return r.Resource + "." + r.Group
}

// BasePath is the URL prefix of the group/version: /api/v1 or /apis/apps/v1.
func (r *ResourceInfo) BasePath() string {
	if r.Group == "" {
		return "/api/" + r.Version
	}
	return "/apis/" + r.Group + "/" + r.Version
}

// Path is the URL of the collection (name empty) or of one object.
// namespace is ignored for cluster-scoped resources; an empty namespace
// for a namespaced resource means all namespaces.
func (r *ResourceInfo) Path(namespace, name string) string {
	p := r.BasePath()
	if r.Namespaced && namespace != "" {
		p += "/namespaces/" + namespace
	}
	p += "/" + r.Resource
	if name != "" {
		p += "/" + name
	}
	return p
}

// Resources is every resource minik8s serves, in discovery order.
var Resources = []*ResourceInfo{
	{Version: "v1", Kind: "Namespace", Resource: "namespaces", Singular: "namespace", ShortNames: []string{"ns"}, HasStatus: true,
		New: func() Object { return &Namespace{} }},
	{Version: "v1", Kind: "Node", Resource: "nodes", Singular: "node", ShortNames: []string{"no"}, HasStatus: true,
		New: func() Object { return &Node{} }},
	{Version: "v1", Kind: "Pod", Resource: "pods", Singular: "pod", ShortNames: []string{"po"}, Namespaced: true, HasStatus: true, Categories: []string{"all"},
		New: func() Object { return &Pod{} }},
	{Version: "v1", Kind: "Service", Resource: "services", Singular: "service", ShortNames: []string{"svc"}, Namespaced: true, HasStatus: true, Categories: []string{"all"},
		New: func() Object { return &Service{} }},
	{Version: "v1", Kind: "Endpoints", Resource: "endpoints", Singular: "endpoints", ShortNames: []string{"ep"}, Namespaced: true,
		New: func() Object { return &Endpoints{} }},
	{Version: "v1", Kind: "Event", Resource: "events", Singular: "event", ShortNames: []string{"ev"}, Namespaced: true,
		New: func() Object { return &Event{} }},
	{Version: "v1", Kind: "ConfigMap", Resource: "configmaps", Singular: "configmap", ShortNames: []string{"cm"}, Namespaced: true,
		New: func() Object { return &ConfigMap{} }},
	{Version: "v1", Kind: "Secret", Resource: "secrets", Singular: "secret", Namespaced: true,
		New: func() Object { return &Secret{} }},
	{Version: "v1", Kind: "ServiceAccount", Resource: "serviceaccounts", Singular: "serviceaccount", ShortNames: []string{"sa"}, Namespaced: true,
		New: func() Object { return &ServiceAccount{} }},
	{Version: "v1", Kind: "ReplicationController", Resource: "replicationcontrollers", Singular: "replicationcontroller", ShortNames: []string{"rc"}, Namespaced: true, HasStatus: true, Categories: []string{"all"},
		New: func() Object { return &ReplicationController{} }},
	{Group: "apps", Version: "v1", Kind: "ReplicaSet", Resource: "replicasets", Singular: "replicaset", ShortNames: []string{"rs"}, Namespaced: true, HasStatus: true, Categories: []string{"all"},
		New: func() Object { return &ReplicaSet{} }},
	{Group: "apps", Version: "v1", Kind: "Deployment", Resource: "deployments", Singular: "deployment", ShortNames: []string{"deploy"}, Namespaced: true, HasStatus: true, Categories: []string{"all"},
		New: func() Object { return &Deployment{} }},
	{Group: "apps", Version: "v1", Kind: "DaemonSet", Resource: "daemonsets", Singular: "daemonset", ShortNames: []string{"ds"}, Namespaced: true, HasStatus: true, Categories: []string{"all"},
		New: func() Object { return &DaemonSet{} }},
	{Group: "apps", Version: "v1", Kind: "ControllerRevision", Resource: "controllerrevisions", Singular: "controllerrevision", Namespaced: true,
		New: func() Object { return &ControllerRevision{} }},
	{Group: "autoscaling", Version: "v2", Kind: "HorizontalPodAutoscaler", Resource: "horizontalpodautoscalers", Singular: "horizontalpodautoscaler", ShortNames: []string{"hpa"}, Namespaced: true, HasStatus: true, Categories: []string{"all"},
		New: func() Object { return &HorizontalPodAutoscaler{} }},
	{Group: "batch", Version: "v1", Kind: "Job", Resource: "jobs", Singular: "job", Namespaced: true, HasStatus: true, Categories: []string{"all"},
		New: func() Object { return &Job{} }},
	{Group: "batch", Version: "v1", Kind: "CronJob", Resource: "cronjobs", Singular: "cronjob", ShortNames: []string{"cj"}, Namespaced: true, HasStatus: true, Categories: []string{"all"},
		New: func() Object { return &CronJob{} }},
	{Group: "coordination.k8s.io", Version: "v1", Kind: "Lease", Resource: "leases", Singular: "lease", Namespaced: true,
		New: func() Object { return &Lease{} }},
	{Group: "discovery.k8s.io", Version: "v1", Kind: "EndpointSlice", Resource: "endpointslices", Singular: "endpointslice", Namespaced: true,
		New: func() Object { return &EndpointSlice{} }},
	{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress", Resource: "ingresses", Singular: "ingress", ShortNames: []string{"ing"}, Namespaced: true, HasStatus: true,
		New: func() Object { return &Ingress{} }},
	{Group: "networking.k8s.io", Version: "v1", Kind: "IngressClass", Resource: "ingressclasses", Singular: "ingressclass",
		New: func() Object { return &IngressClass{} }},
	{Group: RBACGroup, Version: "v1", Kind: "ClusterRoleBinding", Resource: "clusterrolebindings", Singular: "clusterrolebinding",
		New: func() Object { return &ClusterRoleBinding{} }},
	{Group: RBACGroup, Version: "v1", Kind: "ClusterRole", Resource: "clusterroles", Singular: "clusterrole",
		New: func() Object { return &ClusterRole{} }},
	{Group: RBACGroup, Version: "v1", Kind: "RoleBinding", Resource: "rolebindings", Singular: "rolebinding", Namespaced: true,
		New: func() Object { return &RoleBinding{} }},
	{Group: RBACGroup, Version: "v1", Kind: "Role", Resource: "roles", Singular: "role", Namespaced: true,
		New: func() Object { return &Role{} }},
}

// OtherVersions are versions the apiserver serves besides the storage
// versions in Resources, each converted to and from its storage version
// (as Kubernetes serves autoscaling/v1 and v2 of one stored object).
// Components and informers use the storage versions only.
var OtherVersions = []*ResourceInfo{
	{Group: "autoscaling", Version: "v1", Kind: "HorizontalPodAutoscaler", Resource: "horizontalpodautoscalers", Singular: "horizontalpodautoscaler", ShortNames: []string{"hpa"}, Namespaced: true, HasStatus: true, Categories: []string{"all"},
		New: func() Object { return &HorizontalPodAutoscalerV1{} }, Convert: hpaV1Conversion},
}

// Served is every served resource version: Resources, then OtherVersions.
func Served() []*ResourceInfo {
	return append(append([]*ResourceInfo{}, Resources...), OtherVersions...)
}

// InCategory lists the resources of a category ("all"), in registry order.
func InCategory(category string) []*ResourceInfo {
	var out []*ResourceInfo
	for _, r := range Resources {
		for _, c := range r.Categories {
			if c == category {
				out = append(out, r)
			}
		}
	}
	return out
}

// Groups lists the API groups other than core, with their versions, in discovery order.
func Groups() []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range Resources {
		if r.Group != "" && !seen[r.Group] {
			seen[r.Group] = true
			out = append(out, r.Group)
		}
	}
	return out
}

// ForKind finds the resource of an apiVersion and kind ("apps/v1", "Deployment").
func ForKind(apiVersion, kind string) (*ResourceInfo, error) {
	knownKind := false
	for _, r := range Served() {
		if r.Kind == kind {
			knownKind = true
			if r.APIVersion() == apiVersion {
				return r, nil
			}
		}
	}
	if knownKind {
		return nil, fmt.Errorf("no kind %q is registered for version %q", kind, apiVersion)
	}
	return nil, fmt.Errorf("no kind %q is registered", kind)
}

// ForResource finds a resource by group, version and plural name.
func ForResource(group, version, resource string) (*ResourceInfo, bool) {
	for _, r := range Served() {
		if r.Group == group && r.Version == version && r.Resource == resource {
			return r, true
		}
	}
	return nil, false
}

// Lookup resolves what a user types ("po", "pod", "pods", "deploy",
// "deployments.apps", "Deployment") to a resource, as kubectl does.
func Lookup(name string) (*ResourceInfo, error) {
	n := strings.ToLower(name)
	group := ""
	if i := strings.Index(n, "."); i >= 0 {
		n, group = n[:i], n[i+1:]
	}
	for _, r := range Resources {
		if group != "" && r.Group != group {
			continue
		}
		if n == r.Resource || n == r.Singular || n == strings.ToLower(r.Kind) {
			return r, nil
		}
		for _, s := range r.ShortNames {
			if n == s {
				return r, nil
			}
		}
	}
	return nil, fmt.Errorf("the server doesn't have a resource type %q", name)
}

// NewFor returns an empty object of the resource with apiVersion and kind set.
func NewFor(r *ResourceInfo) Object {
	o := r.New()
	tm := o.GetTypeMeta()
	tm.APIVersion, tm.Kind = r.APIVersion(), r.Kind
	return o
}
