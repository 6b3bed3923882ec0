package namespace

import (
	"context"
	"fmt"
	"math"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// finalizerEstimateSeconds is the wait assumed for objects held by
// finalizers (Kubernetes' value).
const finalizerEstimateSeconds = 15

// deleteContent deletes every namespaced resource in ns through the API
// (DELETE on the collection: pods gracefully) and lists what remains.
func (c *Controller) deleteContent(ctx context.Context, ns string, now api.Time) []contentResult {
	out := make([]contentResult, 0, len(c.resources))
	for _, r := range c.resources {
		res := contentResult{Resource: r.Resource, Group: r.Group}
		if err := c.client.DeleteCollection(ctx, r, ns, client.ListOptions{}); err != nil && !client.IsNotFound(err) {
			res.Err = fmt.Errorf("unable to delete %s: %w", r.GroupResource(), err)
		}
		objs, _, err := c.client.List(ctx, r, ns, client.ListOptions{})
		if err != nil {
			if res.Err == nil {
				res.Err = fmt.Errorf("unable to list %s: %w", r.GroupResource(), err)
			}
			out = append(out, res)
			continue
		}
		res.Remaining, res.Finalizers, res.Estimate = remainingOf(objs, now)
		out = append(out, res)
	}
	return out
}

// remainingOf counts the objects still there, the finalizers holding them
// and how long until they should be gone: a terminating pod until its
// deletionTimestamp (at least a second), an object with finalizers
// finalizerEstimateSeconds, anything else a second.
func remainingOf(objs []api.Object, now api.Time) (n int, finalizers map[string]int, estimate int64) {
	finalizers = map[string]int{}
	for _, o := range objs {
		m := o.GetObjectMeta()
		n++
		e := int64(1)
		if m.DeletionTimestamp != nil {
			if s := int64(math.Ceil(m.DeletionTimestamp.Sub(now.Time).Seconds())); s > e {
				e = s
			}
		}
		for _, f := range m.Finalizers {
			finalizers[f]++
			e = max(e, finalizerEstimateSeconds)
		}
		estimate = max(estimate, e)
	}
	return n, finalizers, estimate
}
