// Package conntrack clears the conntrack entries of UDP Services that no
// longer lead to a serving endpoint, as Kubernetes 1.32's
// pkg/proxy/conntrack.CleanStaleEntries: UDP has no connection to end, so
// an entry DNATed to a removed endpoint (or made while the Service had no
// endpoint, which the kernel then keeps not DNATing) would black-hole the
// client's flow until it times out. Stale picks the entries (pure,
// table-tested); Netlink lists and deletes them through netlink (no
// conntrack(8) shell-out).
package conntrack
