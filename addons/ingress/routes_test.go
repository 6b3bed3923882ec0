package ingress

import (
	"testing"
	"time"

	"minik8s/pkg/api"
)

// rule is one host with its paths, for building test Ingresses.
type testPath struct{ path, typ, svc string }

func testIngress(name string, created int, def string, rules map[string][]testPath) *api.Ingress {
	ing := &api.Ingress{ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default",
		CreationTimestamp: api.NewTime(time.Date(2024, 1, 1, 0, 0, created, 0, time.UTC))}}
	if def != "" {
		ing.Spec.DefaultBackend = &api.IngressBackend{Service: &api.IngressServiceBackend{Name: def, Port: api.ServiceBackendPort{Number: 8080}}}
	}
	for host, paths := range rules {
		r := api.IngressRule{Host: host, IngressRuleValue: api.IngressRuleValue{HTTP: &api.HTTPIngressRuleValue{}}}
		for _, p := range paths {
			typ := p.typ
			r.HTTP.Paths = append(r.HTTP.Paths, api.HTTPIngressPath{Path: p.path, PathType: &typ,
				Backend: api.IngressBackend{Service: &api.IngressServiceBackend{Name: p.svc, Port: api.ServiceBackendPort{Number: 8080}}}})
		}
		ing.Spec.Rules = append(ing.Spec.Rules, r)
	}
	return ing
}

type matchCase struct {
	host, path string
	want       string // service name; "" = 404
}

func checkMatches(t *testing.T, tbl *Table, cases []matchCase) {
	t.Helper()
	for _, c := range cases {
		got := ""
		if b := tbl.Match(c.host, c.path); b != nil {
			got = b.Service
		}
		if got != c.want {
			t.Errorf("%s%s -> %q, want %q", c.host, c.path, got, c.want)
		}
	}
}

// TestPathRules is ingress-controller-conformance's features/path_rules.feature.
func TestPathRules(t *testing.T) {
	ing := testIngress("path-rules", 0, "", map[string][]testPath{
		"exact-path-rules": {{"/foo", "Exact", "foo-exact"}},
		"prefix-path-rules": {
			{"/foo", "Prefix", "foo-prefix"},
			{"/aaa/bbb", "Prefix", "aaa-slash-bbb-prefix"},
			{"/aaa", "Prefix", "aaa-prefix"},
		},
		"mixed-path-rules": {
			{"/foo", "Prefix", "foo-prefix"},
			{"/foo", "Exact", "foo-exact"},
		},
		"trailing-slash-path-rules": {
			{"/aaa/bbb/", "Prefix", "aaa-slash-bbb-slash-prefix"},
			{"/foo/", "Exact", "foo-slash-exact"},
		},
	})
	checkMatches(t, BuildTable([]*api.Ingress{ing}, nil), []matchCase{
		{"exact-path-rules", "/foo", "foo-exact"},
		{"exact-path-rules", "/foo/", ""},
		{"exact-path-rules", "/FOO", ""},
		{"exact-path-rules", "/bar", ""},
		{"prefix-path-rules", "/foo", "foo-prefix"},
		{"prefix-path-rules", "/foo/", "foo-prefix"},
		{"prefix-path-rules", "/FOO", ""},
		{"prefix-path-rules", "/aaa/bbb", "aaa-slash-bbb-prefix"},
		{"prefix-path-rules", "/aaa/bbb/ccc", "aaa-slash-bbb-prefix"},
		{"prefix-path-rules", "/aaa/ccc", "aaa-prefix"},
		{"prefix-path-rules", "/aaaccc", ""},
		{"mixed-path-rules", "/foo", "foo-exact"},
		{"mixed-path-rules", "/foo/x", "foo-prefix"},
		{"trailing-slash-path-rules", "/aaa/bbb", "aaa-slash-bbb-slash-prefix"},
		{"trailing-slash-path-rules", "/aaa/bbb/", "aaa-slash-bbb-slash-prefix"},
		{"trailing-slash-path-rules", "/foo", ""},
		{"trailing-slash-path-rules", "/foo/", "foo-slash-exact"},
	})
}

