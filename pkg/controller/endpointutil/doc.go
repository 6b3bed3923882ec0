// Package endpointutil holds what the Endpoints and EndpointSlice
// controllers share, as Kubernetes' pkg/controller/util/endpoint does:
// which pods belong in a Service's endpoints, how a named targetPort
// resolves per pod, which services a pod change concerns, and the
// last-change-trigger-time tracker.
package endpointutil
