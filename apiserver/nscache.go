package apiserver

import (
	"context"
	"strings"
	"sync"
	"time"

	"minik8s/apiserver/storage"
	"minik8s/pkg/api"
)

// nsCache keeps the phase of every namespace, fed by a watch on etcd, so
// that creating an object does not cost a second etcd read to check its
// namespace (Kubernetes' NamespaceLifecycle admission uses an informer the
// same way). A namespace missing from the cache is looked up live, so one
// created an instant ago is never refused.
type nsCache struct {
	mu    sync.RWMutex
	phase map[string]string // name -> status.phase
}

func newNSCache() *nsCache { return &nsCache{phase: map[string]string{}} }

// lookup returns the cached phase of a namespace.
func (c *nsCache) lookup(name string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	p, ok := c.phase[name]
	return p, ok
}

// set records a phase this apiserver just wrote, so that its own next
// request sees it without waiting for the watch.
func (c *nsCache) set(name, phase string) {
	c.mu.Lock()
	c.phase[name] = phase
	c.mu.Unlock()
}

func (c *nsCache) replace(phases map[string]string) {
	c.mu.Lock()
	c.phase = phases
	c.mu.Unlock()
}

func (c *nsCache) apply(ev storage.Event) {
	name := ev.Key[strings.LastIndex(ev.Key, "/")+1:]
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ev.Type {
	case storage.EventPut:
		c.phase[name] = namespacePhase(ev.Value, ev.Revision)
	case storage.EventDelete:
		delete(c.phase, name)
	}
}

func namespacePhase(value []byte, rev int64) string {
	obj, err := decodeStored(namespaceInfo(), value, rev)
	if err != nil {
		return ""
	}
	return obj.(*api.Namespace).Status.Phase
}

// run lists the namespaces, then follows a watch; it relists after any
// watch error until ctx ends.
func (c *nsCache) run(ctx context.Context, st storage.Interface) {
	prefix := storagePrefix(namespaceInfo(), "")
	for ctx.Err() == nil {
		kvs, rev, err := st.List(ctx, prefix)
		if err != nil {
			c.replace(map[string]string{}) // fall back to live lookups
			sleepCtx(ctx, time.Second)
			continue
		}
		phases := make(map[string]string, len(kvs))
		for _, kv := range kvs {
			phases[kv.Key[len(prefix):]] = namespacePhase(kv.Value, kv.ModRevision)
		}
		c.replace(phases)
		for ev := range st.Watch(ctx, prefix, rev+1) {
			if ev.Type == storage.EventError {
				break
			}
			c.apply(ev)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
