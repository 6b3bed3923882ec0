// Package ingress is minik8s's ingress controller (`minik8s ingress`): an
// HTTP reverse proxy that runs on every node (a DaemonSet with
// hostNetwork, port 80) and routes requests by host and path to the ready
// endpoints of Services, as networking.k8s.io/v1 Ingresses of its class
// ask.
//
// The parts, each in its own file:
//   - class.go: which Ingresses are ours (ingressClassName, the default
//     class, the legacy annotation);
//   - routes.go: a pure function builds an immutable route Table from those
//     Ingresses, and Table.Match applies Kubernetes' host and path matching
//     rules (Exact, Prefix by path element, longest match, Exact before
//     Prefix, exact host before "*." wildcard);
//   - backends.go: a backend's targets, the ready endpoints of the Service
//     port it names;
//   - proxy.go: the http.Handler, one shared keep-alive Transport, with the
//     table swapped atomically so a reload never drops a connection;
//   - controller.go: informers from one shared factory rebuild the table on
//     every Ingress, IngressClass, Service or EndpointSlice change;
//   - status.go: the leader writes status.loadBalancer.ingress with the
//     addresses of the nodes running a ready controller pod;
//   - options.go, command.go: flags and Run.
package ingress
