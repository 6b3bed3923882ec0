// Package fields owns field selectors ("metadata.name=x,spec.nodeName!=n1")
// and which fields of each kind can be selected on.
package fields

import (
	"fmt"
	"strings"

	"minik8s/pkg/api"
)

// Selector matches an object's selectable fields.
type Selector interface {
	Matches(fields map[string]string) bool
	Empty() bool
	String() string
}

type term struct {
	key, value string
	neq        bool
}

type selector []term

// Parse parses "a=b,c!=d" (also "a==b").
func Parse(s string) (Selector, error) {
	var sel selector
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if k, v, ok := strings.Cut(t, "!="); ok {
			sel = append(sel, term{k, v, true})
		} else if k, v, ok := strings.Cut(t, "=="); ok {
			sel = append(sel, term{k, v, false})
		} else if k, v, ok := strings.Cut(t, "="); ok {
			sel = append(sel, term{k, v, false})
		} else {
			return nil, fmt.Errorf("invalid field selector term %q: want key=value or key!=value", t)
		}
	}
	return sel, nil
}

func (s selector) Matches(f map[string]string) bool {
	for _, t := range s {
		if (f[t.key] == t.value) == t.neq {
			return false
		}
	}
	return true
}
func (s selector) Empty() bool { return len(s) == 0 }
func (s selector) String() string {
	p := make([]string, len(s))
	for i, t := range s {
		op := "="
		if t.neq {
			op = "!="
		}
		p[i] = t.key + op + t.value
	}
	return strings.Join(p, ",")
}

// ObjectFields returns the selectable fields of obj (STUB: metadata only).
func ObjectFields(obj api.Object) map[string]string {
	m := obj.GetObjectMeta()
	f := map[string]string{"metadata.name": m.Name, "metadata.namespace": m.Namespace}
	if p, ok := obj.(*api.Pod); ok {
		f["spec.nodeName"] = p.Spec.NodeName
		f["status.phase"] = p.Status.Phase
	}
	return f
}
