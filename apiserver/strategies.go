package apiserver

import (
	"context"
	"net/http"
	"net/url"

	"minik8s/pkg/api"
)

// The resources whose registry behaviour differs from defaultStrategy.

// podStrategy: a new pod is Pending; DELETE is graceful (the kubelet
// finishes it); binding, log and exec are subresources.
type podStrategy struct{ defaultStrategy }

func (podStrategy) PrepareForCreate(_ *api.ResourceInfo, obj api.Object) {
	obj.(*api.Pod).Status = api.PodStatus{Phase: api.PodPending}
}
func (podStrategy) Delete(ctx context.Context, s *Server, rt route, opts *api.DeleteOptions, q url.Values) (api.Object, error) {
	return s.deletePod(ctx, rt, opts, q)
}
func (podStrategy) Subresources() map[string]subresource {
	return map[string]subresource{
		"binding": {methods: []string{http.MethodPost}, serve: (*Server).bind, kind: "Binding"},
		"log":     {methods: []string{http.MethodGet}, serve: (*Server).servePodLog, kind: "Pod"},
		"exec":    {methods: []string{http.MethodGet, http.MethodPost}, serve: (*Server).servePodExec, kind: "PodExecOptions"},
	}
}

// serviceStrategy allocates ClusterIPs and NodePorts (serialised by
// s.svcMu until the write is done).
type serviceStrategy struct{ defaultStrategy }

func (serviceStrategy) BeginCreate(ctx context.Context, s *Server, obj api.Object) (func(), error) {
	s.svcMu.Lock()
	if err := s.allocateService(ctx, obj.(*api.Service), nil); err != nil {
		s.svcMu.Unlock()
		return nil, err
	}
	return s.svcMu.Unlock, nil
}
func (serviceStrategy) BeginUpdate(ctx context.Context, s *Server, obj, old api.Object, sub string) (func(), error) {
	if sub != "" {
		return nil, nil
	}
	s.svcMu.Lock()
	if err := s.allocateService(ctx, obj.(*api.Service), old.(*api.Service)); err != nil {
		s.svcMu.Unlock()
		return nil, err
	}
	return s.svcMu.Unlock, nil
}

// AfterDelete frees the ClusterIP and NodePorts: allocation reads the
// services in storage, so a deleted service's are free once it is gone.
// (Wire s.releaseService here when the allocator keeps its own state.)
func (serviceStrategy) AfterDelete(context.Context, *Server, api.Object) {}

// namespaceStrategy: a new namespace is Active; DELETE marks it
// Terminating and its contents are removed before it is.
type namespaceStrategy struct{ defaultStrategy }

func (namespaceStrategy) PrepareForCreate(_ *api.ResourceInfo, obj api.Object) {
	obj.(*api.Namespace).Status = api.NamespaceStatus{Phase: api.NamespaceActive}
}
func (namespaceStrategy) Delete(ctx context.Context, s *Server, rt route, _ *api.DeleteOptions, _ url.Values) (api.Object, error) {
	return s.beginNamespaceDeletion(ctx, rt.name)
}
func (namespaceStrategy) AllowDeleteCollection() bool { return false }

// Subresources: namespaces/{name}/finalize is wired here, e.g.
// "finalize": {methods: []string{http.MethodPut}, serve: (*Server).finalizeNamespaceSub}.
func (namespaceStrategy) Subresources() map[string]subresource { return nil }

// nodeStrategy keeps the status a kubelet registers its node with.
type nodeStrategy struct{ defaultStrategy }

func (nodeStrategy) PrepareForCreate(*api.ResourceInfo, api.Object) {}
