// Package podautoscaler is the HorizontalPodAutoscaler controller
// (autoscaling/v2, Resource metrics cpu and memory), computing as
// Kubernetes' pkg/controller/podautoscaler does.
//
// Every sync period each HPA is reconciled: read the target's scale
// subresource, the pods its selector picks and their metrics; propose a
// replica count per metric (replicas.go: the replica calculation with its
// tolerance and its treatment of missing, unready and initializing pods)
// and take the largest; stabilize it and limit its rate (normalize.go:
// stabilization windows and the Pods/Percent policies over the scale
// events of their periods, or the no-behavior rules); write the scale and
// the status with its conditions (reconcile.go). The decisions are pure
// functions of their inputs and a clock, table-tested; controller.go is
// the informer and work-queue plumbing and the in-memory per-HPA history
// (recommendations and scale events), kept as Kubernetes keeps it.
package podautoscaler
