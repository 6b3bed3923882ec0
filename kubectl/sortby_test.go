package kubectl

import (
	"strings"
	"testing"
	"time"

	"minik8s/pkg/api"
)

func TestNaturalLess(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"pod-9", "pod-10", true},
		{"pod-10", "pod-9", false},
		{"a", "b", true},
		{"a", "a", false},
		{"a", "ab", true},
		{"x01", "x1", false},
		{"x1", "x01", true},
		{"2026-12-02T00:01:09Z", "2026-12-02T00:10:00Z", true},
		{"web", "web", false},
	} {
		if got := naturalLess(tc.a, tc.b); got != tc.want {
			t.Errorf("naturalLess(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestSortObjects(t *testing.T) {
	at := func(m int) api.Time { return api.NewTime(time.Date(2026, 12, 2, 0, m, 0, 0, time.UTC)) }
	ev := func(name string, last api.Time, count int32) api.Object {
		return &api.Event{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Event"}, ObjectMeta: api.ObjectMeta{Name: name}, LastTimestamp: last, Count: count}
	}
	objs := []api.Object{ev("c", at(30), 2), ev("a", at(5), 10), ev("new", api.Time{}, 0), ev("b", at(12), 9)}
	names := func() string {
		var n []string
		for _, o := range objs {
			n = append(n, o.GetObjectMeta().Name)
		}
		return strings.Join(n, " ")
	}
	for _, tc := range []struct{ spec, want string }{
		{".lastTimestamp", "new a b c"},
		{"{.lastTimestamp}", "new a b c"},
		{"count", "new c b a"},
		{".metadata.name", "a b c new"},
	} {
		if err := sortObjects(tc.spec, objs, nil); err != nil {
			t.Fatalf("%s: %v", tc.spec, err)
		}
		if got := names(); got != tc.want {
			t.Errorf("--sort-by=%s: %s, want %s", tc.spec, got, tc.want)
		}
	}
	if err := sortObjects(".metadata", objs, nil); err == nil {
		t.Error("--sort-by=.metadata (a map) sorted, want an error")
	}
	if err := sortObjects("{.a}{.b}", objs, nil); err == nil {
		t.Error("--sort-by with two templates sorted, want an error")
	}
}
