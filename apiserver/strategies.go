package apiserver

import (
	"context"
	"net/http"
	"net/url"

	"minik8s/pkg/api"
)

// The resources whose registry behaviour differs from defaultStrategy.

// podStrategy: a new pod is Pending; DELETE is graceful (the kubelet
// finishes it); binding, log, exec and eviction (eviction.go) are
// subresources.
type podStrategy struct{ defaultStrategy }

func (podStrategy) PrepareForCreate(_ *api.ResourceInfo, obj api.Object) {
	obj.(*api.Pod).Status = api.PodStatus{Phase: api.PodPending}
}
func (podStrategy) Delete(ctx context.Context, s *Server, rt route, opts *api.DeleteOptions, q url.Values) (api.Object, error) {
	return s.deletePod(ctx, rt, opts, q)
}
func (podStrategy) Subresources() map[string]subresource {
	return map[string]subresource{
		"binding":  {methods: []string{http.MethodPost}, serve: (*Server).bind, kind: "Binding"},
		"log":      {methods: []string{http.MethodGet}, serve: (*Server).servePodLog, kind: "Pod"},
		"exec":     {methods: []string{http.MethodGet, http.MethodPost}, serve: (*Server).servePodExec, kind: "PodExecOptions"},
		"eviction": {methods: []string{http.MethodPost}, serve: (*Server).evict, kind: "Eviction", group: "policy", version: "v1"},
		"attach":   {methods: []string{http.MethodGet, http.MethodPost}, serve: (*Server).servePodAttach, kind: "PodAttachOptions"},
		"portforward": {methods: []string{http.MethodGet, http.MethodPost}, serve: (*Server).servePodPortForward,
			kind: "PodPortForwardOptions"},
		"proxy": {methods: proxyMethods, serve: (*Server).servePodProxy, kind: "PodProxyOptions", anyPath: true},
	}
}

// serviceStrategy allocates ClusterIPs and NodePorts in etcd's allocation
// records (alloc.go) before the write and releases them when the write
// does not happen, when an update drops them, and after a delete. s.svcMu
// serialises this server's allocations; etcd's compare-and-swap guards
// against other apiservers.
type serviceStrategy struct{ defaultStrategy }

// Subresources: services/{name}/proxy[/path] (proxy.go).
func (serviceStrategy) Subresources() map[string]subresource {
	return map[string]subresource{
		"proxy": {methods: proxyMethods, serve: (*Server).serveServiceProxy, kind: "ServiceProxyOptions", anyPath: true},
	}
}

// proxyMethods are the verbs pods/proxy and services/proxy forward.
var proxyMethods = []string{http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

func (serviceStrategy) BeginCreate(ctx context.Context, s *Server, obj api.Object) (finishFunc, error) {
	svc := obj.(*api.Service)
	s.svcMu.Lock()
	if err := s.allocateService(ctx, svc, nil); err != nil {
		s.svcMu.Unlock()
		return nil, err
	}
	return func(written bool) {
		if !written {
			s.releaseAllocations(ctx, svc, nil)
		}
		s.svcMu.Unlock()
	}, nil
}
func (serviceStrategy) BeginUpdate(ctx context.Context, s *Server, obj, old api.Object, sub string) (finishFunc, error) {
	if sub != "" {
		return nil, nil
	}
	svc, oldSvc := obj.(*api.Service), old.(*api.Service)
	s.svcMu.Lock()
	if err := s.allocateService(ctx, svc, oldSvc); err != nil {
		s.svcMu.Unlock()
		return nil, err
	}
	return func(written bool) {
		if written {
			s.releaseAllocations(ctx, oldSvc, svc) // what the update dropped
		} else {
			s.releaseAllocations(ctx, svc, oldSvc) // what it would have added
		}
		s.svcMu.Unlock()
	}, nil
}

// PrepareForUpdate carries allocated values over and drops those a type
// change no longer needs (prepareServiceUpdate).
func (serviceStrategy) PrepareForUpdate(obj, old api.Object) {
	prepareServiceUpdate(obj.(*api.Service), old.(*api.Service))
}

// AfterDelete frees the service's ClusterIP and NodePorts.
func (serviceStrategy) AfterDelete(ctx context.Context, s *Server, obj api.Object) {
	s.releaseAllocations(ctx, obj.(*api.Service), nil)
}

// namespaceStrategy: a new namespace is Active with the kubernetes
// finalizer, which only the finalize subresource changes; DELETE marks it
// Terminating, the namespace controller empties it through the API and
// finalizes it, and it is removed once terminating with no finalizers.
type namespaceStrategy struct{ defaultStrategy }

func (namespaceStrategy) PrepareForCreate(_ *api.ResourceInfo, obj api.Object) {
	prepareNamespaceCreate(obj.(*api.Namespace))
}
func (namespaceStrategy) PrepareForUpdate(obj, old api.Object) {
	prepareNamespaceUpdate(obj.(*api.Namespace), old.(*api.Namespace))
}

// DeleteDuringUpdate: an update (or DELETE, or finalize) that leaves a
// terminating namespace without finalizers removes it (Kubernetes'
// ShouldDeleteNamespaceDuringUpdate).
func (namespaceStrategy) DeleteDuringUpdate(obj, _ api.Object) bool {
	return namespaceFinalized(obj.(*api.Namespace))
}
func (namespaceStrategy) Delete(ctx context.Context, s *Server, rt route, _ *api.DeleteOptions, _ url.Values) (api.Object, error) {
	return s.beginNamespaceDeletion(ctx, rt.name)
}
func (namespaceStrategy) AllowDeleteCollection() bool { return false }

// Subresources: namespaces/{name}/finalize (PUT) sets spec.finalizers.
func (namespaceStrategy) Subresources() map[string]subresource {
	return map[string]subresource{
		"finalize": {methods: []string{http.MethodPut}, serve: (*Server).serveNamespaceFinalize, kind: "Namespace"},
	}
}

// nodeStrategy keeps the status a kubelet registers its node with.
type nodeStrategy struct{ defaultStrategy }

// Subresources: nodes/{name}/proxy[/path] (nodeproxy.go).
func (nodeStrategy) Subresources() map[string]subresource {
	return map[string]subresource{
		"proxy": {methods: proxyMethods, serve: (*Server).serveNodeProxy, kind: "NodeProxyOptions", anyPath: true},
	}
}

func (nodeStrategy) PrepareForCreate(*api.ResourceInfo, api.Object) {}
