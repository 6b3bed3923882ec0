// Package garbagecollector is the garbage collector of the
// controller-manager, after Kubernetes' pkg/controller/garbagecollector:
// informers on every resource keep a graph of owners and dependents
// (metadata.ownerReferences), and a work queue of object UIDs acts on it.
//
//   - A dependent whose owners are all gone is deleted (background
//     cascading deletion); owners that are gone are dropped from a
//     dependent that still has a live owner.
//   - An owner being deleted with the "foregroundDeletion" finalizer has
//     its dependents deleted (in the foreground too) and loses the
//     finalizer once no dependent with blockOwnerDeletion is left.
//   - An owner being deleted with the "orphan" finalizer has its owner
//     reference removed from every dependent, then loses the finalizer.
//
// The graph only says which objects to look at: the object itself is read
// again before a decision (its owner references in the graph may be older
// than an orphaning that already removed them), and whether an owner is
// gone is taken from the graph and confirmed with a GET (name and UID)
// before anything is deleted. The decisions are the pure functions of
// plan.go.
package garbagecollector
