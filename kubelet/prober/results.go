package prober

import "sync"

// Result of a probe.
type Result int

// Probe results.
const (
	Unknown Result = iota
	Success
	Failure
)

func (r Result) String() string {
	switch r {
	case Success:
		return "Success"
	case Failure:
		return "Failure"
	}
	return "Unknown"
}

// Type of a probe.
type Type int

// Probe types.
const (
	Liveness Type = iota
	Readiness
	Startup
)

func (t Type) String() string {
	switch t {
	case Liveness:
		return "Liveness"
	case Readiness:
		return "Readiness"
	}
	return "Startup"
}

// initialValue is what a new container's probe result is before its first
// conclusive probe: not ready, alive, not started (Kubernetes' worker).
func (t Type) initialValue() Result {
	switch t {
	case Liveness:
		return Success
	case Readiness:
		return Failure
	}
	return Unknown
}

type resultKey struct {
	containerID string
	typ         Type
}

// Results holds the published probe results per container ID and type.
type Results struct {
	mu sync.Mutex
	m  map[resultKey]Result
}

// NewResults returns an empty result store.
func NewResults() *Results { return &Results{m: map[resultKey]Result{}} }

// Get is the result of the typ probe of container id.
func (r *Results) Get(id string, typ Type) (Result, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res, ok := r.m[resultKey{id, typ}]
	return res, ok
}

// set stores a result and says whether it changed.
func (r *Results) set(id string, typ Type, res Result) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := resultKey{id, typ}
	old, ok := r.m[k]
	r.m[k] = res
	return !ok || old != res
}

// remove forgets the typ result of container id.
func (r *Results) remove(id string, typ Type) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, resultKey{id, typ})
}
