// Package iptables is the one way minik8s components write iptables: a
// Runner that feeds payloads to iptables-restore --noflush --wait, reads a
// table with iptables-save -t, lists its chains, and keeps the few jump
// rules in the built-in chains in place (idempotently, through
// github.com/coreos/go-iptables). A Backend picks the binaries: legacy
// (iptables-legacy-*: x_tables), nft (iptables-nft-*: nf_tables) or auto
// (detected from what the node already holds, see Detect). Every component
// of one node (the network agent and kube-proxy) must use the same backend:
// a packet walks the legacy and the nft hooks separately, so a jump written
// through one backend never reaches a chain written through the other.
// docs/kubeproxy.md "## iptables backend" has the measurements behind the
// default.
package iptables
