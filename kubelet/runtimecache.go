package kubelet

import (
	"context"
	"sync"
	"time"

	"minik8s/kubelet/runtime"
)

// runtimeCache is what the last relist saw of the runtime, per pod UID
// (kubelet's PLEG cache). Pod syncs read it instead of listing the runtime
// themselves, waiting for a relist newer than their last change.
type runtimeCache struct {
	mu      sync.Mutex
	at      time.Time // when the last relist began
	pods    map[string]*podRuntime
	byID    map[string]*runtime.Container
	updated chan struct{} // closed and replaced at every update
}

func newRuntimeCache() *runtimeCache {
	return &runtimeCache{pods: map[string]*podRuntime{}, byID: map[string]*runtime.Container{}, updated: make(chan struct{})}
}

// set replaces the cache with a relist that began at at.
func (c *runtimeCache) set(at time.Time, sbs []*runtime.Sandbox, cs []*runtime.Container) {
	sbsBy := map[string][]*runtime.Sandbox{}
	csBy := map[string][]*runtime.Container{}
	byID := make(map[string]*runtime.Container, len(cs))
	for _, s := range sbs {
		sbsBy[s.PodUID] = append(sbsBy[s.PodUID], s)
	}
	for _, ct := range cs {
		csBy[ct.PodUID] = append(csBy[ct.PodUID], ct)
		byID[ct.ID] = ct
	}
	pods := map[string]*podRuntime{}
	for uid := range sbsBy {
		pods[uid] = newPodRuntime(sbsBy[uid], csBy[uid])
	}
	for uid := range csBy {
		if pods[uid] == nil {
			pods[uid] = newPodRuntime(nil, csBy[uid])
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.pods, c.byID = at, pods, byID
	close(c.updated)
	c.updated = make(chan struct{})
}

// container is the cached container with id, or nil.
func (c *runtimeCache) container(id string) *runtime.Container {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id]
}

// getNewerThan returns what the runtime has of pod uid, from a relist
// that began after t, waiting for one if need be.
func (c *runtimeCache) getNewerThan(ctx context.Context, uid string, t time.Time) (*podRuntime, error) {
	for {
		c.mu.Lock()
		if c.at.After(t) {
			p := c.pods[uid]
			c.mu.Unlock()
			if p == nil {
				p = newPodRuntime(nil, nil)
			}
			return p, nil
		}
		ch := c.updated
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}
