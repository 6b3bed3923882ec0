package client

import (
	"context"
	"fmt"
	"reflect"

	"minik8s/pkg/api"
)

// Resource is a typed view of one kind in one namespace ("" = all
// namespaces, or a cluster-scoped kind): c.Pods("default").List(ctx, opts).
type Resource[T api.Object] struct {
	c    *Client
	info *api.ResourceInfo
	ns   string
}

// InfoFor finds the registered resource whose objects have T's type.
func InfoFor[T api.Object]() (*api.ResourceInfo, error) {
	want := reflect.TypeFor[T]()
	for _, r := range api.Resources {
		if reflect.TypeOf(r.New()) == want {
			return r, nil
		}
	}
	return nil, fmt.Errorf("no resource is registered for type %v", want)
}

// Typed returns the typed view of T in ns. It panics if T is not a
// registered kind, which is a programming error.
func Typed[T api.Object](c *Client, ns string) *Resource[T] {
	info, err := InfoFor[T]()
	if err != nil {
		panic(err)
	}
	return &Resource[T]{c: c, info: info, ns: ns}
}

// Pods is the typed view of pods in ns.
func (c *Client) Pods(ns string) *Resource[*api.Pod] { return Typed[*api.Pod](c, ns) }

// Services is the typed view of services in ns.
func (c *Client) Services(ns string) *Resource[*api.Service] { return Typed[*api.Service](c, ns) }

// Endpoints is the typed view of endpoints in ns.
func (c *Client) Endpoints(ns string) *Resource[*api.Endpoints] {
	return Typed[*api.Endpoints](c, ns)
}

// Events is the typed view of events in ns.
func (c *Client) Events(ns string) *Resource[*api.Event] { return Typed[*api.Event](c, ns) }

// ReplicaSets is the typed view of replicasets in ns.
func (c *Client) ReplicaSets(ns string) *Resource[*api.ReplicaSet] {
	return Typed[*api.ReplicaSet](c, ns)
}

// Deployments is the typed view of deployments in ns.
func (c *Client) Deployments(ns string) *Resource[*api.Deployment] {
	return Typed[*api.Deployment](c, ns)
}

// HorizontalPodAutoscalers is the typed view of HPAs in ns.
func (c *Client) HorizontalPodAutoscalers(ns string) *Resource[*api.HorizontalPodAutoscaler] {
	return Typed[*api.HorizontalPodAutoscaler](c, ns)
}

// Nodes is the typed view of nodes.
func (c *Client) Nodes() *Resource[*api.Node] { return Typed[*api.Node](c, "") }

// Namespaces is the typed view of namespaces.
func (c *Client) Namespaces() *Resource[*api.Namespace] { return Typed[*api.Namespace](c, "") }

// Info is the resource this view is of.
func (r *Resource[T]) Info() *api.ResourceInfo { return r.info }

// Client is the underlying client.
func (r *Resource[T]) Client() *Client { return r.c }

// Namespace is the namespace of this view.
func (r *Resource[T]) Namespace() string { return r.ns }

func cast[T api.Object](obj api.Object, err error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	t, ok := obj.(T)
	if !ok {
		return zero, fmt.Errorf("decoded %T, want %T", obj, zero)
	}
	return t, nil
}

// Get reads one object.
func (r *Resource[T]) Get(ctx context.Context, name string) (T, error) {
	return cast[T](r.c.Get(ctx, r.info, r.ns, name))
}

// List reads the selected objects and the list's resourceVersion.
func (r *Resource[T]) List(ctx context.Context, opts ListOptions) ([]T, string, error) {
	objs, rv, err := r.c.List(ctx, r.info, r.ns, opts)
	if err != nil {
		return nil, "", err
	}
	out := make([]T, 0, len(objs))
	for _, o := range objs {
		t, err := cast[T](o, nil)
		if err != nil {
			return nil, "", err
		}
		out = append(out, t)
	}
	return out, rv, nil
}

// Create creates obj.
func (r *Resource[T]) Create(ctx context.Context, obj T) (T, error) {
	return cast[T](r.c.Create(ctx, r.info, r.ns, obj))
}

// Update replaces obj.
func (r *Resource[T]) Update(ctx context.Context, obj T) (T, error) {
	return cast[T](r.c.Update(ctx, r.info, r.ns, obj))
}

// UpdateStatus replaces obj's status.
func (r *Resource[T]) UpdateStatus(ctx context.Context, obj T) (T, error) {
	return cast[T](r.c.UpdateStatus(ctx, r.info, r.ns, obj))
}

// Patch patches one object (subresource "" or "status").
func (r *Resource[T]) Patch(ctx context.Context, name string, pt PatchType, data []byte, subresource ...string) (T, error) {
	return cast[T](r.c.Patch(ctx, r.info, r.ns, name, pt, data, subresource...))
}

// Delete deletes one object; opts may be nil.
func (r *Resource[T]) Delete(ctx context.Context, name string, opts *api.DeleteOptions) error {
	return r.c.Delete(ctx, r.info, r.ns, name, opts)
}

// DeleteCollection deletes the selected objects.
func (r *Resource[T]) DeleteCollection(ctx context.Context, opts ListOptions) error {
	return r.c.DeleteCollection(ctx, r.info, r.ns, opts)
}

// Watch opens a watch; events carry objects of type T.
func (r *Resource[T]) Watch(ctx context.Context, opts ListOptions) (Watcher, error) {
	return r.c.Watch(ctx, r.info, r.ns, opts)
}
