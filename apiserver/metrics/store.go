package metrics

import (
	"sort"
	"sync"
	"time"

	"minik8s/pkg/api"
)

// PodKey names a pod.
type PodKey struct{ Namespace, Name string }

// Batch is what one scrape cycle saw: a point per node and, per pod, a
// point per container.
type Batch struct {
	Nodes map[string]Point
	Pods  map[PodKey]map[string]Point
}

// pair is the last point and, when it continues it, the one before.
type pair struct {
	prev, last Point
	hasPrev    bool
}

// follow is the pair after a new point p: the old last becomes prev when p
// continues it (later, same start, counter not reset); a restart starts
// over with p alone. A point not later than the last one changes nothing.
func (old pair) follow(p Point) pair {
	switch {
	case !p.At.After(old.last.At):
		return old
	case p.StartTime.After(old.last.StartTime) || p.CPU < old.last.CPU:
		return pair{last: p}
	}
	return pair{prev: old.last, last: p, hasPrev: true}
}

func (pr pair) usage() (Usage, bool) {
	if !pr.hasPrev {
		return Usage{}, false
	}
	return rate(pr.prev, pr.last)
}

// Store keeps the last two points of every node and container; each Add
// replaces what the previous scrape saw (a node or pod missing from a
// batch is forgotten, as metrics-server does).
type Store struct {
	mu    sync.RWMutex
	nodes map[string]pair
	pods  map[PodKey]map[string]pair
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{nodes: map[string]pair{}, pods: map[PodKey]map[string]pair{}}
}

// Add records a scrape.
func (s *Store) Add(b Batch) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nodes := make(map[string]pair, len(b.Nodes))
	for name, p := range b.Nodes {
		if old, ok := s.nodes[name]; ok {
			nodes[name] = old.follow(p)
		} else {
			nodes[name] = pair{last: p}
		}
	}
	pods := make(map[PodKey]map[string]pair, len(b.Pods))
	for key, cs := range b.Pods {
		oldPod := s.pods[key]
		pod := make(map[string]pair, len(cs))
		for name, p := range cs {
			if old, ok := oldPod[name]; ok {
				pod[name] = old.follow(p)
			} else {
				pod[name] = pair{last: p}
			}
		}
		pods[key] = pod
	}
	s.nodes, s.pods = nodes, pods
}

// NodeUsage is a node's usage, false until it has two points.
func (s *Store) NodeUsage(name string) (Usage, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.nodes[name].usage()
}

// ContainerUsage is the usage of one container.
type ContainerUsage struct {
	Name string
	Usage
}

// PodUsage is the usage of every container of a pod, sorted by name;
// false unless every container the last scrape saw has two points.
func (s *Store) PodUsage(key PodKey) ([]ContainerUsage, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	pod, ok := s.pods[key]
	if !ok || len(pod) == 0 {
		return nil, false
	}
	out := make([]ContainerUsage, 0, len(pod))
	for name, pr := range pod {
		u, ok := pr.usage()
		if !ok {
			return nil, false
		}
		out = append(out, ContainerUsage{Name: name, Usage: u})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, true
}

// NodeMetrics is the NodeMetrics of each node that has usage, in the
// given order; now is their creationTimestamp.
func (s *Store) NodeMetrics(nodes []*api.Node, now time.Time) []api.NodeMetrics {
	out := make([]api.NodeMetrics, 0, len(nodes))
	for _, n := range nodes {
		u, ok := s.NodeUsage(n.Name)
		if !ok {
			continue
		}
		out = append(out, api.NodeMetrics{
			TypeMeta:   api.TypeMeta{Kind: "NodeMetrics", APIVersion: api.MetricsGroupVersion},
			ObjectMeta: api.ObjectMeta{Name: n.Name, Labels: n.Labels, CreationTimestamp: api.NewTime(now)},
			Timestamp:  api.NewTime(u.Timestamp),
			Window:     api.Duration{Duration: u.Window},
			Usage:      u.ResourceList(),
		})
	}
	return out
}

// PodMetrics is the PodMetrics of each Running pod that has usage for all
// its containers, in the given order; the window and timestamp are the
// earliest among the containers.
func (s *Store) PodMetrics(pods []*api.Pod, now time.Time) []api.PodMetrics {
	out := make([]api.PodMetrics, 0, len(pods))
	for _, p := range pods {
		if p.Status.Phase != api.PodRunning {
			continue
		}
		cs, ok := s.PodUsage(PodKey{Namespace: p.Namespace, Name: p.Name})
		if !ok {
			continue
		}
		pm := api.PodMetrics{
			TypeMeta:   api.TypeMeta{Kind: "PodMetrics", APIVersion: api.MetricsGroupVersion},
			ObjectMeta: api.ObjectMeta{Name: p.Name, Namespace: p.Namespace, Labels: p.Labels, CreationTimestamp: api.NewTime(now)},
			Containers: make([]api.ContainerMetrics, 0, len(cs)),
		}
		for i, c := range cs {
			if i == 0 || c.Timestamp.Before(pm.Timestamp.Time) {
				pm.Timestamp, pm.Window = api.NewTime(c.Timestamp), api.Duration{Duration: c.Window}
			}
			pm.Containers = append(pm.Containers, api.ContainerMetrics{Name: c.Name, Usage: c.ResourceList()})
		}
		out = append(out, pm)
	}
	return out
}
