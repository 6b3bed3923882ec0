package cache

import (
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/labels"
)

func TestLister(t *testing.T) {
	s := NewStore()
	s.put(pod("a", "1", map[string]string{"app": "web"}))
	s.put(pod("b", "2", nil))
	s.put(&api.Node{ObjectMeta: api.ObjectMeta{Name: "n1"}})
	l := NewLister[*api.Pod](s)
	if p, ok := l.Get("default", "a"); !ok || p.Name != "a" {
		t.Fatalf("Get a: %v %v", p, ok)
	}
	if _, ok := l.Get("", "n1"); ok {
		t.Fatal("a node as a pod")
	}
	if _, ok := l.Get("default", "zz"); ok {
		t.Fatal("missing pod found")
	}
	sel, _ := labels.Parse("app=web")
	if got := l.List("default", sel); len(got) != 1 || got[0].Name != "a" {
		t.Fatalf("List app=web: %v", got)
	}
	if got := l.List("", nil); len(got) != 2 {
		t.Fatalf("List all: %d pods", len(got))
	}
	if n, ok := NewLister[*api.Node](s).Get("", "n1"); !ok || n.Name != "n1" {
		t.Fatal("node lister")
	}
}
