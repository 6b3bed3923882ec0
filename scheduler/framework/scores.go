package framework

import (
	"math"

	"minik8s/pkg/api"
)

// MaxNodeScore is the best score a scorer gives a node.
const MaxNodeScore int64 = 100

// ScoreFunc scores every node that fits (same order as nodes), 0..100.
type ScoreFunc func(pod *PodInfo, nodes []*NodeInfo) []int64

// WeightedScore is a score plugin and its weight.
type WeightedScore struct {
	Name   string
	Score  ScoreFunc
	Weight int64
}

// perNode lifts a per-node score into a ScoreFunc.
func perNode(f func(pod *PodInfo, ni *NodeInfo) int64) ScoreFunc {
	return func(pod *PodInfo, nodes []*NodeInfo) []int64 {
		out := make([]int64, len(nodes))
		for i, ni := range nodes {
			out[i] = f(pod, ni)
		}
		return out
	}
}

// fractions are the cpu and memory the node would have requested with the
// pod, over allocatable (nonzero requests, as Kubernetes scores).
func requestedWithPod(pod *PodInfo, ni *NodeInfo) (req, alloc Resource) {
	req = ni.NonZeroRequested
	req.Add(pod.NonZeroRequests)
	return req, ni.Allocatable
}

func leastRequested(requested, capacity int64) int64 {
	if capacity == 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * MaxNodeScore / capacity
}

func mostRequested(requested, capacity int64) int64 {
	if capacity == 0 {
		return 0
	}
	if requested > capacity {
		requested = capacity
	}
	return requested * MaxNodeScore / capacity
}

// LeastAllocated favours nodes with the most free cpu and memory (equal
// weights): ((alloc-req)*100/alloc) averaged.
var LeastAllocated = perNode(func(pod *PodInfo, ni *NodeInfo) int64 {
	req, alloc := requestedWithPod(pod, ni)
	return (leastRequested(req.MilliCPU, alloc.MilliCPU) + leastRequested(req.Memory, alloc.Memory)) / 2
})

// MostAllocated favours the fullest nodes (bin packing).
var MostAllocated = perNode(func(pod *PodInfo, ni *NodeInfo) int64 {
	req, alloc := requestedWithPod(pod, ni)
	return (mostRequested(req.MilliCPU, alloc.MilliCPU) + mostRequested(req.Memory, alloc.Memory)) / 2
})

// BalancedAllocation favours nodes whose cpu and memory fractions stay
// close: (1 - standard deviation of the fractions) * 100.
var BalancedAllocation = perNode(func(pod *PodInfo, ni *NodeInfo) int64 {
	req, alloc := requestedWithPod(pod, ni)
	if alloc.MilliCPU == 0 || alloc.Memory == 0 {
		return 0
	}
	cpu := math.Min(float64(req.MilliCPU)/float64(alloc.MilliCPU), 1)
	mem := math.Min(float64(req.Memory)/float64(alloc.Memory), 1)
	std := math.Abs(cpu-mem) / 2
	return int64((1 - std) * float64(MaxNodeScore))
})

// SpreadOwner spreads the pods of one controller (a ReplicaSet of a
// Deployment, ...) over nodes: a node scores 100*(max-count)/max where
// count is the owner's pods on it. Pods without a controller score 0
// everywhere.
func SpreadOwner(pod *PodInfo, nodes []*NodeInfo) []int64 {
	out := make([]int64, len(nodes))
	uid := pod.ControllerUID
	if uid == "" {
		return out
	}
	var maxCount int64
	counts := make([]int64, len(nodes))
	for i, ni := range nodes {
		for _, p := range ni.Pods {
			if p.Namespace == pod.Namespace && ControllerUID(p) == uid {
				counts[i]++
			}
		}
		maxCount = max(maxCount, counts[i])
	}
	for i := range nodes {
		if maxCount == 0 {
			out[i] = MaxNodeScore
		} else {
			out[i] = MaxNodeScore * (maxCount - counts[i]) / maxCount
		}
	}
	return out
}

// PreferredNodeAffinity sums the weights of the preferred node affinity
// terms a node matches, normalised so the best node scores 100.
func PreferredNodeAffinity(pod *PodInfo, nodes []*NodeInfo) []int64 {
	out := make([]int64, len(nodes))
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || len(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) == 0 {
		return out
	}
	for i, ni := range nodes {
		for _, t := range a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
			if t.Weight != 0 && MatchesTerm(&t.Preference, ni.Node) {
				out[i] += int64(t.Weight)
			}
		}
	}
	normalize(out, false)
	return out
}

// PreferNoScheduleTaints favours nodes with fewer PreferNoSchedule taints
// the pod does not tolerate (reverse-normalised count).
func PreferNoScheduleTaints(pod *PodInfo, nodes []*NodeInfo) []int64 {
	out := make([]int64, len(nodes))
	for i, ni := range nodes {
		for _, t := range ni.Node.Spec.Taints {
			if t.Effect == api.TaintEffectPreferNoSchedule && !api.TaintToleratedByTolerations(&t, pod.Spec.Tolerations) {
				out[i]++
			}
		}
	}
	normalize(out, true)
	return out
}

// normalize scales scores so the largest is 100 (reversed: the largest
// becomes 0 and zero becomes 100), as Kubernetes' DefaultNormalizeScore.
func normalize(scores []int64, reverse bool) {
	var maxV int64
	for _, s := range scores {
		maxV = max(maxV, s)
	}
	for i, s := range scores {
		switch {
		case maxV == 0 && reverse:
			scores[i] = MaxNodeScore
		case maxV == 0:
			scores[i] = 0
		case reverse:
			scores[i] = MaxNodeScore - s*MaxNodeScore/maxV
		default:
			scores[i] = s * MaxNodeScore / maxV
		}
	}
}
