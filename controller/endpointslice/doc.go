// Package endpointslice is the EndpointSlice controller (Kubernetes'
// pkg/controller/endpointslice and the staging endpointslice reconciler):
// for every Service with a selector it keeps discovery.k8s.io/v1
// EndpointSlices of the matching pods, labelled
// kubernetes.io/service-name=<service> and
// endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io,
// owned by the Service (so the garbage collector removes them with it),
// named by generateName "<service>-", at most 100 endpoints each, one
// group of slices per distinct set of resolved ports. Each endpoint has
// conditions ready (serving and not terminating, or the Service publishes
// not-ready addresses), serving (the pod is Ready) and terminating
// (terminating pods are kept), its nodeName and its node's
// topology.kubernetes.io/zone. Topology hints are not written (no
// topology-aware routing).
//
// desired.go turns pods into endpoints (pure), reconcile.go plans the
// creates, updates and deletes with as little churn as Kubernetes'
// reconciler (pure, table-tested), controller.go applies the plan.
package endpointslice
