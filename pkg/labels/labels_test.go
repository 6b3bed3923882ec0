package labels

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func TestParseMatchRoundTrip(t *testing.T) {
	tests := []struct {
		in      string
		str     string // canonical String()
		match   []map[string]string
		nomatch []map[string]string
	}{
		{in: "", str: "", match: []map[string]string{nil, {"a": "b"}}},
		{in: "app=web", str: "app=web",
			match:   []map[string]string{{"app": "web"}, {"app": "web", "x": "y"}},
			nomatch: []map[string]string{nil, {"app": "db"}}},
		{in: "app==web", str: "app=web", match: []map[string]string{{"app": "web"}}},
		{in: "tier!=db", str: "tier!=db",
			match:   []map[string]string{nil, {"tier": "web"}},
			nomatch: []map[string]string{{"tier": "db"}}},
		{in: "env in (prod, dev)", str: "env in (dev,prod)",
			match:   []map[string]string{{"env": "dev"}, {"env": "prod"}},
			nomatch: []map[string]string{nil, {"env": "qa"}}},
		{in: "env notin (qa)", str: "env notin (qa)",
			match:   []map[string]string{nil, {"env": "dev"}},
			nomatch: []map[string]string{{"env": "qa"}}},
		{in: "canary", str: "canary", match: []map[string]string{{"canary": ""}}, nomatch: []map[string]string{nil}},
		{in: "!canary", str: "!canary", match: []map[string]string{nil}, nomatch: []map[string]string{{"canary": "x"}}},
		{in: "z=1, a=2,!b", str: "a=2,!b,z=1",
			match:   []map[string]string{{"a": "2", "z": "1"}},
			nomatch: []map[string]string{{"a": "2", "z": "1", "b": ""}, {"a": "2"}}},
		{in: "a=", str: "a=", match: []map[string]string{{"a": ""}}, nomatch: []map[string]string{nil, {"a": "x"}}},
		{in: "app.kubernetes.io/name=web", str: "app.kubernetes.io/name=web", match: []map[string]string{{"app.kubernetes.io/name": "web"}}},
		{in: "x=in", str: "x=in", match: []map[string]string{{"x": "in"}}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			sel, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			if got := sel.String(); got != tc.str {
				t.Errorf("String() = %q, want %q", got, tc.str)
			}
			if sel.Empty() != (tc.str == "") {
				t.Errorf("Empty() = %v for %q", sel.Empty(), tc.in)
			}
			back, err := Parse(sel.String())
			if err != nil || back.String() != sel.String() {
				t.Errorf("round trip of %q: %v, %v", sel.String(), back, err)
			}
			for _, l := range tc.match {
				if !sel.Matches(l) {
					t.Errorf("%q should match %v", tc.in, l)
				}
			}
			for _, l := range tc.nomatch {
				if sel.Matches(l) {
					t.Errorf("%q should not match %v", tc.in, l)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a=b,", "expected a label key"},
		{"a in b", "expected '(' after \"in\""},
		{"a in (b", "expected ',' or ')'"},
		{"a in ()", "needs at least one value"},
		{"a in (b,)", "expected a value after ','"},
		{"a b", "expected an operator"},
		{"=b", "expected a label key"},
		{"!", "expected a label key after '!'"},
		{"a=b c", "expected ',' or end of selector"},
		{"a=b=c", "expected ',' or end of selector"},
		{"-bad=x", "invalid label key \"-bad\""},
		{"a=b@d", "invalid label value \"b@d\""},
		{"a=(", "expected a value after \"=\""},
	}
	for _, tc := range tests {
		_, err := Parse(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) error = %v, want containing %q", tc.in, err, tc.want)
		}
	}
}

func TestFromLabelSelector(t *testing.T) {
	ls := &api.LabelSelector{
		MatchLabels: map[string]string{"app": "web"},
		MatchExpressions: []api.LabelSelectorRequirement{
			{Key: "env", Operator: "In", Values: []string{"prod", "dev"}},
			{Key: "tier", Operator: "NotIn", Values: []string{"db"}},
			{Key: "team", Operator: "Exists"},
			{Key: "canary", Operator: "DoesNotExist"},
		},
	}
	sel, err := FromLabelSelector(ls)
	if err != nil {
		t.Fatal(err)
	}
	want := "app=web,!canary,env in (dev,prod),team,tier notin (db)"
	if sel.String() != want {
		t.Errorf("String() = %q, want %q", sel.String(), want)
	}
	if !sel.Matches(map[string]string{"app": "web", "env": "dev", "team": "a"}) {
		t.Error("should match")
	}
	if sel.Matches(map[string]string{"app": "web", "env": "dev", "team": "a", "canary": "1"}) {
		t.Error("should not match with canary")
	}
	if got := FormatLabelSelector(ls); got != want {
		t.Errorf("FormatLabelSelector = %q", got)
	}
	for _, empty := range []*api.LabelSelector{nil, {}} {
		s, err := FromLabelSelector(empty)
		if err != nil || !s.Empty() || !s.Matches(map[string]string{"a": "b"}) {
			t.Errorf("FromLabelSelector(%v) = %v, %v; want everything", empty, s, err)
		}
		if got := FormatLabelSelector(empty); got != "<none>" {
			t.Errorf("FormatLabelSelector(%v) = %q, want <none>", empty, got)
		}
	}

	bad := []struct {
		ls   api.LabelSelector
		want string
	}{
		{api.LabelSelector{MatchExpressions: []api.LabelSelectorRequirement{{Key: "a", Operator: "Equals", Values: []string{"x"}}}},
			`matchExpressions[0]: "Equals" is not a valid label selector operator`},
		{api.LabelSelector{MatchExpressions: []api.LabelSelectorRequirement{{Key: "a", Operator: "In"}}},
			`needs at least one value`},
		{api.LabelSelector{MatchExpressions: []api.LabelSelectorRequirement{{Key: "a", Operator: "Exists", Values: []string{"x"}}}},
			`takes no values`},
		{api.LabelSelector{MatchLabels: map[string]string{"a b": "x"}}, `matchLabels: invalid label key "a b"`},
	}
	for _, tc := range bad {
		_, err := FromLabelSelector(&tc.ls)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("FromLabelSelector(%+v) error = %v, want containing %q", tc.ls, err, tc.want)
		}
		if got := FormatLabelSelector(&tc.ls); got != "<error>" {
			t.Errorf("FormatLabelSelector of invalid = %q", got)
		}
	}
}

func TestSelectorFromSet(t *testing.T) {
	sel := SelectorFromSet(map[string]string{"b": "2", "a": "1"})
	if sel.String() != "a=1,b=2" {
		t.Errorf("String() = %q", sel.String())
	}
	if !sel.Matches(map[string]string{"a": "1", "b": "2", "c": "3"}) || sel.Matches(map[string]string{"a": "1"}) {
		t.Error("wrong matching")
	}
	if Nothing().Matches(nil) {
		t.Error("Nothing matched")
	}
}

func TestValidateKeyValue(t *testing.T) {
	for _, k := range []string{"app", "a.b-c_d", "example.com/name", "A1"} {
		if errs := ValidateKey(k); len(errs) > 0 {
			t.Errorf("ValidateKey(%q) = %v", k, errs)
		}
	}
	for _, k := range []string{"", "-a", "a-", "/a", "Example.com/a", "a/b/c", strings.Repeat("a", 64)} {
		if errs := ValidateKey(k); len(errs) == 0 {
			t.Errorf("ValidateKey(%q) accepted", k)
		}
	}
	for _, v := range []string{"", "web", "v1.2_3"} {
		if errs := ValidateValue(v); len(errs) > 0 {
			t.Errorf("ValidateValue(%q) = %v", v, errs)
		}
	}
	for _, v := range []string{"-x", "a b", strings.Repeat("v", 64)} {
		if errs := ValidateValue(v); len(errs) == 0 {
			t.Errorf("ValidateValue(%q) accepted", v)
		}
	}
}
