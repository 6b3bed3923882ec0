package cache

import (
	"minik8s/pkg/api"
	"minik8s/pkg/labels"
)

// Lister is a typed read-only view of a store:
// cache.NewLister[*api.Node](inf.Store()).Get("", "node1").
type Lister[T api.Object] struct{ s *Store }

// NewLister returns the typed view of s; objects of other types in s are
// skipped.
func NewLister[T api.Object](s *Store) Lister[T] { return Lister[T]{s: s} }

// Get returns the object namespace/name ("" namespace for cluster-scoped).
func (l Lister[T]) Get(namespace, name string) (T, bool) {
	o, ok := l.s.GetByName(namespace, name)
	if !ok {
		var zero T
		return zero, false
	}
	t, ok := o.(T)
	return t, ok
}

// List returns the objects in namespace ("" = all) matching sel (nil =
// all), sorted by key. Treat them as read-only.
func (l Lister[T]) List(namespace string, sel labels.Selector) []T {
	objs := l.s.Select(namespace, sel)
	out := make([]T, 0, len(objs))
	for _, o := range objs {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out
}
