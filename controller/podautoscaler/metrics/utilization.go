package metrics

import "errors"

// GetResourceUtilizationRatio is the usage of the pods that have both a
// metric and a request, as a percentage of their requests, divided by the
// target percentage; also the percentage and the average raw usage (milli).
func GetResourceUtilizationRatio(metrics PodMetricsInfo, requests map[string]int64, targetUtilization int32) (ratio float64, utilization int32, rawAverage int64, err error) {
	var metricsTotal, requestsTotal int64
	n := 0
	for pod, m := range metrics {
		req, ok := requests[pod]
		if !ok {
			continue // a pod the selector no longer matches
		}
		metricsTotal += m.Value
		requestsTotal += req
		n++
	}
	if requestsTotal == 0 {
		return 0, 0, 0, errors.New("no metrics returned matched known pods")
	}
	utilization = int32(metricsTotal * 100 / requestsTotal)
	return float64(utilization) / float64(targetUtilization), utilization, metricsTotal / int64(n), nil
}

// GetMetricUsageRatio is the average usage divided by the target average,
// and the average (milli).
func GetMetricUsageRatio(metrics PodMetricsInfo, targetUsage int64) (ratio float64, usage int64) {
	var total int64
	for _, m := range metrics {
		total += m.Value
	}
	usage = total / int64(len(metrics))
	return float64(usage) / float64(targetUsage), usage
}
