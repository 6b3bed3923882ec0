// Package endpoint is the Endpoints controller (Kubernetes'
// pkg/controller/endpoint): for every Service with a selector it keeps an
// Endpoints object of the same name listing the matching pods' addresses,
// ready ones under addresses and not-ready ones under notReadyAddresses
// (all under addresses with publishNotReadyAddresses), one subset per
// distinct set of ports (a named targetPort resolves per pod). Endpoints of
// a Service without a selector belong to the user; the Endpoints of a
// deleted Service are deleted.
//
// subsets.go computes the subsets (pure, table-tested); controller.go
// follows services, pods and endpoints and writes only what changed.
package endpoint
