// Package apiserver owns the minik8s API server: Kubernetes-compatible REST
// paths for every resource in api.Resources (CRUD, subresources, patches,
// selectors, paged lists, watch, tables), discovery and health endpoints,
// and the namespace life cycle. Objects live in etcd through package
// apiserver/storage (embedded by default, external by flag).
//
// Files: options.go (flags and defaults), server.go (life cycle), route.go
// (the gin router: Kubernetes path patterns per resource), registry.go and
// strategies.go (one strategy per resource: prepare, validate, allocate,
// delete hooks and subresources; handlers never switch on kind),
// registry_update.go (GuaranteedUpdate: server-side retries, no-op
// writes), registry_list.go (limit/continue paging),
// registry_fieldvalidation.go (Strict/Warn/Ignore), errors.go (Status
// errors), object.go (pure object preparation for create/update),
// handlers.go (verbs), patch.go, scale.go, watch.go, table.go,
// discovery.go, openapi.go, namespace.go, service.go (ClusterIP and
// NodePort allocation).
package apiserver
