package apiserver

import (
	"context"
	"fmt"
	"log"
	"sort"
	"strings"
	"sync"
	"time"

	"minik8s/apiserver/authorization/rbac"
	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
)

// rbacCache holds the Roles, ClusterRoles and bindings the RBAC authorizer
// reads, filled by a list and then a watch on etcd per resource (as
// Kubernetes' RBAC authorizer reads informers' listers): a write is seen
// within the watch's latency, and authorizing costs no etcd read.
type rbacCache struct {
	roles, clusterRoles, roleBindings, clusterRoleBindings *objectCache
}

var _ rbac.Lister = (*rbacCache)(nil)

func newRBACCache() *rbacCache {
	info := func(res string) *api.ResourceInfo {
		i, _ := api.ForResource(api.RBACGroup, "v1", res)
		return i
	}
	return &rbacCache{
		roles: newObjectCache(info("roles")), clusterRoles: newObjectCache(info("clusterroles")),
		roleBindings: newObjectCache(info("rolebindings")), clusterRoleBindings: newObjectCache(info("clusterrolebindings")),
	}
}

// run fills the caches until ctx ends; synced is closed once each has listed.
func (c *rbacCache) run(ctx context.Context, st storage.Interface) {
	var wg sync.WaitGroup
	for _, oc := range []*objectCache{c.roles, c.clusterRoles, c.roleBindings, c.clusterRoleBindings} {
		wg.Add(1)
		go func() { defer wg.Done(); oc.run(ctx, st) }()
	}
	wg.Wait()
}

// waitSynced waits until every cache has listed once.
func (c *rbacCache) waitSynced(ctx context.Context) error {
	for _, oc := range []*objectCache{c.roles, c.clusterRoles, c.roleBindings, c.clusterRoleBindings} {
		select {
		case <-oc.synced:
		case <-ctx.Done():
			return fmt.Errorf("waiting for the RBAC cache: %w", ctx.Err())
		}
	}
	return nil
}

func (c *rbacCache) GetRole(namespace, name string) (*api.Role, error) {
	if o, ok := c.roles.get(namespace + "/" + name); ok {
		return o.(*api.Role), nil
	}
	return nil, errNotFoundSingular("role", name)
}

func (c *rbacCache) GetClusterRole(name string) (*api.ClusterRole, error) {
	if o, ok := c.clusterRoles.get(name); ok {
		return o.(*api.ClusterRole), nil
	}
	return nil, errNotFoundSingular("clusterrole", name)
}

func (c *rbacCache) ListRoleBindings(namespace string) ([]*api.RoleBinding, error) {
	var out []*api.RoleBinding
	for _, o := range c.roleBindings.list(namespace + "/") {
		out = append(out, o.(*api.RoleBinding))
	}
	return out, nil
}

func (c *rbacCache) ListClusterRoleBindings() ([]*api.ClusterRoleBinding, error) {
	var out []*api.ClusterRoleBinding
	for _, o := range c.clusterRoleBindings.list("") {
		out = append(out, o.(*api.ClusterRoleBinding))
	}
	return out, nil
}

// ListClusterRoles returns every ClusterRole (the rules review and tests).
func (c *rbacCache) ListClusterRoles() []*api.ClusterRole {
	var out []*api.ClusterRole
	for _, o := range c.clusterRoles.list("") {
		out = append(out, o.(*api.ClusterRole))
	}
	return out
}

// errNotFoundSingular is a lister's not-found error, which Kubernetes
// words with the singular resource: `clusterrole.rbac.authorization.k8s.io "x" not found`.
func errNotFoundSingular(singular, name string) error {
	return fmt.Errorf("%s.%s %q not found", singular, api.RBACGroup, name)
}

// objectCache is one resource's objects by "namespace/name" (or "name"),
// decoded once per change.
type objectCache struct {
	info   *api.ResourceInfo
	prefix string
	mu     sync.RWMutex
	objs   map[string]api.Object
	synced chan struct{}
	once   sync.Once
}

func newObjectCache(info *api.ResourceInfo) *objectCache {
	return &objectCache{info: info, prefix: storagePrefix(info, ""), objs: map[string]api.Object{}, synced: make(chan struct{})}
}

func (c *objectCache) get(key string) (api.Object, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	o, ok := c.objs[key]
	return o, ok
}

// list returns the objects whose key starts with prefix, sorted by key.
func (c *objectCache) list(prefix string) []api.Object {
	c.mu.RLock()
	keys := make([]string, 0, len(c.objs))
	for k := range c.objs {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([]api.Object, len(keys))
	for i, k := range keys {
		out[i] = c.objs[k]
	}
	c.mu.RUnlock()
	return out
}

func (c *objectCache) decode(value []byte, rev int64) api.Object {
	obj, err := decodeStored(c.info, value, rev)
	if err != nil {
		log.Printf("apiserver: RBAC cache: %v", err)
		return nil
	}
	return obj
}

// run lists, then follows a watch, relisting after any watch error.
func (c *objectCache) run(ctx context.Context, st storage.Interface) {
	for ctx.Err() == nil {
		kvs, rev, err := st.List(ctx, c.prefix)
		if err != nil {
			sleepCtx(ctx, time.Second)
			continue
		}
		objs := make(map[string]api.Object, len(kvs))
		for _, kv := range kvs {
			if o := c.decode(kv.Value, kv.ModRevision); o != nil {
				objs[kv.Key[len(c.prefix):]] = o
			}
		}
		c.mu.Lock()
		c.objs = objs
		c.mu.Unlock()
		c.once.Do(func() { close(c.synced) })
		for ev := range st.Watch(ctx, c.prefix, rev+1) {
			if ev.Type == storage.EventError {
				break
			}
			key := strings.TrimPrefix(ev.Key, c.prefix)
			switch ev.Type {
			case storage.EventPut:
				if o := c.decode(ev.Value, ev.Revision); o != nil {
					c.mu.Lock()
					c.objs[key] = o
					c.mu.Unlock()
				}
			case storage.EventDelete:
				c.mu.Lock()
				delete(c.objs, key)
				c.mu.Unlock()
			}
		}
	}
}
