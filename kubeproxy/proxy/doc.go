// Package proxy is kube-proxy's model of the cluster's Services: the
// service ports it proxies (from Services) and their endpoints (from
// EndpointSlices), and the choice of the endpoints a node uses for Cluster
// and Local traffic policy (Kubernetes' pkg/proxy: ServicePort,
// endpointslicecache and topology.go's CategorizeEndpoints). Everything here
// is pure: no I/O, table-tested.
package proxy
