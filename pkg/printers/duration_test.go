package printers

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"
)

// TestHumanDurationMatchesKubernetes checks HumanDuration against
// Kubernetes' own implementation (used here only as a test oracle) over a
// spread of durations from seconds to decades.
func TestHumanDurationMatchesKubernetes(t *testing.T) {
	for d := -3 * time.Second; d < 20*365*24*time.Hour; d = d*3/2 + 7*time.Second {
		if got, want := HumanDuration(d), duration.HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%v) = %q, Kubernetes says %q", d, got, want)
		}
	}
}
