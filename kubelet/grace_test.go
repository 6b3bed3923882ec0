package kubelet

import (
	"math"
	"testing"
	"time"

	"minik8s/pkg/api"
)

// A grace period of 2^63-1 s (valid in the API) must not wrap to -1 s, an
// immediate kill: it saturates at the longest Duration.
func TestHugeGraceSaturates(t *testing.T) {
	huge := int64(math.MaxInt64)
	pod := &api.Pod{Spec: api.PodSpec{TerminationGracePeriodSeconds: &huge}}
	if got := terminationGrace(pod); got != math.MaxInt64 {
		t.Errorf("terminationGrace = %v, want the longest Duration", got)
	}
	pod.DeletionGracePeriodSeconds = &huge
	if got := deletionGrace(pod); got != math.MaxInt64 {
		t.Errorf("deletionGrace = %v, want the longest Duration", got)
	}
	five := int64(5)
	pod.DeletionGracePeriodSeconds = &five
	if got := deletionGrace(pod); got != 5*time.Second {
		t.Errorf("deletionGrace = %v, want 5s", got)
	}
}
