// Package nodelifecycle is the node lifecycle controller of the
// controller-manager (Kubernetes' pkg/controller/nodelifecycle and
// pkg/controller/tainteviction):
//
//   - health.go: every --node-monitor-period it compares now with the last
//     time it saw the node's Lease (kube-node-lease/<node>) renewed or its
//     Ready heartbeat move (a local probe timestamp, so clock skew between
//     nodes and the controller does not matter); after
//     --node-monitor-grace-period the node's Ready, MemoryPressure,
//     DiskPressure and PIDPressure conditions become Unknown, its pods
//     Ready=False, and a NodeNotReady event is recorded.
//   - taints.go: NoSchedule taints by condition (node.kubernetes.io/not-ready,
//     unreachable, memory-pressure, disk-pressure, pid-pressure,
//     unschedulable) and the NoExecute not-ready/unreachable taints, swapped
//     when the Ready condition changes and removed when it is True again.
//   - zones.go: NoExecute tainting is rate-limited per zone
//     (--node-eviction-rate) and stops when every node is not ready (the
//     controller, not the nodes, is then likely cut off), as Kubernetes does.
//   - eviction.go: the taint eviction manager deletes the pods on a node
//     with NoExecute taints they do not tolerate at once, and those that
//     tolerate them for tolerationSeconds after that time (a timer per pod,
//     cancelled when the taint goes).
//
// The decisions are pure functions of the observed state and a clock,
// table-tested; controller.go applies them.
package nodelifecycle
