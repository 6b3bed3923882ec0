package endpointutil

import (
	"sync"
	"time"

	"minik8s/pkg/api"
)

// LastChangeTriggerTimeAnnotation is the annotation on Endpoints and
// EndpointSlices saying when the change they reflect happened (for
// latency measurement, as Kubernetes' EndpointsLastChangeTriggerTime).
const LastChangeTriggerTimeAnnotation = "endpoints.kubernetes.io/last-change-trigger-time"

// TriggerTimeTracker computes the last-change-trigger-time of a
// service's endpoints, as Kubernetes' TriggerTimeTracker: the earliest
// of the trigger times (a pod's Ready transition, the service's creation)
// that changed since the service's previous sync; the service's creation
// on its first sync; zero when nothing changed.
type TriggerTimeTracker struct {
	mu     sync.Mutex
	states map[string]triggerState
}

type triggerState struct {
	pods    map[string]time.Time
	service time.Time
}

// NewTriggerTimeTracker returns an empty tracker.
func NewTriggerTimeTracker() *TriggerTimeTracker {
	return &TriggerTimeTracker{states: map[string]triggerState{}}
}

// Compute returns the trigger time of this sync of svc with pods and
// remembers the pods' and the service's trigger times for the next one.
func (t *TriggerTimeTracker) Compute(svc *api.Service, pods []*api.Pod) time.Time {
	key := svc.Namespace + "/" + svc.Name
	t.mu.Lock()
	state, known := t.states[key]
	t.mu.Unlock()
	var minChanged time.Time
	earlier := func(tt time.Time) {
		if minChanged.IsZero() || tt.Before(minChanged) {
			minChanged = tt
		}
	}
	next := triggerState{pods: map[string]time.Time{}, service: svc.CreationTimestamp.Time}
	for _, p := range pods {
		tt := podTriggerTime(p)
		if tt.IsZero() {
			continue
		}
		next.pods[p.Name] = tt
		if tt.After(state.pods[p.Name]) {
			earlier(tt)
		}
	}
	if next.service.After(state.service) {
		earlier(next.service)
	}
	t.mu.Lock()
	t.states[key] = next
	t.mu.Unlock()
	if !known {
		return svc.CreationTimestamp.Time
	}
	return minChanged
}

// Delete forgets a deleted service.
func (t *TriggerTimeTracker) Delete(namespace, name string) {
	t.mu.Lock()
	delete(t.states, namespace+"/"+name)
	t.mu.Unlock()
}

func podTriggerTime(p *api.Pod) time.Time {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

// FormatTriggerTime is the annotation's value for t (RFC 3339 with
// nanoseconds, UTC).
func FormatTriggerTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }
