// Package apiserver owns the minik8s API server: Kubernetes-compatible REST
// paths for every resource in api.Resources (CRUD, status and binding
// subresources, patches, selectors, watch, tables), discovery and health
// endpoints, and the namespace life cycle. Objects live in etcd through
// package apiserver/storage (embedded by default, external by flag).
//
// Files: options.go (flags and defaults), server.go (life cycle), route.go
// (URL parsing), errors.go (Status errors), object.go (pure object
// preparation for create/update), handlers.go (verbs), patch.go, watch.go,
// table.go, discovery.go, openapi.go, namespace.go, service.go (ClusterIP
// and NodePort allocation).
package apiserver
