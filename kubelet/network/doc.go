// Package network is the node's network agent, flannel-style (DESIGN.md §5):
// it runs on every node (inside the kubelet, or as `minik8s netagent`),
// waits for its Node's spec.podCIDR (given by the node IPAM controller),
// and keeps the node's pod network in step with the cluster:
//
//   - the pod bridge cni0 with the gateway .1 of the podCIDR (the CNI
//     bridge plugin the kubelet configures attaches pods to it);
//   - cross-node routes to every other node's podCIDR, by backend:
//     vxlan (device flannel.1, VNI 1, UDP 8472; per peer a route via its
//     VTEP address, a permanent neighbour entry and an FDB entry; the node's
//     VTEP MAC and public IP are published as flannel's Node annotations) or
//     host-gw (a route via the peer's node IP);
//   - kernel settings (ip_forward, bridge-nf-call-iptables) and iptables:
//     MINIK8S-FORWARD accepts the cluster CIDR, MINIK8S-POSTRTG masquerades
//     pod traffic leaving the cluster (never pod to pod);
//   - hostPort: the KUBE-HOSTPORTS / KUBE-HP-<hash> DNAT chains of the
//     kubenet seeds, computed from the pods bound to the node.
//
// Plan, then apply: plan.go (routes, neighbours, FDB), firewall.go and
// hostport.go (iptables-restore payloads) are pure and table-tested;
// dataplane.go (netlink) and iptables.go (iptables-restore) act; agent.go
// runs the informers and the sync loop; options.go and command.go are the
// flags and `minik8s netagent`.
package network