// TestPathExamples is the table of examples in Kubernetes' Ingress
// documentation (concepts/services-networking/ingress, "Examples").
func TestPathExamples(t *testing.T) {
	cases := []struct {
		paths []testPath
		req   string
		want  bool
	}{
		{[]testPath{{"/", "Prefix", "x"}}, "/anything/at/all", true},
		{[]testPath{{"/foo", "Exact", "x"}}, "/foo", true},
		{[]testPath{{"/foo", "Exact", "x"}}, "/bar", false},
		{[]testPath{{"/foo", "Exact", "x"}}, "/foo/", false},
		{[]testPath{{"/foo/", "Exact", "x"}}, "/foo", false},
		{[]testPath{{"/foo", "Prefix", "x"}}, "/foo", true},
		{[]testPath{{"/foo", "Prefix", "x"}}, "/foo/", true},
		{[]testPath{{"/foo/", "Prefix", "x"}}, "/foo", true},
		{[]testPath{{"/foo/", "Prefix", "x"}}, "/foo/", true},
		{[]testPath{{"/aaa/bb", "Prefix", "x"}}, "/aaa/bbb", false},
		{[]testPath{{"/aaa/bbb", "Prefix", "x"}}, "/aaa/bbb", true},
		{[]testPath{{"/aaa/bbb/", "Prefix", "x"}}, "/aaa/bbb", true},
		{[]testPath{{"/aaa/bbb", "Prefix", "x"}}, "/aaa/bbb/", true},
		{[]testPath{{"/aaa/bbb", "Prefix", "x"}}, "/aaa/bbb/ccc", true},
		{[]testPath{{"/aaa/bbb", "Prefix", "x"}}, "/aaa/bbbxyz", false},
		{[]testPath{{"/", "Prefix", "root"}, {"/aaa", "Prefix", "x"}}, "/aaa/ccc", true},
		{[]testPath{{"/", "Prefix", "root"}, {"/aaa", "Prefix", "aaa"}, {"/aaa/bbb", "Prefix", "x"}}, "/aaa/bbb", true},
		{[]testPath{{"/", "Prefix", "x"}, {"/aaa", "Prefix", "aaa"}, {"/aaa/bbb", "Prefix", "bbb"}}, "/ccc", true},
		{[]testPath{{"/aaa", "Prefix", "aaa"}}, "/ccc", false},
		{[]testPath{{"/foo", "Prefix", "prefix"}, {"/foo", "Exact", "x"}}, "/foo", true},
		// ImplementationSpecific is Prefix here; an empty path is "/".
		{[]testPath{{"/foo", "ImplementationSpecific", "x"}}, "/foo/bar", true},
		{[]testPath{{"/foo", "ImplementationSpecific", "x"}}, "/foobar", false},
		{[]testPath{{"", "ImplementationSpecific", "x"}}, "/any", true},
		// Longest wins whatever the order of the rules.
		{[]testPath{{"/a", "Prefix", "a"}, {"/a/b/c", "Prefix", "x"}, {"/a/b", "Prefix", "ab"}}, "/a/b/c/d", true},
		{[]testPath{{"/a/b/c", "Exact", "abc"}, {"/a/b", "Prefix", "x"}}, "/a/b/c/d", true},
	}
	for _, c := range cases {
		ing := testIngress("ex", 0, "", map[string][]testPath{"": c.paths})
		b := BuildTable([]*api.Ingress{ing}, nil).Match("example.com", c.req)
		got := b != nil && b.Service == "x"
		if got != c.want {
			name := "<none>"
			if b != nil {
				name = b.Service
			}
			t.Errorf("paths %v, request %s: went to %s, want match of x = %v", c.paths, c.req, name, c.want)
		}
	}
}

