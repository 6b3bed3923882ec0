// Package labels owns label selectors: parsing the string form
// ("app=web,tier!=db,env in (a,b),!canary") and the LabelSelector form,
// matching them against label sets, and the syntax of label keys and values
// (which validation reuses).
package labels

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"minik8s/pkg/api"
)

// Selector matches label sets.
type Selector interface {
	Matches(labels map[string]string) bool
	Empty() bool
	String() string
}

// Operators of a requirement, spelled as in the string form.
const (
	Equals       = "="
	DoubleEquals = "=="
	NotEquals    = "!="
	In           = "in"
	NotIn        = "notin"
	Exists       = "exists"
	DoesNotExist = "!"
)

// Requirement is one term of a selector.
type Requirement struct {
	Key      string
	Operator string   // one of the operator constants (DoubleEquals is stored as Equals)
	Values   []string // sorted; one for Equals/NotEquals, none for Exists/DoesNotExist
}

// NewRequirement checks the key, operator and values and builds a requirement.
func NewRequirement(key, op string, values []string) (Requirement, error) {
	if errs := ValidateKey(key); len(errs) > 0 {
		return Requirement{}, fmt.Errorf("invalid label key %q: %s", key, strings.Join(errs, "; "))
	}
	switch op {
	case DoubleEquals:
		op = Equals
		fallthrough
	case Equals, NotEquals:
		if len(values) != 1 {
			return Requirement{}, fmt.Errorf("operator %q needs exactly one value for key %q", op, key)
		}
	case In, NotIn:
		if len(values) == 0 {
			return Requirement{}, fmt.Errorf("operator %q needs at least one value for key %q", op, key)
		}
	case Exists, DoesNotExist:
		if len(values) != 0 {
			return Requirement{}, fmt.Errorf("operator %q takes no values for key %q", op, key)
		}
	default:
		return Requirement{}, fmt.Errorf("%q is not a valid label selector operator", op)
	}
	for _, v := range values {
		if errs := ValidateValue(v); len(errs) > 0 {
			return Requirement{}, fmt.Errorf("invalid label value %q for key %q: %s", v, key, strings.Join(errs, "; "))
		}
	}
	vs := slices.Clone(values)
	sort.Strings(vs)
	vs = slices.Compact(vs)
	return Requirement{Key: key, Operator: op, Values: vs}, nil
}

// Matches reports whether the label set satisfies the requirement.
func (r Requirement) Matches(l map[string]string) bool {
	v, has := l[r.Key]
	switch r.Operator {
	case Equals, DoubleEquals:
		return has && v == r.Values[0]
	case NotEquals:
		return !has || v != r.Values[0]
	case In:
		return has && slices.Contains(r.Values, v)
	case NotIn:
		return !has || !slices.Contains(r.Values, v)
	case Exists:
		return has
	case DoesNotExist:
		return !has
	}
	return false
}

// String is the requirement in the string form Parse reads back.
func (r Requirement) String() string {
	switch r.Operator {
	case Exists:
		return r.Key
	case DoesNotExist:
		return "!" + r.Key
	case In, NotIn:
		return r.Key + " " + r.Operator + " (" + strings.Join(r.Values, ",") + ")"
	}
	return r.Key + r.Operator + r.Values[0]
}

// Requirements is a selector: the conjunction of its terms. The zero value
// matches everything.
type Requirements []Requirement

// Matches reports whether every requirement matches.
func (rs Requirements) Matches(l map[string]string) bool {
	for _, r := range rs {
		if !r.Matches(l) {
			return false
		}
	}
	return true
}

// Empty reports whether the selector has no requirements (matches everything).
func (rs Requirements) Empty() bool { return len(rs) == 0 }

// String joins the requirements with commas, sorted by key then text, so the
// result is deterministic and round-trips through Parse.
func (rs Requirements) String() string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = r.String()
	}
	return strings.Join(parts, ",")
}

func newRequirements(rs []Requirement) Requirements {
	out := Requirements(slices.Clone(rs))
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Key != out[j].Key {
			return out[i].Key < out[j].Key
		}
		return out[i].String() < out[j].String()
	})
	return out
}

// Everything matches every label set.
func Everything() Selector { return Requirements(nil) }

// Nothing matches no label set.
func Nothing() Selector { return nothing{} }

type nothing struct{}

func (nothing) Matches(map[string]string) bool { return false }
func (nothing) Empty() bool                    { return false }
func (nothing) String() string                 { return "" }

// SelectorFromSet is the selector k1=v1,k2=v2,... of a label set (a
// service's selector); an empty set matches everything. Keys and values are
// not checked (validation checks them on the object).
func SelectorFromSet(set map[string]string) Selector {
	rs := make([]Requirement, 0, len(set))
	for k, v := range set {
		rs = append(rs, Requirement{Key: k, Operator: Equals, Values: []string{v}})
	}
	return newRequirements(rs)
}

// FromLabelSelector converts the API form: matchLabels and matchExpressions
// (In, NotIn, Exists, DoesNotExist) ANDed together. A nil selector matches
// everything, as does an empty one.
func FromLabelSelector(ls *api.LabelSelector) (Selector, error) {
	if ls == nil {
		return Everything(), nil
	}
	var rs []Requirement
	for k, v := range ls.MatchLabels {
		r, err := NewRequirement(k, Equals, []string{v})
		if err != nil {
			return nil, fmt.Errorf("matchLabels: %w", err)
		}
		rs = append(rs, r)
	}
	for i, e := range ls.MatchExpressions {
		var op string
		switch e.Operator {
		case "In":
			op = In
		case "NotIn":
			op = NotIn
		case "Exists":
			op = Exists
		case "DoesNotExist":
			op = DoesNotExist
		default:
			return nil, fmt.Errorf("matchExpressions[%d]: %q is not a valid label selector operator (supported: In, NotIn, Exists, DoesNotExist)", i, e.Operator)
		}
		r, err := NewRequirement(e.Key, op, e.Values)
		if err != nil {
			return nil, fmt.Errorf("matchExpressions[%d]: %w", i, err)
		}
		rs = append(rs, r)
	}
	return newRequirements(rs), nil
}

// FormatLabelSelector prints a LabelSelector in the string form, "<none>"
// when it is nil or empty and "<error>" when it is invalid, as kubectl does.
func FormatLabelSelector(ls *api.LabelSelector) string {
	if ls == nil {
		return "<none>"
	}
	sel, err := FromLabelSelector(ls)
	if err != nil {
		return "<error>"
	}
	if s := sel.String(); s != "" {
		return s
	}
	return "<none>"
}
