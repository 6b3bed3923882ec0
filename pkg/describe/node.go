package describe

import (
	"sort"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/printers"
)

func (d *describer) node(n *api.Node, events []api.Event) {
	d.write(level0, "Name:\t%s\n", n.Name)
	d.write(level0, "Roles:\t%s\n", orNone(strings.Join(printers.NodeRoles(n), ",")))
	d.labelsMultiline("", "Labels", n.Labels)
	d.annotationsMultiline("", "Annotations", n.Annotations)
	d.write(level0, "CreationTimestamp:\t%s\n", rfc1123(n.CreationTimestamp))
	d.taints(n.Spec.Taints)
	d.write(level0, "Unschedulable:\t%v\n", n.Spec.Unschedulable)
	if len(n.Status.Conditions) > 0 {
		d.write(level0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
		d.write(level1, "----\t------\t-----------------\t------------------\t------\t-------\n")
		for _, c := range n.Status.Conditions {
			d.write(level1, "%v \t%v \t%s \t%s \t%v \t%v\n", c.Type, c.Status,
				rfc1123(c.LastHeartbeatTime), rfc1123(c.LastTransitionTime), c.Reason, c.Message)
		}
	}
	d.write(level0, "Addresses:\n")
	for _, a := range n.Status.Addresses {
		d.write(level1, "%s:\t%s\n", a.Type, a.Address)
	}
	resourceList := func(title string, l api.ResourceList) {
		if len(l) == 0 {
			return
		}
		d.write(level0, "%s:\n", title)
		for _, k := range sortedKeys(l) {
			q := l[k]
			d.write(level0, "  %s:\t%s\n", k, q.String())
		}
	}
	resourceList("Capacity", n.Status.Capacity)
	resourceList("Allocatable", n.Status.Allocatable)
	info := n.Status.NodeInfo
	d.write(level0, "System Info:\n")
	d.write(level0, "  Machine ID:\t%s\n", info.MachineID)
	d.write(level0, "  System UUID:\t%s\n", info.SystemUUID)
	d.write(level0, "  Boot ID:\t%s\n", info.BootID)
	d.write(level0, "  Kernel Version:\t%s\n", info.KernelVersion)
	d.write(level0, "  OS Image:\t%s\n", info.OSImage)
	d.write(level0, "  Operating System:\t%s\n", info.OperatingSystem)
	d.write(level0, "  Architecture:\t%s\n", info.Architecture)
	d.write(level0, "  Container Runtime Version:\t%s\n", info.ContainerRuntimeVersion)
	d.write(level0, "  Kubelet Version:\t%s\n", info.KubeletVersion)
	d.write(level0, "  Kube-Proxy Version:\t%s\n", info.KubeProxyVersion)
	if n.Spec.PodCIDR != "" {
		d.write(level0, "PodCIDR:\t%s\n", n.Spec.PodCIDR)
	}
	if len(n.Spec.PodCIDRs) > 0 {
		d.write(level0, "PodCIDRs:\t%s\n", strings.Join(n.Spec.PodCIDRs, ","))
	}
	if n.Spec.ProviderID != "" {
		d.write(level0, "ProviderID:\t%s\n", n.Spec.ProviderID)
	}
	d.nodeResources(n)
	d.events(events)
}

// taints prints "Taints:\tk=v:Effect", sorted by effect then key, or <none>.
func (d *describer) taints(ts []api.Taint) {
	d.write(level0, "Taints:\t")
	if len(ts) == 0 {
		d.line("<none>")
		return
	}
	sorted := append([]api.Taint(nil), ts...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return sorted[i].Effect+","+sorted[i].Key < sorted[j].Effect+","+sorted[j].Key
	})
	for i, t := range sorted {
		if i != 0 {
			d.write(level0, "\t")
		}
		d.write(level0, "%s\n", taintString(t))
	}
}

func taintString(t api.Taint) string {
	switch {
	case t.Effect == "" && t.Value == "":
		return t.Key
	case t.Effect == "":
		return t.Key + "=" + t.Value + ":"
	case t.Value == "":
		return t.Key + ":" + t.Effect
	}
	return t.Key + "=" + t.Value + ":" + t.Effect
}

// podRequestsAndLimits sums a pod's container requests and limits, taking
// for each resource the larger of that sum and any one init container.
func podRequestsAndLimits(p *api.Pod) (reqs, limits api.ResourceList) {
	reqs, limits = api.ResourceList{}, api.ResourceList{}
	add := func(into, from api.ResourceList) {
		for k, q := range from {
			sum := into[k]
			sum.Add(q)
			into[k] = sum
		}
	}
	maxOf := func(into, from api.ResourceList) {
		for k, q := range from {
			if cur, ok := into[k]; !ok || q.Cmp(cur) > 0 {
				into[k] = q.DeepCopy()
			}
		}
	}
	for _, c := range p.Spec.Containers {
		add(reqs, c.Resources.Requests)
		add(limits, c.Resources.Limits)
	}
	for _, c := range p.Spec.InitContainers {
		maxOf(reqs, c.Resources.Requests)
		maxOf(limits, c.Resources.Limits)
	}
	return reqs, limits
}

