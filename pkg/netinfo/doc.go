// Package netinfo is a node's network as the kernel has it: links (veth
// pairs with their peers' ifindex, bridges and their ports, VXLAN devices),
// addresses, routes, neighbours and FDB entries, the pods' network
// namespaces with their eth0, and the netfilter rules with their counters.
// The kubelet serves it (GET /netinfo, read from the live system); kubectl
// trace and the web UI's network map read it through the apiserver's node
// proxy. Types here; collection and analysis in the package's other files.
package netinfo
