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

// Schedule filters nodes for pod, scores those that fit with the policy
// and picks the best; ties go to pick(n) (an index below n; nil picks the
// first). It returns ErrNoNodesAvailable or a *FitError when none fits.
func Schedule(p Policy, pod *api.Pod, nodes []*NodeInfo, pick func(n int) int) (Result, error) {
	if len(nodes) == 0 {
		return Result{}, ErrNoNodesAvailable
	}
	feasible := make([]*NodeInfo, 0, len(nodes))
	var fe *FitError
	for _, ni := range nodes {
		reasons := RunFilters(p.Filters, pod, ni)
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
	if len(feasible) == 0 {
		return Result{}, fe
	}
	total := make([]int64, len(feasible))
	if len(feasible) > 1 {
		for _, s := range p.Scores {
			for i, v := range s.Score(pod, feasible) {
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
	return Result{Node: feasible[i].Name(), FeasibleNodes: len(feasible), Score: total[i]}, nil
}
