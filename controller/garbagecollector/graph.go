package garbagecollector

import (
	"slices"
	"sync"

	"minik8s/pkg/api"
)

// node is one object of the graph: where it is and what of it matters.
type node struct {
	info       *api.ResourceInfo
	namespace  string
	name       string
	uid        string
	owners     []api.OwnerReference
	finalizers []string
	deleting   bool
}

func (n *node) has(finalizer string) bool { return slices.Contains(n.finalizers, finalizer) }

// waitingForDependents says whether n is deleted in the foreground.
func (n *node) waitingForDependents() bool { return n.deleting && n.has(finalizerForeground) }

// ownerRef returns n's reference to owner uid.
func (n *node) ownerRef(uid string) (api.OwnerReference, bool) {
	for _, r := range n.owners {
		if r.UID == uid {
			return r, true
		}
	}
	return api.OwnerReference{}, false
}

func nodeOf(info *api.ResourceInfo, obj api.Object) *node {
	m := obj.GetObjectMeta()
	return &node{info: info, namespace: m.Namespace, name: m.Name, uid: m.UID,
		owners: slices.Clone(m.OwnerReferences), finalizers: slices.Clone(m.Finalizers), deleting: m.DeletionTimestamp != nil}
}

// graph holds every object by UID and the dependents of every owner UID
// (an owner need not be in the graph: that is how a gone owner shows).
type graph struct {
	mu         sync.Mutex
	nodes      map[string]*node
	dependents map[string]map[string]bool // owner UID -> dependent UIDs
}

func newGraph() *graph {
	return &graph{nodes: map[string]*node{}, dependents: map[string]map[string]bool{}}
}

// upsert stores n and returns the owner UIDs it had before (to look at
// owners that lost it).
func (g *graph) upsert(n *node) (oldOwners []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if old, ok := g.nodes[n.uid]; ok {
		for _, r := range old.owners {
			oldOwners = append(oldOwners, r.UID)
			g.unlink(r.UID, n.uid)
		}
	}
	g.nodes[n.uid] = n
	for _, r := range n.owners {
		if g.dependents[r.UID] == nil {
			g.dependents[r.UID] = map[string]bool{}
		}
		g.dependents[r.UID][n.uid] = true
	}
	return oldOwners
}

// remove drops the object uid.
func (g *graph) remove(uid string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n, ok := g.nodes[uid]
	if !ok {
		return
	}
	for _, r := range n.owners {
		g.unlink(r.UID, uid)
	}
	delete(g.nodes, uid)
}

func (g *graph) unlink(owner, dep string) {
	if d := g.dependents[owner]; d != nil {
		delete(d, dep)
		if len(d) == 0 {
			delete(g.dependents, owner)
		}
	}
}

// get returns the object uid (nil if not in the graph).
func (g *graph) get(uid string) *node {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.nodes[uid]
}

// dependentsOf returns the objects that name owner as an owner.
func (g *graph) dependentsOf(owner string) []*node {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]*node, 0, len(g.dependents[owner]))
	for uid := range g.dependents[owner] {
		if n := g.nodes[uid]; n != nil {
			out = append(out, n)
		}
	}
	return out
}
