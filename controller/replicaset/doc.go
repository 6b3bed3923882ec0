// Package replicaset is the ReplicaSet controller, which also reconciles
// the legacy core/v1 ReplicationController through the same code (as
// Kubernetes' replication controller wraps its ReplicaSet controller): it
// keeps spec.replicas active pods matching the selector, adopting orphans
// and releasing pods that stop matching, deleting the surplus in
// Kubernetes' order, and writes the status.
//
// kind.go adapts the two kinds to one view; decide.go holds the pure
// decisions (how many to create or delete, which to delete, which pods to
// adopt or release, the status), table-tested; controller.go is the
// informer and work-queue plumbing.
package replicaset
