package node

import (
	"sync"

	"minik8s/pkg/api"
)

// Kinds of the objects a pod relates to its node.
const (
	KindPod            = "pod"
	KindSecret         = "secret"
	KindConfigMap      = "configmap"
	KindServiceAccount = "serviceaccount"
	KindPVC            = "persistentvolumeclaim"
)

type vertex struct{ kind, namespace, name string }

type podKey struct{ namespace, name string }

// Graph is Kubernetes' node authorizer graph, reduced to what minik8s
// pods reference: each pod bound to a node relates the node to the pod and
// to the Secrets, ConfigMaps, ServiceAccount and PVCs it uses. It is fed
// by a watch of pods (Populate) and read by the authorizer.
type Graph struct {
	mu sync.RWMutex
	// pods is what each bound pod was last seen to reference.
	pods map[podKey]podRefs
	// uses counts, per object, the pods of each node that reference it.
	uses map[vertex]map[string]int
}

type podRefs struct {
	node string
	refs []vertex
}

// NewGraph returns an empty graph.
func NewGraph() *Graph {
	return &Graph{pods: map[podKey]podRefs{}, uses: map[vertex]map[string]int{}}
}

// SetPod records (or re-records) a pod. A pod not bound to a node relates
// nothing.
func (g *Graph) SetPod(p *api.Pod) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.setPodLocked(p)
}

func (g *Graph) setPodLocked(p *api.Pod) {
	k := podKey{p.Namespace, p.Name}
	g.deletePodLocked(k)
	if p.Spec.NodeName == "" {
		return
	}
	pr := podRefs{node: p.Spec.NodeName, refs: PodReferences(p)}
	g.pods[k] = pr
	for _, v := range pr.refs {
		m := g.uses[v]
		if m == nil {
			m = map[string]int{}
			g.uses[v] = m
		}
		m[pr.node]++
	}
}

// DeletePod forgets a pod.
func (g *Graph) DeletePod(namespace, name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.deletePodLocked(podKey{namespace, name})
}

func (g *Graph) deletePodLocked(k podKey) {
	pr, ok := g.pods[k]
	if !ok {
		return
	}
	delete(g.pods, k)
	for _, v := range pr.refs {
		m := g.uses[v]
		if m[pr.node]--; m[pr.node] <= 0 {
			delete(m, pr.node)
		}
		if len(m) == 0 {
			delete(g.uses, v)
		}
	}
}

// Replace sets the whole set of pods (after a list).
func (g *Graph) Replace(pods []*api.Pod) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pods = map[podKey]podRefs{}
	g.uses = map[vertex]map[string]int{}
	for _, p := range pods {
		g.setPodLocked(p)
	}
}

// PodNode returns the node a pod is bound to ("" when unknown or unbound).
func (g *Graph) PodNode(namespace, name string) string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.pods[podKey{namespace, name}].node
}

// Related reports whether a pod bound to node is, or uses, the object.
func (g *Graph) Related(node, kind, namespace, name string) bool {
	if kind == KindPod {
		return node != "" && g.PodNode(namespace, name) == node
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.uses[vertex{kind, namespace, name}][node] > 0
}

// PodReferences lists the objects a pod uses, itself first (Kubernetes'
// graph_populator: volumes, env and envFrom of every container, the
// service account).
func PodReferences(p *api.Pod) []vertex {
	ns := p.Namespace
	refs := []vertex{{KindPod, ns, p.Name}}
	seen := map[vertex]bool{}
	add := func(kind, name string) {
		v := vertex{kind, ns, name}
		if name != "" && !seen[v] {
			seen[v] = true
			refs = append(refs, v)
		}
	}
	sa := p.Spec.ServiceAccountName
	if sa == "" {
		sa = p.Spec.DeprecatedServiceAccount
	}
	add(KindServiceAccount, sa)
	for _, v := range p.Spec.Volumes {
		switch {
		case v.Secret != nil:
			add(KindSecret, v.Secret.SecretName)
		case v.ConfigMap != nil:
			add(KindConfigMap, v.ConfigMap.Name)
		case v.Projected != nil:
			for _, s := range v.Projected.Sources {
				if s.Secret != nil {
					add(KindSecret, s.Secret.Name)
				}
				if s.ConfigMap != nil {
					add(KindConfigMap, s.ConfigMap.Name)
				}
			}
		}
	}
	containers := append(append([]api.Container{}, p.Spec.InitContainers...), p.Spec.Containers...)
	for _, c := range containers {
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil {
				add(KindSecret, e.SecretRef.Name)
			}
			if e.ConfigMapRef != nil {
				add(KindConfigMap, e.ConfigMapRef.Name)
			}
		}
		for _, e := range c.Env {
			if e.ValueFrom == nil {
				continue
			}
			if e.ValueFrom.SecretKeyRef != nil {
				add(KindSecret, e.ValueFrom.SecretKeyRef.Name)
			}
			if e.ValueFrom.ConfigMapKeyRef != nil {
				add(KindConfigMap, e.ValueFrom.ConfigMapKeyRef.Name)
			}
		}
	}
	return refs
}
