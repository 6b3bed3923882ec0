package podautoscaler

import (
	"errors"
	"fmt"
	"math"
	"time"

	"minik8s/controller/podautoscaler/metrics"
	"minik8s/pkg/api"
)

// Tolerances are how far below (Down) and above (Up) 1.0 a usage ratio may
// be before the autoscaler acts (0.1 each by default).
type Tolerances struct {
	Down, Up float64
}

// within reports whether ratio is too close to 1 to act on.
func (t Tolerances) within(ratio float64) bool {
	return 1.0-t.Down <= ratio && ratio <= 1.0+t.Up
}

// ReplicaCalculator is Kubernetes' replica calculation over a pod list and
// the pods' metrics; it does no I/O.
type ReplicaCalculator struct {
	// CPUInitializationPeriod: a pod started less than this ago counts for
	// cpu only when ready and sampled a full window after becoming ready.
	CPUInitializationPeriod time.Duration
	// DelayOfInitialReadinessStatus: later, an unready pod still counts
	// unless its readiness last changed within this of its start (it has
	// never been ready).
	DelayOfInitialReadinessStatus time.Duration
	Now                           func() time.Time
}

func (c *ReplicaCalculator) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// errNoPods is Kubernetes' message when the selector matches no pod.
var errNoPods = errors.New("no pods returned by selector while calculating replica count")

// errNoReadyMetrics is Kubernetes' message when no counted pod has a metric.
var errNoReadyMetrics = errors.New("did not receive metrics for targeted pods (pods might be unready)")

// GetResourceReplicas is the replica count for a Utilization target: the
// pods' usage of resource as a percentage of their requests against
// targetUtilization. It returns the count, the current utilization and
// average raw usage (milli). Missing pods count as using 100% of their
// request (or the target, when above 100) on a scale-down and 0 on a
// scale-up; unready pods count as 0 on a scale-up; a change that would
// reverse direction, or stay within the tolerance, keeps currentReplicas.
func (c *ReplicaCalculator) GetResourceReplicas(currentReplicas, targetUtilization int32, resource string, tol Tolerances, pods []*api.Pod, podMetrics metrics.PodMetricsInfo) (replicas, utilization int32, rawUtilization int64, err error) {
	if len(pods) == 0 {
		return 0, 0, 0, errNoPods
	}
	m := copyMetrics(podMetrics)
	ready, unready, missing, ignored := c.groupPods(pods, m, resource)
	removeMetricsForPods(m, ignored)
	removeMetricsForPods(m, unready)
	requests, err := calculatePodRequests(pods, resource)
	if err != nil {
		return 0, 0, 0, err
	}
	if len(m) == 0 {
		return 0, 0, 0, errNoReadyMetrics
	}
	ratio, utilization, rawUtilization, err := metrics.GetResourceUtilizationRatio(m, requests, targetUtilization)
	if err != nil {
		return 0, 0, 0, err
	}
	scaleUpWithUnready := len(unready) > 0 && ratio > 1.0
	if !scaleUpWithUnready && len(missing) == 0 {
		if tol.within(ratio) {
			return currentReplicas, utilization, rawUtilization, nil
		}
		return int32(math.Ceil(ratio * float64(ready))), utilization, rawUtilization, nil
	}
	fallback := int64(max(100, targetUtilization))
	assumeUsage(m, ratio, missing, unready, func(pod string) int64 { return requests[pod] * fallback / 100 })
	newRatio, _, _, err := metrics.GetResourceUtilizationRatio(m, requests, targetUtilization)
	if err != nil {
		return 0, utilization, rawUtilization, err
	}
	return keepDirection(currentReplicas, ratio, newRatio, len(m), tol), utilization, rawUtilization, nil
}

// GetRawResourceReplicas is the replica count for an AverageValue target
// (targetUsage in milli-units per pod); it returns the count and the
// current average usage. Missing pods count as using the target on a
// scale-down and 0 on a scale-up; unready ones as 0 on a scale-up.
func (c *ReplicaCalculator) GetRawResourceReplicas(currentReplicas int32, targetUsage int64, resource string, tol Tolerances, pods []*api.Pod, podMetrics metrics.PodMetricsInfo) (replicas int32, usage int64, err error) {
	if len(pods) == 0 {
		return 0, 0, errNoPods
	}
	m := copyMetrics(podMetrics)
	ready, unready, missing, ignored := c.groupPods(pods, m, resource)
	removeMetricsForPods(m, ignored)
	removeMetricsForPods(m, unready)
	if len(m) == 0 {
		return 0, 0, errNoReadyMetrics
	}
	ratio, usage := metrics.GetMetricUsageRatio(m, targetUsage)
	scaleUpWithUnready := len(unready) > 0 && ratio > 1.0
	if !scaleUpWithUnready && len(missing) == 0 {
		if tol.within(ratio) {
			return currentReplicas, usage, nil
		}
		return int32(math.Ceil(ratio * float64(ready))), usage, nil
	}
	assumeUsage(m, ratio, missing, unready, func(string) int64 { return targetUsage })
	newRatio, _ := metrics.GetMetricUsageRatio(m, targetUsage)
	return keepDirection(currentReplicas, ratio, newRatio, len(m), tol), usage, nil
}

