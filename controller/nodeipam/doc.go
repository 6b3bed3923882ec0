// Package nodeipam gives every Node a pod CIDR (spec.podCIDR and
// spec.podCIDRs): the lowest free block of the cluster CIDR of the
// configured size (/24 of 10.244.0.0/16 by default), like Kubernetes'
// node IPAM controller with the range allocator.
//
// It is level-based: the allocation is recomputed by the pure Plan
// (allocator.go) from the nodes the informer holds, so it survives restarts
// of any component, a deleted node's block is free as soon as the node is
// gone, and two nodes claiming one block are resolved deterministically (the
// older node keeps it). The controller (controller.go) applies the plan with
// merge patches that carry the node's resourceVersion as a precondition.
package nodeipam
