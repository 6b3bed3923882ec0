// Package framework owns the scheduler's pure decisions, after the plugins
// of kube-scheduler: the per-node view (NodeInfo), the filters that say
// whether a pod fits a node (NodeUnschedulable, node readiness,
// TaintToleration, NodeAffinity with nodeSelector, NodePorts,
// NodeResourcesFit), the scores that rank the nodes that fit
// (least-allocated, most-allocated, balanced allocation, spreading of an
// owner's pods, preferred node affinity, PreferNoSchedule taints), the
// selectable policies that weight them, and the FitError message
// Kubernetes writes in FailedScheduling events. Nothing here does I/O.
package framework
