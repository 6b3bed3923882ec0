// Package describe owns the `kubectl describe` text of API objects: the
// aligned "Name:  value" blocks, container and condition sections and the
// Events table that real kubectl prints for pods, services, deployments,
// replica sets, nodes, namespaces, autoscalers and endpoints, and the
// generic field dump it falls back to for anything else.
//
// It is pure: the caller fetches the object, its events and the related
// objects a describer needs (the pods on a node, the replica sets of a
// deployment, the endpoints of a service) and passes them in; Describe
// only writes text.
package describe
