// Package labels owns label selectors: parsing the string form
// ("app=web,tier!=db,env in (a,b),!canary") and the LabelSelector form,
// and matching them against label sets.
package labels

import (
	"fmt"
	"strings"

	"minik8s/pkg/api"
)

// Selector matches label sets.
type Selector interface {
	Matches(labels map[string]string) bool
	Empty() bool
	String() string
}

// Everything matches every label set.
func Everything() Selector { return eqSelector{} }

// Parse parses the string form (STUB: only k=v terms).
func Parse(s string) (Selector, error) {
	sel := eqSelector{}
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return nil, fmt.Errorf("unsupported selector term %q", t)
		}
		sel[k] = v
	}
	return sel, nil
}

// FromLabelSelector converts the API form (STUB: matchLabels only).
func FromLabelSelector(ls *api.LabelSelector) (Selector, error) {
	if ls == nil {
		return Everything(), nil
	}
	return eqSelector(ls.MatchLabels), nil
}

type eqSelector map[string]string

func (s eqSelector) Matches(l map[string]string) bool {
	for k, v := range s {
		if l[k] != v {
			return false
		}
	}
	return true
}
func (s eqSelector) Empty() bool { return len(s) == 0 }
func (s eqSelector) String() string {
	var p []string
	for k, v := range s {
		p = append(p, k+"="+v)
	}
	return strings.Join(p, ",")
}