// assumeUsage fills in Kubernetes' conservative assumptions before the
// ratio is recomputed: on a scale-down (ratio < 1) missing pods use
// downUsage(pod) (their request, or the target), on a scale-up (ratio > 1)
// missing pods and unready ones use nothing.
func assumeUsage(m metrics.PodMetricsInfo, ratio float64, missing, unready map[string]bool, downUsage func(pod string) int64) {
	switch {
	case ratio < 1.0:
		for pod := range missing {
			m[pod] = metrics.PodMetric{Value: downUsage(pod)}
		}
	case ratio > 1.0:
		for pod := range missing {
			m[pod] = metrics.PodMetric{Value: 0}
		}
		for pod := range unready {
			m[pod] = metrics.PodMetric{Value: 0}
		}
	}
}

// keepDirection is the count after missing and unready pods were filled
// in: the current count when the new ratio is within tolerance or the fill
// reversed the direction of the change, otherwise ceil(newRatio * pods).
func keepDirection(current int32, ratio, newRatio float64, pods int, tol Tolerances) int32 {
	if tol.within(newRatio) || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0) {
		return current
	}
	n := int32(math.Ceil(newRatio * float64(pods)))
	if (newRatio < 1.0 && n > current) || (newRatio > 1.0 && n < current) {
		return current
	}
	return n
}

func copyMetrics(in metrics.PodMetricsInfo) metrics.PodMetricsInfo {
	out := make(metrics.PodMetricsInfo, len(in))
	for k, v := range in {
		out[k] = v
	}
	return out
}

func removeMetricsForPods(m metrics.PodMetricsInfo, pods map[string]bool) {
	for p := range pods {
		delete(m, p)
	}
}

// groupPods sorts the pods as Kubernetes does: deleted and failed pods are
// ignored; pending ones are unready; pods without a metric are missing;
// for cpu, a pod still initializing counts only when ready and sampled a
// full window after its readiness last changed, and after initialization
// an unready pod that has never been ready is unready. The rest are ready.
func (c *ReplicaCalculator) groupPods(pods []*api.Pod, m metrics.PodMetricsInfo, resource string) (ready int, unready, missing, ignored map[string]bool) {
	unready, missing, ignored = map[string]bool{}, map[string]bool{}, map[string]bool{}
	now := c.now()
	for _, p := range pods {
		if p.DeletionTimestamp != nil || p.Status.Phase == api.PodFailed {
			ignored[p.Name] = true
			continue
		}
		if p.Status.Phase == api.PodPending {
			unready[p.Name] = true
			continue
		}
		metric, ok := m[p.Name]
		if !ok {
			missing[p.Name] = true
			continue
		}
		if resource == "cpu" && c.cpuUnready(p, metric, now) {
			unready[p.Name] = true
			continue
		}
		ready++
	}
	return ready, unready, missing, ignored
}

func (c *ReplicaCalculator) cpuUnready(p *api.Pod, metric metrics.PodMetric, now time.Time) bool {
	var cond *api.PodCondition
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == api.PodReady {
			cond = &p.Status.Conditions[i]
			break
		}
	}
	if cond == nil || p.Status.StartTime == nil {
		return true
	}
	start, changed := p.Status.StartTime.Time, cond.LastTransitionTime.Time
	if start.Add(c.CPUInitializationPeriod).After(now) {
		return cond.Status == api.ConditionFalse || metric.Timestamp.Before(changed.Add(metric.Window))
	}
	return cond.Status == api.ConditionFalse && start.Add(c.DelayOfInitialReadinessStatus).After(changed)
}

// calculatePodRequests sums each pod's containers' requests of resource
// (milli); a container without one is an error naming it.
func calculatePodRequests(pods []*api.Pod, resource string) (map[string]int64, error) {
	out := make(map[string]int64, len(pods))
	for _, p := range pods {
		var sum int64
		for _, ctr := range p.Spec.Containers {
			q, ok := ctr.Resources.Requests[resource]
			if !ok {
				return nil, fmt.Errorf("missing request for %s in container %s of Pod %s", resource, ctr.Name, p.Name)
			}
			sum += q.MilliValue()
		}
		out[p.Name] = sum
	}
	return out, nil
}
