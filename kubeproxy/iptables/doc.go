// Package iptables generates kube-proxy's iptables ruleset, the same chains
// and rules Kubernetes 1.32's iptables proxier writes (pkg/proxy/iptables/
// proxier.go): KUBE-SERVICES, KUBE-EXTERNAL-SERVICES, KUBE-NODEPORTS,
// KUBE-FORWARD, KUBE-PROXY-FIREWALL in filter; KUBE-SERVICES,
// KUBE-NODEPORTS, KUBE-POSTROUTING, KUBE-MARK-MASQ and the per-service
// KUBE-SVC-, KUBE-SVL-, KUBE-EXT- and KUBE-SEP- chains (named by the same
// hashes) in nat. Generate is pure: it turns the service ports and their
// endpoints into Rules; Payload assembles one iptables-restore --noflush
// input from them, whole (a full sync) or with only the chains of the
// Services that changed (a partial sync, KEP-3453). The jump rules from
// the built-in chains are Jumps, written by the caller's seam.
package iptables
