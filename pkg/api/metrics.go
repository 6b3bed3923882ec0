package api

import (
	"encoding/json"
	"fmt"
	"time"
)

// The resource metrics API, metrics.k8s.io/v1beta1 (the shape of
// k8s.io/metrics/pkg/apis/metrics/v1beta1): what `kubectl top` and the
// HorizontalPodAutoscaler read. These are not stored objects; the
// apiserver computes them from the kubelets' /stats/summary.

// MetricsGroupVersion is the resource metrics API's group/version.
const MetricsGroupVersion = "metrics.k8s.io/v1beta1"

// Duration is a time span that marshals as Go's duration string ("15s"),
// like metav1.Duration.
type Duration struct {
	time.Duration `json:"-"`
}

// MarshalJSON implements json.Marshaler.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.Duration.String()) }

// UnmarshalJSON implements json.Unmarshaler.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	d.Duration = v
	return nil
}

// NodeMetrics is a node's usage, averaged over Window and ending at Timestamp.
type NodeMetrics struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Timestamp  Time         `json:"timestamp"`
	Window     Duration     `json:"window"`
	Usage      ResourceList `json:"usage"`
}

// NodeMetricsList is a list of NodeMetrics.
type NodeMetricsList struct {
	TypeMeta `json:",inline"`
	ListMeta `json:"metadata,omitempty"`
	Items    []NodeMetrics `json:"items"`
}

// PodMetrics is the usage of a pod's containers over Window, ending at Timestamp.
type PodMetrics struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata,omitempty"`
	Timestamp  Time               `json:"timestamp"`
	Window     Duration           `json:"window"`
	Containers []ContainerMetrics `json:"containers"`
}

// PodMetricsList is a list of PodMetrics.
type PodMetricsList struct {
	TypeMeta `json:",inline"`
	ListMeta `json:"metadata,omitempty"`
	Items    []PodMetrics `json:"items"`
}

// ContainerMetrics is one container's usage.
type ContainerMetrics struct {
	Name  string       `json:"name"`
	Usage ResourceList `json:"usage"`
}
