package metrics

import (
	"context"
	"time"

	"minik8s/pkg/labels"
)

// PodMetric is one pod's usage of a resource, in milli-units (millicores,
// milli-bytes), measured over Window ending at Timestamp.
type PodMetric struct {
	Timestamp time.Time
	Window    time.Duration
	Value     int64
}

// PodMetricsInfo maps pod names to their metric.
type PodMetricsInfo map[string]PodMetric

// Client gets resource metrics.
type Client interface {
	// GetResourceMetric returns the usage of resource ("cpu", "memory")
	// of each pod in namespace that selector matches, and the timestamp of
	// the oldest sample.
	GetResourceMetric(ctx context.Context, resource, namespace string, selector labels.Selector) (PodMetricsInfo, time.Time, error)
}
