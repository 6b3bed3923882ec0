package validation

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func TestValidatePodBinding(t *testing.T) {
	bind := func(kind, name string, ann map[string]string) *api.Binding {
		return &api.Binding{ObjectMeta: api.ObjectMeta{Name: "p", Annotations: ann}, Target: api.ObjectReference{Kind: kind, Name: name}}
	}
	cases := []struct {
		name string
		b    *api.Binding
		want []string // "field: start of message", in order
	}{
		{"valid", bind("Node", "node-1", map[string]string{"scheduler.example.com/why": "fits"}), nil},
		{"empty kind is Node", bind("", "n1.lab", nil), nil},
		{"kind", bind("Pod", "n1", nil), []string{`target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"`}},
		{"no name", bind("Node", "", nil), []string{"target.name: Required value"}},
		{"path traversal", bind("Node", "../../etc", nil), []string{`target.name: Invalid value: "../../etc": a lowercase RFC 1123 subdomain`}},
		{"upper case", bind("Node", "Node1", nil), []string{`target.name: Invalid value: "Node1": a lowercase RFC 1123 subdomain`}},
		{"bad annotation key", bind("Node", "n1", map[string]string{"a b": "v"}), []string{`metadata.annotations: Invalid value: "a b": name part must consist of`}},
		{"annotations too long", bind("Node", "n1", map[string]string{"k": strings.Repeat("v", 300<<10)}),
			[]string{"metadata.annotations: Too long: may not be more than 262144 bytes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			errs := ValidatePodBinding(c.b)
			if len(errs) != len(c.want) {
				t.Fatalf("got %v, want %d errors %v", errs, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.HasPrefix(errs[i].Error(), w) {
					t.Errorf("error %d: got %q, want it to start %q", i, errs[i].Error(), w)
				}
			}
		})
	}
}
