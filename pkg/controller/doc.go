// Package controller holds what the workload controllers (ReplicaSet,
// ReplicationController, Deployment) share, after Kubernetes'
// pkg/controller/controller_utils.go: expectations (expectations.go) so a
// slow watch never makes a controller act twice, pod predicates and the
// order in which surplus pods are deleted (pods.go), slow-start batches
// (batch.go), controller references (ref.go), and PodControl, which
// creates and deletes a controller's pods and records the events
// (podcontrol.go).
package controller
