package kubelet

import (
	"context"
	"fmt"
	"log"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// NodeLeaseNamespace holds one Lease per node, renewed by its kubelet: the
// cheap heartbeat the node lifecycle controller watches.
const NodeLeaseNamespace = "kube-node-lease"

// leaseRenewFraction is the part of the lease duration between renewals
// (Kubernetes' nodeLeaseRenewIntervalFraction).
const leaseRenewFraction = 0.25

// leaseRenewInterval is how often the kubelet renews its lease.
func (o *Options) leaseRenewInterval() time.Duration {
	return time.Duration(float64(time.Duration(o.NodeLeaseDurationSeconds)*time.Second) * leaseRenewFraction)
}

// desiredLease is the node's lease renewed at now: holder the node, the
// configured duration, and an ownerReference to the Node (when its UID is
// known) so that deleting the Node deletes its lease. base, if not nil, is
// the lease as last read (its metadata is kept for the update).
func desiredLease(base *api.Lease, node string, nodeUID string, durationSeconds int32, now time.Time) *api.Lease {
	l := &api.Lease{
		TypeMeta:   api.TypeMeta{APIVersion: "coordination.k8s.io/v1", Kind: "Lease"},
		ObjectMeta: api.ObjectMeta{Name: node, Namespace: NodeLeaseNamespace},
	}
	if base != nil {
		l.ObjectMeta = base.ObjectMeta
		l.Spec = base.Spec
	}
	holder, dur := node, durationSeconds
	l.Spec.HolderIdentity, l.Spec.LeaseDurationSeconds = &holder, &dur
	if len(l.OwnerReferences) == 0 && nodeUID != "" {
		l.OwnerReferences = []api.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: node, UID: nodeUID}}
	}
	l.Spec.RenewTime = &api.MicroTime{Time: now}
	return l
}

// renewLease creates or renews the node's lease once; last is the lease as
// last written (nil at first or after an error). It returns the lease written.
func (k *Kubelet) renewLease(ctx context.Context, last *api.Lease) (*api.Lease, error) {
	leases := client.Typed[*api.Lease](k.client, NodeLeaseNamespace)
	nodeUID := ""
	k.mu.Lock()
	if k.node != nil {
		nodeUID = k.node.UID
	}
	k.mu.Unlock()
	if last != nil {
		out, err := leases.Update(ctx, desiredLease(last, k.opts.NodeName, nodeUID, k.opts.NodeLeaseDurationSeconds, k.now()))
		if err == nil {
			return out, nil
		}
		if !client.IsConflict(err) && !client.IsNotFound(err) {
			return nil, fmt.Errorf("renew lease %s/%s: %w", NodeLeaseNamespace, k.opts.NodeName, err)
		}
	}
	cur, err := leases.Get(ctx, k.opts.NodeName)
	switch {
	case client.IsNotFound(err):
		out, err := leases.Create(ctx, desiredLease(nil, k.opts.NodeName, nodeUID, k.opts.NodeLeaseDurationSeconds, k.now()))
		if err != nil {
			return nil, fmt.Errorf("create lease %s/%s: %w", NodeLeaseNamespace, k.opts.NodeName, err)
		}
		return out, nil
	case err != nil:
		return nil, fmt.Errorf("get lease %s/%s: %w", NodeLeaseNamespace, k.opts.NodeName, err)
	}
	if nodeUID != "" && len(cur.OwnerReferences) > 0 && cur.OwnerReferences[0].UID != nodeUID {
		cur.OwnerReferences = nil // the lease of an earlier Node of this name
	}
	out, err := leases.Update(ctx, desiredLease(cur, k.opts.NodeName, nodeUID, k.opts.NodeLeaseDurationSeconds, k.now()))
	if err != nil {
		return nil, fmt.Errorf("renew lease %s/%s: %w", NodeLeaseNamespace, k.opts.NodeName, err)
	}
	return out, nil
}

// leaseLoop renews the node's lease every leaseDuration/4 until ctx ends,
// retrying a failed renewal sooner (200ms, doubling up to the interval), as
// Kubernetes' node lease controller does.
func (k *Kubelet) leaseLoop(ctx context.Context) {
	interval := k.opts.leaseRenewInterval()
	var last *api.Lease
	wait := time.Duration(0)
	retry := 200 * time.Millisecond
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		l, err := k.renewLease(ctx, last)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Printf("kubelet: %v", err)
			last, wait = nil, min(retry, interval)
			retry *= 2
			continue
		}
		last, wait, retry = l, interval, 200*time.Millisecond
	}
}
