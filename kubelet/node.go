package kubelet

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// KubeletVersion is what the Node reports.
const KubeletVersion = "v1.32.0-minik8s"

// nodeLabels are the well-known labels a kubelet sets on its Node.
func nodeLabels(name, arch string) map[string]string {
	return map[string]string{
		"kubernetes.io/hostname": name,
		"kubernetes.io/os":       "linux",
		"kubernetes.io/arch":     arch,
		"beta.kubernetes.io/os":  "linux",
	}
}

// nodeStatus is the status the kubelet reports: capacity, addresses,
// versions, the Ready and pressure conditions with a fresh heartbeat.
func nodeStatus(opts *Options, info sysInfo, runtimeVersion string, old api.NodeStatus, now time.Time) api.NodeStatus {
	capacity := api.ResourceList{
		"cpu":    *resource.NewQuantity(int64(info.CPUs), resource.DecimalSI),
		"memory": *resource.NewQuantity(info.MemoryBytes, resource.BinarySI),
		"pods":   *resource.NewQuantity(int64(opts.MaxPods), resource.DecimalSI),
	}
	allocatable := api.ResourceList{}
	for k, v := range capacity {
		allocatable[k] = v.DeepCopy()
	}
	st := api.NodeStatus{
		Capacity:    capacity,
		Allocatable: allocatable,
		NodeInfo: api.NodeSystemInfo{
			MachineID:               info.MachineID,
			SystemUUID:              info.MachineID,
			BootID:                  info.BootID,
			KernelVersion:           info.KernelVersion,
			OSImage:                 info.OSImage,
			ContainerRuntimeVersion: runtimeVersion,
			KubeletVersion:          KubeletVersion,
			KubeProxyVersion:        KubeletVersion,
			OperatingSystem:         "linux",
			Architecture:            info.Arch,
		},
		DaemonEndpoints: &api.NodeDaemonEndpoints{KubeletEndpoint: api.DaemonEndpoint{Port: int32(opts.Port)}},
	}
	if opts.NodeIP != "" {
		st.Addresses = append(st.Addresses, api.NodeAddress{Type: api.NodeInternalIP, Address: opts.NodeIP})
	}
	st.Addresses = append(st.Addresses, api.NodeAddress{Type: api.NodeHostName, Address: opts.NodeName})

	type cond struct{ typ, status, reason, msg string }
	conds := []cond{
		{"MemoryPressure", api.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"},
		{"DiskPressure", api.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"},
		{"PIDPressure", api.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"},
		{api.NodeReady, api.ConditionTrue, "KubeletReady", "kubelet is posting ready status"},
	}
	for _, c := range conds {
		nc := api.NodeCondition{Type: c.typ, Status: c.status, Reason: c.reason, Message: c.msg,
			LastHeartbeatTime: apiTime(now), LastTransitionTime: apiTime(now)}
		for _, o := range old.Conditions {
			if o.Type == c.typ && o.Status == c.status && !o.LastTransitionTime.IsZero() {
				nc.LastTransitionTime = o.LastTransitionTime
			}
		}
		st.Conditions = append(st.Conditions, nc)
	}
	return st
}

// registerNode creates the Node or, if it exists (a restart), updates its
// labels and status, keeping its spec. It returns the Node.
func (k *Kubelet) registerNode(ctx context.Context) (*api.Node, error) {
	nodes := k.client.Nodes()
	node, err := nodes.Get(ctx, k.opts.NodeName)
	switch {
	case client.IsNotFound(err):
		node = &api.Node{
			TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Node"},
			ObjectMeta: api.ObjectMeta{Name: k.opts.NodeName, Labels: nodeLabels(k.opts.NodeName, k.sys.Arch)},
		}
		node, err = nodes.Create(ctx, node)
		if err != nil && !client.IsAlreadyExists(err) {
			return nil, fmt.Errorf("create node %s: %w", k.opts.NodeName, err)
		}
		if err != nil {
			return k.registerNode(ctx)
		}
		log.Printf("kubelet: registered node %s", k.opts.NodeName)
	case err != nil:
		return nil, fmt.Errorf("get node %s: %w", k.opts.NodeName, err)
	default:
		changed := false
		if node.Labels == nil {
			node.Labels = map[string]string{}
		}
		for key, v := range nodeLabels(k.opts.NodeName, k.sys.Arch) {
			if node.Labels[key] != v {
				node.Labels[key], changed = v, true
			}
		}
		if changed {
			if node, err = nodes.Update(ctx, node); err != nil {
				return nil, fmt.Errorf("update node %s: %w", k.opts.NodeName, err)
			}
		}
		log.Printf("kubelet: node %s already registered, updating its status", k.opts.NodeName)
	}
	return k.updateNodeStatus(ctx, node)
}

// updateNodeStatus writes a fresh status (heartbeat) over node.
func (k *Kubelet) updateNodeStatus(ctx context.Context, node *api.Node) (*api.Node, error) {
	out, _, err := k.syncNodeStatus(ctx, node, time.Time{})
	return out, err
}

// syncNodeStatus computes the node's status and writes it if it changed
// (other than in heartbeat times) or --node-status-report-frequency has
// passed since lastReport (zero: write now), as Kubernetes' kubelet does. It
// returns the node, whether it wrote, and an error.
func (k *Kubelet) syncNodeStatus(ctx context.Context, node *api.Node, lastReport time.Time) (*api.Node, bool, error) {
	for attempt := 0; ; attempt++ {
		was := readyStatus(node.Status)
		now := k.now()
		st := nodeStatus(&k.opts, k.sys, k.runtimeVersion, node.Status, now)
		if !lastReport.IsZero() && now.Before(lastReport.Add(k.opts.NodeStatusReportFrequency)) && !nodeStatusChanged(node.Status, st) {
			return node, false, nil
		}
		node.Status = st
		out, err := k.client.Nodes().UpdateStatus(ctx, node)
		if err == nil {
			if now := readyStatus(out.Status); now != was {
				reason := reasonNodeNotReady
				if now == api.ConditionTrue {
					reason = reasonNodeReady
				}
				k.recorder().Eventf(k.nodeRef(), eventNormal, reason, "Node %s status is now: %s", k.opts.NodeName, reason)
			}
			return out, true, nil
		}
		if !client.IsConflict(err) || attempt >= 3 {
			return nil, false, fmt.Errorf("update status of node %s: %w", k.opts.NodeName, err)
		}
		if node, err = k.client.Nodes().Get(ctx, k.opts.NodeName); err != nil {
			return nil, false, fmt.Errorf("get node %s: %w", k.opts.NodeName, err)
		}
	}
}

// nodeStatusChanged reports whether st differs from old other than in the
// conditions' heartbeat times (Kubernetes' nodeStatusHasChanged).
func nodeStatusChanged(old, st api.NodeStatus) bool {
	strip := func(s api.NodeStatus) string {
		s.Conditions = append([]api.NodeCondition(nil), s.Conditions...)
		for i := range s.Conditions {
			s.Conditions[i].LastHeartbeatTime = api.Time{}
		}
		b, _ := json.Marshal(s)
		return string(b)
	}
	return strip(old) != strip(st)
}

// readyStatus is the status of the node's Ready condition ("" without one).
func readyStatus(st api.NodeStatus) string {
	for _, c := range st.Conditions {
		if c.Type == api.NodeReady {
			return c.Status
		}
	}
	return ""
}

// heartbeat renews the node's lease (leaseLoop) and computes the node
// status every --node-status-update-frequency until ctx ends, writing it
// when it changed or --node-status-report-frequency passed; a deleted Node
// is registered again.
func (k *Kubelet) heartbeat(ctx context.Context) {
	leaseDone := make(chan struct{})
	go func() { defer close(leaseDone); k.leaseLoop(ctx) }()
	defer func() { <-leaseDone }()
	lastReport := k.now() // registerNode has just written it
	t := time.NewTicker(k.opts.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		node, err := k.client.Nodes().Get(ctx, k.opts.NodeName)
		wrote := false
		if client.IsNotFound(err) {
			node, err = k.registerNode(ctx)
			wrote = err == nil
		} else if err == nil {
			node, wrote, err = k.syncNodeStatus(ctx, node, lastReport)
		}
		if err != nil {
			if ctx.Err() == nil {
				log.Printf("kubelet: heartbeat: %v", err)
			}
			continue
		}
		if wrote {
			lastReport = k.now()
		}
		k.setNode(node)
	}
}

// podCIDRFor is the node's pod CIDR: spec.podCIDR, else --pod-cidr.
func podCIDRFor(node *api.Node, flag string) string {
	if node != nil && node.Spec.PodCIDR != "" {
		return node.Spec.PodCIDR
	}
	return flag
}
