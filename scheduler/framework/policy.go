package framework

import (
	"fmt"
	"sort"
	"strings"
)

// Policy is a named set of filters and weighted scores.
type Policy struct {
	Name    string
	Filters []NamedFilter
	Scores  []WeightedScore
}

// Policy names.
const (
	PolicySpread         = "spread"
	PolicyLeastAllocated = "least-allocated"
	PolicyMostAllocated  = "most-allocated"
)

// DefaultPolicy is the policy the scheduler uses unless told otherwise.
const DefaultPolicy = PolicySpread

// weights every policy shares, as kube-scheduler's defaults.
func commonScores() []WeightedScore {
	return []WeightedScore{
		{"TaintToleration", PreferNoScheduleTaints, 3},
		{"NodeAffinity", PreferredNodeAffinity, 2},
	}
}

// Policies are the selectable policies:
//   - spread (default): an owner's pods spread over nodes first, then the
//     least allocated and most balanced nodes;
//   - least-allocated: the emptiest, most balanced node, no spreading;
//   - most-allocated: bin packing onto the fullest node that fits.
var Policies = map[string]Policy{
	PolicySpread: {Name: PolicySpread, Filters: DefaultFilters, Scores: append(commonScores(),
		WeightedScore{"SpreadOwner", SpreadOwner, 3},
		WeightedScore{"LeastAllocated", LeastAllocated, 1},
		WeightedScore{"BalancedAllocation", BalancedAllocation, 1})},
	PolicyLeastAllocated: {Name: PolicyLeastAllocated, Filters: DefaultFilters, Scores: append(commonScores(),
		WeightedScore{"LeastAllocated", LeastAllocated, 1},
		WeightedScore{"BalancedAllocation", BalancedAllocation, 1})},
	PolicyMostAllocated: {Name: PolicyMostAllocated, Filters: DefaultFilters, Scores: append(commonScores(),
		WeightedScore{"MostAllocated", MostAllocated, 1})},
}

// PolicyNames lists the policies, sorted.
func PolicyNames() []string {
	var out []string
	for n := range Policies {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// LookupPolicy finds a policy by name.
func LookupPolicy(name string) (Policy, error) {
	p, ok := Policies[name]
	if !ok {
		return Policy{}, fmt.Errorf("unknown scheduling policy %q (one of %s)", name, strings.Join(PolicyNames(), ", "))
	}
	return p, nil
}
