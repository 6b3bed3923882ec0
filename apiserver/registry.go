package apiserver

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"sort"

	"minik8s/pkg/api"
	"minik8s/pkg/api/validation"
)

// The registry: what differs between resources lives in one strategy per
// resource, as in Kubernetes' generic registry (k8s.io/apiserver
// registry/generic/registry.Store with its RESTCreateStrategy,
// RESTUpdateStrategy and RESTDeleteStrategy). The handlers call the hooks
// and never switch on the kind. A new resource needs only its pkg/api
// registration and, when it behaves differently from the default, a
// strategy in strategies below.

// strategy is one resource's behaviour in the generic create, update and
// delete paths.
type strategy interface {
	// PrepareForCreate resets what a client may not set on a new object
	// (status, as Kubernetes' strategies do).
	PrepareForCreate(info *api.ResourceInfo, obj api.Object)
	// Validate checks a new object; ValidateUpdate an update against the
	// stored object.
	Validate(obj api.Object) validation.ErrorList
	ValidateUpdate(obj, old api.Object) validation.ErrorList
	// PrepareForUpdate resets, after the generic merge of an update into
	// the stored object, what the update may not change.
	PrepareForUpdate(obj, old api.Object)
	// BeginCreate and BeginUpdate run after validation, before the write
	// (allocation of cluster resources). finish, if not nil, is called
	// once the write is done (written) or abandoned (not written).
	BeginCreate(ctx context.Context, s *Server, obj api.Object) (finish finishFunc, err error)
	BeginUpdate(ctx context.Context, s *Server, obj, old api.Object, sub string) (finish finishFunc, err error)
	// AfterUpdate runs once an update is stored.
	AfterUpdate(ctx context.Context, s *Server, obj api.Object)
	// DeleteDuringUpdate says whether an update that turns old into obj
	// removes the object instead of storing it.
	DeleteDuringUpdate(obj, old api.Object) bool
	// Delete deletes (or starts deleting) one object.
	Delete(ctx context.Context, s *Server, rt route, opts *api.DeleteOptions, q url.Values) (api.Object, error)
	// AfterDelete runs once an object is gone from storage.
	AfterDelete(ctx context.Context, s *Server, obj api.Object)
	// AllowDeleteCollection says whether DELETE on the collection is served.
	AllowDeleteCollection() bool
	// Subresources are the resource's own subresources besides status and
	// scale, which every resource with HasStatus or a scale hook gets.
	Subresources() map[string]subresource
	// Scale is the scale subresource's hook (scale.go); nil: none.
	Scale() replicasFunc
}

// finishFunc ends what BeginCreate or BeginUpdate began, knowing whether the
// object was written.
type finishFunc func(written bool)

// subresource serves {resource}/{name}/{sub}.
type subresource struct {
	methods []string // allowed HTTP methods
	serve   func(s *Server, w http.ResponseWriter, r *http.Request, rt route) error
	// kind (and group/version, if not the parent's) discovery names.
	kind, group, version string
	// anyPath: {sub}/{path...} is served too (proxy).
	anyPath bool
}

// verbs are the discovery verbs of a subresource's methods.
func (sr subresource) verbs() []string {
	names := map[string]string{http.MethodGet: "get", http.MethodPost: "create", http.MethodPut: "update", http.MethodPatch: "patch", http.MethodDelete: "delete"}
	var out []string
	for _, m := range sr.methods {
		if v, ok := names[m]; ok {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// strategies holds the resources that differ from defaultStrategy, by
// GroupResource ("pods", "deployments.apps").
var strategies = map[string]strategy{
	"pods":       podStrategy{},
	"services":   serviceStrategy{},
	"namespaces": namespaceStrategy{},
	"nodes":      nodeStrategy{},

	"deployments.apps":       deploymentStrategy{},
	"replicasets.apps":       replicaSetStrategy{},
	"replicationcontrollers": replicationControllerStrategy{},

	"ingresses.networking.k8s.io": ingressStrategy{},
}

// strategyFor returns the strategy of a resource.
func strategyFor(info *api.ResourceInfo) strategy {
	if st, ok := strategies[info.GroupResource()]; ok {
		return st
	}
	return defaultStrategy{}
}

// subresourcesOf lists every subresource a resource serves.
func subresourcesOf(info *api.ResourceInfo) map[string]subresource {
	out := map[string]subresource{}
	if info.HasStatus {
		out["status"] = subresource{methods: []string{http.MethodGet, http.MethodPut, http.MethodPatch}, serve: serveStatus, kind: info.Kind}
	}
	if strategyFor(info).Scale() != nil {
		out["scale"] = subresource{methods: []string{http.MethodGet, http.MethodPut, http.MethodPatch}, serve: (*Server).serveScale,
			kind: "Scale", group: "autoscaling", version: "v1"}
	}
	for name, sr := range strategyFor(info).Subresources() {
		out[name] = sr
	}
	return out
}

// defaultStrategy is the behaviour of a resource without its own: status
// (if the resource has one) is reset on create, validation is the
// package's, delete removes the object at once.
type defaultStrategy struct{}

var _ strategy = defaultStrategy{}

func (defaultStrategy) PrepareForCreate(info *api.ResourceInfo, obj api.Object) {
	if info.HasStatus {
		resetStatus(obj)
	}
}
func (defaultStrategy) Validate(obj api.Object) validation.ErrorList {
	return validation.Validate(obj)
}
func (defaultStrategy) ValidateUpdate(obj, old api.Object) validation.ErrorList {
	return append(validation.Validate(obj), validation.ValidateUpdate(obj, old)...)
}
func (defaultStrategy) PrepareForUpdate(api.Object, api.Object) {}
func (defaultStrategy) BeginCreate(context.Context, *Server, api.Object) (finishFunc, error) {
	return nil, nil
}
func (defaultStrategy) BeginUpdate(context.Context, *Server, api.Object, api.Object, string) (finishFunc, error) {
	return nil, nil
}
func (defaultStrategy) AfterUpdate(context.Context, *Server, api.Object) {}

// DeleteDuringUpdate: an object deleted with grace 0 goes once its last
// finalizer does.
func (defaultStrategy) DeleteDuringUpdate(obj, old api.Object) bool {
	return shouldDeleteDuringUpdate(obj, old)
}
func (defaultStrategy) Delete(ctx context.Context, s *Server, rt route, opts *api.DeleteOptions, _ url.Values) (api.Object, error) {
	return s.deleteObject(ctx, rt, opts)
}
func (defaultStrategy) AfterDelete(context.Context, *Server, api.Object) {}
func (defaultStrategy) AllowDeleteCollection() bool                      { return true }
func (defaultStrategy) Subresources() map[string]subresource             { return nil }
func (defaultStrategy) Scale() replicasFunc                              { return nil }

// resetStatus zeroes the Status field of an object that has one.
func resetStatus(obj api.Object) {
	v := reflect.ValueOf(obj)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return
	}
	if f := v.Elem().FieldByName("Status"); f.IsValid() && f.CanSet() {
		f.Set(reflect.Zero(f.Type()))
	}
}

// serveStatus serves GET, PUT and PATCH of {resource}/{name}/status.
func serveStatus(s *Server, w http.ResponseWriter, r *http.Request, rt route) error {
	switch r.Method {
	case http.MethodGet:
		return s.get(w, r, rt)
	case http.MethodPut:
		return s.update(w, r, rt)
	default:
		return s.patch(w, r, rt)
	}
}
