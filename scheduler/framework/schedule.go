package framework

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"minik8s/pkg/api"
)

// ErrNoNodesAvailable is Kubernetes' error when the cluster has no node.
var ErrNoNodesAvailable = errors.New("no nodes available to schedule pods")

// FitError is a pod that fits no node, with each reason and how many
// nodes gave it.
type FitError struct {
	NumAllNodes int
	Reasons     map[string]int
}

// Error words it as Kubernetes: "0/2 nodes are available: 2 Insufficient cpu."
func (f *FitError) Error() string {
	var rs []string
	for r, n := range f.Reasons {
		rs = append(rs, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(rs)
	return fmt.Sprintf("0/%d nodes are available: %s.", f.NumAllNodes, strings.Join(rs, ", "))
}

// Result is where a pod goes and how the nodes compared.
type Result struct {
	Node          string
	FeasibleNodes int
	Score         int64
}

// Kubernetes' defaults for how many feasible nodes to find before scoring
// (percentageOfNodesToScore unset: adaptive).
const (
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
)

// NumFeasibleNodesToFind is how many feasible nodes kube-scheduler looks
// for among all before it stops filtering: every node below 100, else
// 50% minus 1% per 125 nodes (at least 5%, at least 100 nodes).
func NumFeasibleNodesToFind(numAllNodes int) int {
	if numAllNodes < minFeasibleNodesToFind {
		return numAllNodes
	}
	pct := max(50-numAllNodes/125, minFeasibleNodesPercentageToFind)
	return max(numAllNodes*pct/100, minFeasibleNodesToFind)
}

// Schedule is ScheduleFrom the first node.
func Schedule(p Policy, pod *api.Pod, nodes []*NodeInfo, pick func(n int) int) (Result, error) {
	res, _, err := ScheduleFrom(p, pod, nodes, 0, pick)
	return res, err
}

// ScheduleFrom filters nodes for pod starting at index start (round
// robin, as kube-scheduler, so large clusters are not always searched from
// the same node) until NumFeasibleNodesToFind fit, scores those with the
// policy and picks the best; ties go to pick(n) (an index below n; nil
// picks the first). It returns the start for the next pod, and
// ErrNoNodesAvailable or a *FitError when no node fits.
func ScheduleFrom(p Policy, pod *api.Pod, nodes []*NodeInfo, start int, pick func(n int) int) (Result, int, error) {
	if len(nodes) == 0 {
		return Result{}, 0, ErrNoNodesAvailable
	}
	pi := NewPodInfo(pod)
	want := NumFeasibleNodesToFind(len(nodes))
	feasible := make([]*NodeInfo, 0, want)
	var fe *FitError
	processed := 0
	for ; processed < len(nodes) && len(feasible) < want; processed++ {
		ni := nodes[(start+processed)%len(nodes)]
		reasons := RunFilters(p.Filters, pi, ni)
		if len(reasons) == 0 {
			feasible = append(feasible, ni)
			continue
		}
		if fe == nil {
			fe = &FitError{NumAllNodes: len(nodes), Reasons: map[string]int{}}
		}
		for _, r := range reasons {
			fe.Reasons[r]++
		}
	}
	next := (start + processed) % len(nodes)
	if len(feasible) == 0 {
		return Result{}, next, fe
	}
	total := make([]int64, len(feasible))
	if len(feasible) > 1 {
		for _, s := range p.Scores {
			for i, v := range s.Score(pi, feasible) {
				total[i] += v * s.Weight
			}
		}
	}
	var best []int
	for i, v := range total {
		switch {
		case len(best) == 0 || v > total[best[0]]:
			best = append(best[:0], i)
		case v == total[best[0]]:
			best = append(best, i)
		}
	}
	k := 0
	if pick != nil && len(best) > 1 {
		k = pick(len(best))
	}
	i := best[k]
	return Result{Node: feasible[i].Name(), FeasibleNodes: len(feasible), Score: total[i]}, next, nil
}
