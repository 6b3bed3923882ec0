package cache

import (
	"fmt"
	"sort"

	"minik8s/pkg/api"
)

// IndexFunc computes the index values of an object (none, one or many).
type IndexFunc func(obj api.Object) []string

// Indexers are index functions by index name.
type Indexers map[string]IndexFunc

// NamespaceIndex is the name of the index MetaNamespaceIndexFunc computes.
const NamespaceIndex = "namespace"

// MetaNamespaceIndexFunc indexes objects by namespace.
func MetaNamespaceIndexFunc(obj api.Object) []string {
	return []string{obj.GetObjectMeta().Namespace}
}

// index maps an index value to the set of keys with it.
type index map[string]map[string]struct{}

// AddIndexers adds index functions and indexes the objects already stored.
// Adding an index name twice is an error.
func (s *Store) AddIndexers(ix Indexers) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name := range ix {
		if _, ok := s.indexers[name]; ok {
			return fmt.Errorf("indexer %q already exists", name)
		}
	}
	if s.indexers == nil {
		s.indexers, s.indices = Indexers{}, map[string]index{}
	}
	for name, f := range ix {
		s.indexers[name] = f
		idx := index{}
		for k, o := range s.items {
			idx.add(k, f(o))
		}
		s.indices[name] = idx
	}
	return nil
}

// ByIndex returns the objects whose index name has value, sorted by key.
func (s *Store) ByIndex(name, value string) ([]api.Object, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	idx, ok := s.indices[name]
	if !ok {
		return nil, fmt.Errorf("no indexer %q", name)
	}
	keys := make([]string, 0, len(idx[value]))
	for k := range idx[value] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]api.Object, len(keys))
	for i, k := range keys {
		out[i] = s.items[k]
	}
	return out, nil
}

func (idx index) add(key string, values []string) {
	for _, v := range values {
		set := idx[v]
		if set == nil {
			set = map[string]struct{}{}
			idx[v] = set
		}
		set[key] = struct{}{}
	}
}

func (idx index) remove(key string, values []string) {
	for _, v := range values {
		if set := idx[v]; set != nil {
			delete(set, key)
			if len(set) == 0 {
				delete(idx, v)
			}
		}
	}
}

// updateIndices moves key from old's index values to cur's (either may be
// nil). The caller holds s.mu.
func (s *Store) updateIndices(key string, old, cur api.Object) {
	for name, f := range s.indexers {
		idx := s.indices[name]
		if old != nil {
			idx.remove(key, f(old))
		}
		if cur != nil {
			idx.add(key, f(cur))
		}
	}
}

// rebuildIndices recomputes every index. The caller holds s.mu.
func (s *Store) rebuildIndices() {
	for name, f := range s.indexers {
		idx := index{}
		for k, o := range s.items {
			idx.add(k, f(o))
		}
		s.indices[name] = idx
	}
}
