package endpointslice

import (
	"strconv"
	"sync"
	"time"

	"minik8s/pkg/api"
)

// sliceTracker remembers the slices this controller wrote until its
// informer has seen them, as Kubernetes' EndpointSliceTracker: a sync
// that would plan from a cache older than its own writes (a slice it
// created not yet listed, an updated one at an older resourceVersion, a
// deleted one still there) waits instead of creating duplicates. A write
// the cache has not shown within trackTimeout is forgotten (it was
// overtaken, e.g. deleted by someone else before the watch delivered it).
type sliceTracker struct {
	mu      sync.Mutex
	written map[string]map[string]write // service key -> slice name -> write
	now     func() time.Time
}

type write struct {
	rv int64 // resourceVersion written; 0: deleted
	at time.Time
}

const trackTimeout = 5 * time.Second

func newSliceTracker() *sliceTracker {
	return &sliceTracker{written: map[string]map[string]write{}, now: time.Now}
}

func rvOf(s *api.EndpointSlice) int64 {
	rv, _ := strconv.ParseInt(s.ResourceVersion, 10, 64)
	return rv
}

// wrote records a created or updated slice (as the apiserver returned it).
func (t *sliceTracker) wrote(svcKey string, s *api.EndpointSlice) { t.set(svcKey, s.Name, rvOf(s)) }

// deleted records a deleted slice.
func (t *sliceTracker) deleted(svcKey, name string) { t.set(svcKey, name, 0) }

func (t *sliceTracker) set(svcKey, name string, rv int64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.written[svcKey] == nil {
		t.written[svcKey] = map[string]write{}
	}
	t.written[svcKey][name] = write{rv: rv, at: t.now()}
}

// stale says whether the cached slices of a service lag behind this
// controller's writes; writes the cache has caught up with are forgotten.
func (t *sliceTracker) stale(svcKey string, cached []*api.EndpointSlice) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.written[svcKey]
	if len(w) == 0 {
		return false
	}
	byName := map[string]*api.EndpointSlice{}
	for _, s := range cached {
		byName[s.Name] = s
	}
	isStale := false
	now := t.now()
	for name, wr := range w {
		s, ok := byName[name]
		rv := wr.rv
		switch {
		case now.Sub(wr.at) > trackTimeout:
			delete(w, name)
		case rv == 0 && ok, rv > 0 && (!ok || rvOf(s) < rv):
			isStale = true
		default:
			delete(w, name)
		}
	}
	if len(w) == 0 {
		delete(t.written, svcKey)
	}
	return isStale
}

// seenDeleted forgets a slice the cache saw deleted.
func (t *sliceTracker) seenDeleted(svcKey, name string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.written[svcKey], name)
}

// forget drops a deleted service.
func (t *sliceTracker) forget(svcKey string) {
	t.mu.Lock()
	delete(t.written, svcKey)
	t.mu.Unlock()
}
