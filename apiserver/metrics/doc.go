// Package metrics is the resource metrics API's engine inside the
// apiserver (what metrics-server is in Kubernetes): a Scraper that polls
// every Ready node's kubelet /stats/summary each resolution period, a Store
// that keeps the last two points per node and per container, and the
// conversion of those points into metrics.k8s.io/v1beta1 NodeMetrics and
// PodMetrics. CPU is a rate: the difference of the cumulative
// usageCoreNanoSeconds counter between two consecutive scrapes divided by
// the time between them (the window, measured on the scraper's monotonic
// clock); memory is the latest working set. The HTTP handlers live in the
// apiserver package (apiserver/metricsapi.go).
package metrics
