// Package metrics is the HorizontalPodAutoscaler's view of the resource
// metrics API (metrics.k8s.io/v1beta1): per-pod usage of one resource for
// the pods a selector picks, summed over their containers (Kubernetes'
// pkg/controller/podautoscaler/metrics). The REST client reads PodMetrics
// through the apiserver; FuncClient serves tests and fakes. utilization.go
// holds the two ratios the replica calculation starts from.
package metrics
