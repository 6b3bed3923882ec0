package cache

import (
	"sort"
	"sync"

	"minik8s/pkg/api"
	"minik8s/pkg/labels"
)

// Key is the store key of an object: "namespace/name", or "name" for
// cluster-scoped objects.
func Key(obj api.Object) string {
	m := obj.GetObjectMeta()
	return KeyOf(m.Namespace, m.Name)
}

// KeyOf builds a key from a namespace and a name.
func KeyOf(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

// SplitKey is the inverse of KeyOf.
func SplitKey(key string) (namespace, name string) {
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			return key[:i], key[i+1:]
		}
	}
	return "", key
}

// Store is a thread-safe map of objects by key. Objects handed out are
// shared with the store and with other readers: treat them as read-only
// (copy before changing).
type Store struct {
	mu       sync.RWMutex
	items    map[string]api.Object
	indexers Indexers
	indices  map[string]index // by indexer name
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{items: map[string]api.Object{}} }

// Get returns the object with key.
func (s *Store) Get(key string) (api.Object, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.items[key]
	return o, ok
}

// GetByName returns the object namespace/name.
func (s *Store) GetByName(namespace, name string) (api.Object, bool) {
	return s.Get(KeyOf(namespace, name))
}

// List returns every object, sorted by key.
func (s *Store) List() []api.Object { return s.Select("", nil) }

// Select returns the objects in namespace ("" = all) whose labels match sel
// (nil = all), sorted by key.
func (s *Store) Select(namespace string, sel labels.Selector) []api.Object {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, len(s.items))
	for k, o := range s.items {
		m := o.GetObjectMeta()
		if namespace != "" && m.Namespace != namespace {
			continue
		}
		if sel != nil && !sel.Matches(m.Labels) {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]api.Object, len(keys))
	for i, k := range keys {
		out[i] = s.items[k]
	}
	return out
}

// Keys returns every key, sorted.
func (s *Store) Keys() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	keys := make([]string, 0, len(s.items))
	for k := range s.items {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Len is the number of objects.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.items)
}

// put stores obj and returns the object it replaced, if any.
func (s *Store) put(obj api.Object) (api.Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := Key(obj)
	old, ok := s.items[k]
	s.items[k] = obj
	s.updateIndices(k, old, obj)
	return old, ok
}

// remove deletes the object with obj's key and returns it, if it was there.
func (s *Store) remove(obj api.Object) (api.Object, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := Key(obj)
	old, ok := s.items[k]
	delete(s.items, k)
	if ok {
		s.updateIndices(k, old, nil)
	}
	return old, ok
}

// Delta is one change replace found between the store and a fresh list.
type Delta struct {
	Type string // api.Added, api.Modified or api.Deleted
	Old  api.Object
	New  api.Object // nil for deletes
}

// replace swaps the store's contents for objs and returns what changed:
// adds and updates in the list's order, then deletes of objects that
// vanished, sorted by key. An object whose resourceVersion did not change is
// still reported as an update (a relist is also a resync).
func (s *Store) replace(objs []api.Object) []Delta {
	s.mu.Lock()
	defer s.mu.Unlock()
	fresh := make(map[string]api.Object, len(objs))
	var out []Delta
	for _, o := range objs {
		k := Key(o)
		fresh[k] = o
		if old, ok := s.items[k]; ok {
			out = append(out, Delta{Type: api.Modified, Old: old, New: o})
		} else {
			out = append(out, Delta{Type: api.Added, New: o})
		}
	}
	var gone []string
	for k := range s.items {
		if _, ok := fresh[k]; !ok {
			gone = append(gone, k)
		}
	}
	sort.Strings(gone)
	for _, k := range gone {
		out = append(out, Delta{Type: api.Deleted, Old: s.items[k]})
	}
	s.items = fresh
	s.rebuildIndices()
	return out
}
