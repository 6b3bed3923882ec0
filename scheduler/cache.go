package scheduler

import (
	"sort"
	"sync"

	"minik8s/pkg/api"
	"minik8s/pkg/client/cache"
	"minik8s/scheduler/framework"
)

// Cache is the scheduler's view of nodes and of the pods on them,
// including pods it has assumed onto a node while their binding is in
// flight (so the next decision already counts them).
type Cache struct {
	mu    sync.Mutex
	nodes map[string]*framework.NodeInfo // Node nil: pods on a node we do not know (yet)
	pods  map[string]podState            // by namespace/name
	// list is the known nodes sorted by name, rebuilt when nodes come or go.
	list  []*framework.NodeInfo
	dirty bool
}

type podState struct {
	pod     *api.Pod
	node    string
	assumed bool
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{nodes: map[string]*framework.NodeInfo{}, pods: map[string]podState{}}
}

func (c *Cache) nodeInfo(name string) *framework.NodeInfo {
	ni, ok := c.nodes[name]
	if !ok {
		ni = &framework.NodeInfo{}
		c.nodes[name] = ni
	}
	return ni
}

func (c *Cache) gc(name string) {
	if ni, ok := c.nodes[name]; ok && ni.Node == nil && len(ni.Pods) == 0 {
		delete(c.nodes, name)
	}
}

// SetNode adds or replaces a node.
func (c *Cache) SetNode(n *api.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni := c.nodeInfo(n.Name)
	if ni.Node == nil {
		c.dirty = true
	}
	ni.SetNode(n)
}

// RemoveNode forgets a node (its pods stay accounted until they go).
func (c *Cache) RemoveNode(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ni, ok := c.nodes[name]; ok && ni.Node != nil {
		ni.Node = nil
		c.dirty = true
		c.gc(name)
	}
}

func (c *Cache) removeLocked(key string) {
	st, ok := c.pods[key]
	if !ok {
		return
	}
	delete(c.pods, key)
	if ni, ok := c.nodes[st.node]; ok {
		ni.RemovePod(st.pod)
		c.gc(st.node)
	}
}

func (c *Cache) addLocked(key string, p *api.Pod, node string, assumed bool) {
	c.pods[key] = podState{pod: p, node: node, assumed: assumed}
	c.nodeInfo(node).AddPod(p)
}

// SetPod records a pod as the apiserver shows it: a bound, running pod is
// accounted on its node (replacing an assumed copy); an unbound or
// finished one is not.
func (c *Cache) SetPod(p *api.Pod) {
	key := cache.Key(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.Spec.NodeName == "" {
		if st, ok := c.pods[key]; ok && st.assumed {
			return // binding in flight: keep the assumption
		}
		c.removeLocked(key)
		return
	}
	c.removeLocked(key)
	if isTerminal(p) {
		return
	}
	c.addLocked(key, p, p.Spec.NodeName, false)
}

// RemovePod forgets a deleted pod.
func (c *Cache) RemovePod(p *api.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(cache.Key(p))
}

// Assume accounts pod on node before the binding is confirmed.
func (c *Cache) Assume(p *api.Pod, node string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.assumeLocked(p, node)
}

// Forget drops an assumption whose binding failed.
func (c *Cache) Forget(p *api.Pod) {
	key := cache.Key(p)
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.pods[key]; ok && st.assumed {
		c.removeLocked(key)
	}
}

// IsAssumed reports whether the pod's binding is in flight.
func (c *Cache) IsAssumed(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pods[key].assumed
}

// Schedule runs f over the known nodes with the cache locked, so their
// infos do not change while f decides.
func (c *Cache) Schedule(f func(nodes []*framework.NodeInfo)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dirty {
		c.list = c.list[:0]
		for _, ni := range c.nodes {
			if ni.Node != nil {
				c.list = append(c.list, ni)
			}
		}
		sort.Slice(c.list, func(i, j int) bool { return c.list[i].Node.Name < c.list[j].Node.Name })
		c.dirty = false
	}
	f(c.list)
}

// NodeCount is the number of known nodes.
func (c *Cache) NodeCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, ni := range c.nodes {
		if ni.Node != nil {
			n++
		}
	}
	return n
}

func isTerminal(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}

// assumeLocked is Assume for use inside Schedule's callback.
func (c *Cache) assumeLocked(p *api.Pod, node string) {
	q := *p
	q.Spec.NodeName = node
	key := cache.Key(p)
	c.removeLocked(key)
	c.addLocked(key, &q, node, true)
}
