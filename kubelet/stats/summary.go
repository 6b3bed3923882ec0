package stats

import (
	"sort"
	"time"

	"minik8s/pkg/api"
)

// entity names what a CPU rate belongs to: the node, a pod (by UID) or a
// container (by ID).
type entity struct {
	kind byte // 'n', 'p', 'c'
	id   string
}

func nodeKey() entity               { return entity{kind: 'n'} }
func podKey(uid string) entity      { return entity{kind: 'p', id: uid} }
func containerKey(id string) entity { return entity{kind: 'c', id: id} }

// summaryInput is everything a Summary is built from.
type summaryInput struct {
	NodeName       string
	NodeStartTime  time.Time
	MemoryCapacity uint64 // the node's; availableBytes is this minus its working set
	Pods           []Pod
	Snapshot       *Snapshot
	Rates          map[entity]uint64 // usageNanoCores, from the sampler
}

// buildSummary is the Summary API of a snapshot: cumulative counters from
// the snapshot, CPU rates from the sampler where it has them. Pods are
// sorted by namespace and name; a pod is listed when its cgroup or one of
// its containers could be read; a container when its cgroup could.
func buildSummary(in summaryInput) *api.Summary {
	s := &api.Summary{
		Node: api.NodeStats{NodeName: in.NodeName, StartTime: api.NewTime(in.NodeStartTime)},
		Pods: []api.PodStats{},
	}
	if u := in.Snapshot.Node; u != nil {
		s.Node.CPU = cpuStats(*u, in.Rates, nodeKey())
		s.Node.Memory = memoryStats(*u)
		if in.MemoryCapacity > 0 {
			avail := in.MemoryCapacity - min(u.WorkingSet, in.MemoryCapacity)
			s.Node.Memory.AvailableBytes = &avail
		}
	}
	pods := append([]Pod(nil), in.Pods...)
	sort.Slice(pods, func(i, j int) bool {
		if pods[i].Namespace != pods[j].Namespace {
			return pods[i].Namespace < pods[j].Namespace
		}
		return pods[i].Name < pods[j].Name
	})
	for _, pod := range pods {
		ps := api.PodStats{
			PodRef:     api.PodReference{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
			StartTime:  api.NewTime(pod.StartTime),
			Containers: []api.ContainerStats{},
		}
		for _, c := range pod.Containers {
			u, ok := in.Snapshot.Containers[c.ID]
			if !ok {
				continue
			}
			ps.Containers = append(ps.Containers, api.ContainerStats{
				Name:      c.Name,
				StartTime: api.NewTime(c.StartTime),
				CPU:       cpuStats(u, in.Rates, containerKey(c.ID)),
				Memory:    memoryStats(u),
			})
		}
		u, ok := in.Snapshot.Pods[pod.UID]
		if !ok && len(ps.Containers) == 0 {
			continue
		}
		if ok {
			ps.CPU = cpuStats(u, in.Rates, podKey(pod.UID))
			ps.Memory = memoryStats(u)
		}
		s.Pods = append(s.Pods, ps)
	}
	return s
}

func cpuStats(u Usage, rates map[entity]uint64, k entity) *api.CPUStats {
	total := u.CPUNanos
	c := &api.CPUStats{Time: api.NewTime(u.Time), UsageCoreNanoSeconds: &total}
	if r, ok := rates[k]; ok {
		c.UsageNanoCores = &r
	}
	return c
}

func memoryStats(u Usage) *api.MemoryStats {
	return &api.MemoryStats{
		Time:            api.NewTime(u.Time),
		UsageBytes:      ptr(u.MemoryUsage),
		WorkingSetBytes: ptr(u.WorkingSet),
		RSSBytes:        ptr(u.RSS),
		PageFaults:      ptr(u.PageFaults),
		MajorPageFaults: ptr(u.MajorPageFaults),
	}
}

func ptr(v uint64) *uint64 { return &v }
