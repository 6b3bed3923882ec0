// Package kubeproxy is `minik8s kubeproxy`, the per-node service proxy in
// iptables mode, as Kubernetes 1.32's: it follows Services and
// EndpointSlices through one shared informer factory and keeps the node's
// KUBE-* chains equal to them with one iptables-restore --noflush payload
// per sync. Syncs are batched by --min-sync-period; a sync writes the
// top-level chains and only the chains of the Services whose rules changed
// (a partial sync), at least every --sync-period; the first sync, the one
// after a failure and one every hour (Kubernetes' FullSyncPeriod) write
// everything, delete stale chains and re-check the jump rules from the
// built-in chains (a full sync). Chains
// no longer used are deleted; nothing is ever flushed wholesale, so a
// restart keeps the rules (and connections) of the previous run until the
// first sync replaces them, and a control plane that is down leaves the
// last rules in place. The rules themselves are kubeproxy/iptables's
// (pure), the endpoint choice kubeproxy/proxy's, the UDP conntrack cleanup
// kubeproxy/conntrack's; the iptables commands sit behind the Firewall
// seam.
package kubeproxy