// TestHostRules is features/host_rules.feature, plus the host's port,
// case and trailing dot, and the order exact > wildcard > no host.
func TestHostRules(t *testing.T) {
	ing := testIngress("host-rules", 0, "", map[string][]testPath{
		"*.foo.com":   {{"/", "Prefix", "wildcard-foo-com"}},
		"foo.bar.com": {{"/", "Prefix", "foo-bar-com"}},
	})
	checkMatches(t, BuildTable([]*api.Ingress{ing}, nil), []matchCase{
		{"foo.bar.com", "/", "foo-bar-com"},
		{"subdomain.bar.com", "/", ""},
		{"bar.foo.com", "/", "wildcard-foo-com"},
		{"baz.bar.foo.com", "/", ""},
		{"foo.com", "/", ""},
		{"foo.bar.com:80", "/x", "foo-bar-com"},
		{"FOO.Bar.com", "/", "foo-bar-com"},
		{"foo.bar.com.", "/", "foo-bar-com"},
		{"", "/", ""},
	})

	layered := testIngress("layered", 0, "", map[string][]testPath{
		"api.example.com": {{"/v1", "Prefix", "exact-v1"}},
		"*.example.com":   {{"/v1", "Prefix", "wild-v1"}, {"/v2", "Prefix", "wild-v2"}},
		"":                {{"/", "Prefix", "any"}},
	})
	checkMatches(t, BuildTable([]*api.Ingress{layered}, nil), []matchCase{
		{"api.example.com", "/v1/x", "exact-v1"},
		{"api.example.com", "/v2", "wild-v2"}, // no exact path: the wildcard's
		{"www.example.com", "/v1", "wild-v1"},
		{"api.example.com", "/other", "any"}, // then the rules without host
		{"10.0.0.5", "/", "any"},
	})
}

// TestDefaultBackend is features/default_backend.feature: an Ingress with
// no rules sends everything to its defaultBackend; with rules, only what
// matches none.
func TestDefaultBackend(t *testing.T) {
	only := testIngress("default-backend", 0, "echo-service", nil)
	checkMatches(t, BuildTable([]*api.Ingress{only}, nil), []matchCase{
		{"my-host", "/", "echo-service"},
		{"my-host", "/sub-path", "echo-service"},
		{"", "/resource", "echo-service"},
	})
	mixed := testIngress("mixed", 0, "fallback", map[string][]testPath{"a.com": {{"/app", "Prefix", "app"}}})
	checkMatches(t, BuildTable([]*api.Ingress{mixed}, nil), []matchCase{
		{"a.com", "/app/1", "app"},
		{"a.com", "/other", "fallback"},
		{"b.com", "/app", "fallback"},
	})
}

// TestConflicts: the older Ingress wins a host+path conflict and gives the
// default backend; Ingresses of the same host merge their paths.
func TestConflicts(t *testing.T) {
	newer := testIngress("newer", 10, "newer-default", map[string][]testPath{
		"a.com": {{"/x", "Prefix", "newer-x"}, {"/y", "Prefix", "newer-y"}},
	})
	older := testIngress("older", 5, "older-default", map[string][]testPath{
		"a.com": {{"/x", "Prefix", "older-x"}},
	})
	checkMatches(t, BuildTable([]*api.Ingress{newer, older}, nil), []matchCase{
		{"a.com", "/x", "older-x"},
		{"a.com", "/y", "newer-y"},
		{"a.com", "/z", "older-default"},
	})
}

// TestBackendsShared: one Backend per Service port, resolved once, and
// round-robin over its targets.
func TestBackendsShared(t *testing.T) {
	ing := testIngress("shared", 0, "", map[string][]testPath{
		"a.com": {{"/x", "Prefix", "svc"}, {"/y", "Prefix", "svc"}},
	})
	calls := 0
	tbl := BuildTable([]*api.Ingress{ing}, func(ns string, s *api.IngressServiceBackend) ([]string, string) {
		calls++
		return []string{"10.0.0.1:8080", "10.0.0.2:8080"}, ""
	})
	if calls != 1 || len(tbl.Backends()) != 1 {
		t.Fatalf("resolved %d times, %d backends; want 1, 1", calls, len(tbl.Backends()))
	}
	bx, by := tbl.Match("a.com", "/x"), tbl.Match("a.com", "/y")
	if bx != by {
		t.Fatal("two Backends for one Service port")
	}
	got := []string{bx.pick(), by.pick(), bx.pick()}
	want := []string{"10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.1:8080"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("picks %v, want %v", got, want)
			break
		}
	}
	if k := bx.Key(); k != "default/svc:8080" {
		t.Errorf("key %q", k)
	}
}

func BenchmarkMatch(b *testing.B) {
	ing := testIngress("bench", 0, "def", map[string][]testPath{
		"shop.example": {{"/", "Prefix", "web"}, {"/api", "Prefix", "api"}, {"/api/v2", "Prefix", "api2"}, {"/healthz", "Exact", "h"}},
		"*.example":    {{"/", "Prefix", "wild"}},
	})
	tbl := BuildTable([]*api.Ingress{ing}, nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if tbl.Match("shop.example:80", "/api/v2/items/42") == nil {
			b.Fatal("no match")
		}
	}
}
