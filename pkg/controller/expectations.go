package controller

import (
	"sync"
	"time"
)

// ExpectationsTimeout is how long unfulfilled expectations hold back a
// controller before it acts anyway (Kubernetes' ExpectationsTimeout).
const ExpectationsTimeout = 5 * time.Minute

// expectation is what a controller still waits to see for one key: adds
// pod creations and the keys of pods whose deletions are pending.
type expectation struct {
	add       int
	deletions map[string]bool
	timestamp time.Time
}

// Expectations records the creations and deletions a controller issued and
// has not yet seen in its informer (Kubernetes'
// UIDTrackingControllerExpectations, keyed by controller key; deletions are
// tracked by pod key so a deletion seen twice counts once). Safe for
// concurrent use.
type Expectations struct {
	mu  sync.Mutex
	m   map[string]*expectation
	now func() time.Time
}

// NewExpectations returns empty expectations.
func NewExpectations() *Expectations {
	return &Expectations{m: map[string]*expectation{}, now: time.Now}
}

// Satisfied reports whether the controller key may sync: nothing is
// pending, the expectations expired, or none were ever set.
func (e *Expectations) Satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.m[key]
	if !ok {
		return true
	}
	if x.add <= 0 && len(x.deletions) == 0 {
		return true
	}
	return e.now().Sub(x.timestamp) > ExpectationsTimeout
}

// ExpectCreations records that n pods are being created for key
// (replacing what was expected).
func (e *Expectations) ExpectCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.m[key] = &expectation{add: n, deletions: map[string]bool{}, timestamp: e.now()}
}

// ExpectDeletions records that the pods podKeys ("ns/name") are being
// deleted for key (replacing what was expected).
func (e *Expectations) ExpectDeletions(key string, podKeys []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := make(map[string]bool, len(podKeys))
	for _, k := range podKeys {
		d[k] = true
	}
	e.m[key] = &expectation{deletions: d, timestamp: e.now()}
}

// CreationObserved counts one creation for key as seen (or as not
// happening, when it failed).
func (e *Expectations) CreationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		x.add--
	}
}

// DeletionObserved counts the deletion of podKey for key as seen (or as not
// happening); a pod key not pending is ignored.
func (e *Expectations) DeletionObserved(key, podKey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		delete(x.deletions, podKey)
	}
}

// Delete forgets key (its controller was deleted).
func (e *Expectations) Delete(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}

// Pending returns what key still waits for (for tests and logs).
func (e *Expectations) Pending(key string) (adds, deletions int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.m[key]; ok {
		return x.add, len(x.deletions)
	}
	return 0, 0
}

// Expect records that n pods are being created and the pods podKeys
// deleted for key at once (replacing what was expected), as Kubernetes'
// SetExpectations does for the DaemonSet controller.
func (e *Expectations) Expect(key string, n int, podKeys []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := make(map[string]bool, len(podKeys))
	for _, k := range podKeys {
		d[k] = true
	}
	e.m[key] = &expectation{add: n, deletions: d, timestamp: e.now()}
}