func percent(part, whole int64) int64 {
	if whole == 0 {
		return 0
	}
	return int64(float64(part) / float64(whole) * 100)
}

func (d *describer) nodeResources(n *api.Node) {
	var pods []*api.Pod
	for i := range d.rel.Pods {
		p := &d.rel.Pods[i]
		if p.Spec.NodeName != n.Name || p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed {
			continue
		}
		pods = append(pods, p)
	}
	alloc := n.Status.Capacity
	if len(n.Status.Allocatable) > 0 {
		alloc = n.Status.Allocatable
	}
	allocCPU, allocMem, allocEph := alloc["cpu"], alloc["memory"], alloc["ephemeral-storage"]

	d.write(level0, "Non-terminated Pods:\t(%d in total)\n", len(pods))
	d.write(level1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
	d.write(level1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
	totalReqs, totalLimits := api.ResourceList{}, api.ResourceList{}
	for _, p := range pods {
		req, lim := podRequestsAndLimits(p)
		for k, q := range req {
			s := totalReqs[k]
			s.Add(q)
			totalReqs[k] = s
		}
		for k, q := range lim {
			s := totalLimits[k]
			s.Add(q)
			totalLimits[k] = s
		}
		cr, cl, mr, ml := req["cpu"], lim["cpu"], req["memory"], lim["memory"]
		d.write(level1, "%s\t%s\t\t%s (%d%%)\t%s (%d%%)\t%s (%d%%)\t%s (%d%%)\t%s\n", p.Namespace, p.Name,
			cr.String(), percent(cr.MilliValue(), allocCPU.MilliValue()),
			cl.String(), percent(cl.MilliValue(), allocCPU.MilliValue()),
			mr.String(), percent(mr.Value(), allocMem.Value()),
			ml.String(), percent(ml.Value(), allocMem.Value()),
			d.age(p.CreationTimestamp))
	}
	d.write(level0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
	d.write(level1, "Resource\tRequests\tLimits\n")
	d.write(level1, "--------\t--------\t------\n")
	cr, cl := totalReqs["cpu"], totalLimits["cpu"]
	mr, ml := totalReqs["memory"], totalLimits["memory"]
	er, el := totalReqs["ephemeral-storage"], totalLimits["ephemeral-storage"]
	d.write(level1, "%s\t%s (%d%%)\t%s (%d%%)\n", "cpu", cr.String(), percent(cr.MilliValue(), allocCPU.MilliValue()), cl.String(), percent(cl.MilliValue(), allocCPU.MilliValue()))
	d.write(level1, "%s\t%s (%d%%)\t%s (%d%%)\n", "memory", mr.String(), percent(mr.Value(), allocMem.Value()), ml.String(), percent(ml.Value(), allocMem.Value()))
	d.write(level1, "%s\t%s (%d%%)\t%s (%d%%)\n", "ephemeral-storage", er.String(), percent(er.Value(), allocEph.Value()), el.String(), percent(el.Value(), allocEph.Value()))
	var huge, ext []string
	for k := range alloc {
		switch {
		case strings.HasPrefix(k, "hugepages-"):
			huge = append(huge, k)
		case k != "cpu" && k != "memory" && k != "ephemeral-storage" && k != "pods" && k != "storage":
			ext = append(ext, k)
		}
	}
	sort.Strings(huge)
	sort.Strings(ext)
	for _, k := range huge {
		r, l, a := totalReqs[k], totalLimits[k], alloc[k]
		d.write(level1, "%s\t%s (%d%%)\t%s (%d%%)\n", k, r.String(), percent(r.Value(), a.Value()), l.String(), percent(l.Value(), a.Value()))
	}
	for _, k := range ext {
		r, l := totalReqs[k], totalLimits[k]
		d.write(level1, "%s\t%s\t%s\n", k, r.String(), l.String())
	}
}

func (d *describer) namespace(ns *api.Namespace) {
	d.write(level0, "Name:\t%s\n", ns.Name)
	d.labelsMultiline("", "Labels", ns.Labels)
	d.annotationsMultiline("", "Annotations", ns.Annotations)
	d.write(level0, "Status:\t%s\n", ns.Status.Phase)
	d.write(level0, "\nNo resource quota.\n")
	d.write(level0, "\nNo LimitRange resource.\n")
}
