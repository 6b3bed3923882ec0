package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/labels"
)

// RESTClient reads PodMetrics from the apiserver's resource metrics API.
type RESTClient struct {
	c *client.Client
}

var _ Client = (*RESTClient)(nil)

// NewRESTClient returns the client of the resource metrics API behind c.
func NewRESTClient(c *client.Client) *RESTClient { return &RESTClient{c: c} }

// ListPodMetrics GETs /apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods.
func (r *RESTClient) ListPodMetrics(ctx context.Context, namespace string, selector labels.Selector) (*api.PodMetricsList, error) {
	path := "/apis/" + api.MetricsGroupVersion + "/namespaces/" + url.PathEscape(namespace) + "/pods"
	if selector != nil && !selector.Empty() {
		path += "?labelSelector=" + url.QueryEscape(selector.String())
	}
	data, err := r.c.Do(ctx, "GET", path, nil, nil)
	if err != nil {
		return nil, err
	}
	var list api.PodMetricsList
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("decode PodMetricsList: %w", err)
	}
	return &list, nil
}

// GetResourceMetric implements Client.
func (r *RESTClient) GetResourceMetric(ctx context.Context, resource, namespace string, selector labels.Selector) (PodMetricsInfo, time.Time, error) {
	return fromList(resource)(r.ListPodMetrics(ctx, namespace, selector))
}

// FuncClient is a Client over a function that lists PodMetrics (a fake
// metrics source for tests and benchmarks).
type FuncClient func(ctx context.Context, namespace string, selector labels.Selector) (*api.PodMetricsList, error)

var _ Client = FuncClient(nil)

// GetResourceMetric implements Client.
func (f FuncClient) GetResourceMetric(ctx context.Context, resource, namespace string, selector labels.Selector) (PodMetricsInfo, time.Time, error) {
	return fromList(resource)(f(ctx, namespace, selector))
}

// errNoMetrics is Kubernetes' message for an empty answer.
var errNoMetrics = errors.New("no metrics returned from resource metrics API")

// fromList turns a PodMetricsList into the metrics of resource, as
// Kubernetes' resourceMetricsClient does.
func fromList(resource string) func(*api.PodMetricsList, error) (PodMetricsInfo, time.Time, error) {
	return func(list *api.PodMetricsList, err error) (PodMetricsInfo, time.Time, error) {
		if err != nil {
			return nil, time.Time{}, fmt.Errorf("unable to fetch metrics from resource metrics API: %w", err)
		}
		if list == nil || len(list.Items) == 0 {
			return nil, time.Time{}, errNoMetrics
		}
		return PodMetrics(list.Items, resource), list.Items[0].Timestamp.Time, nil
	}
}

// PodMetrics sums each pod's containers' usage of resource; a pod with no
// containers, or one without that resource, has no metric.
func PodMetrics(items []api.PodMetrics, resource string) PodMetricsInfo {
	out := make(PodMetricsInfo, len(items))
	for _, m := range items {
		sum, missing := int64(0), len(m.Containers) == 0
		for _, c := range m.Containers {
			q, ok := c.Usage[resource]
			if !ok {
				missing = true
				break
			}
			sum += q.MilliValue()
		}
		if !missing {
			out[m.Name] = PodMetric{Timestamp: m.Timestamp.Time, Window: m.Window.Duration, Value: sum}
		}
	}
	return out
}
