package cache

import (
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func TestKeys(t *testing.T) {
	if k := KeyOf("ns", "a"); k != "ns/a" {
		t.Fatal(k)
	}
	if k := Key(&api.Node{ObjectMeta: api.ObjectMeta{Name: "n1"}}); k != "n1" {
		t.Fatal(k)
	}
	for _, k := range []string{"ns/a", "n1"} {
		ns, n := SplitKey(k)
		if KeyOf(ns, n) != k {
			t.Fatalf("round trip %q -> %q %q", k, ns, n)
		}
	}
}

func TestStoreReplaceDeltas(t *testing.T) {
	s := NewStore()
	s.put(pod("a", "1", nil))
	s.put(pod("b", "1", nil))
	s.put(pod("z", "1", nil))
	ds := s.replace([]api.Object{pod("c", "2", nil), pod("a", "2", nil)})
	var got []string
	for _, d := range ds {
		switch d.Type {
		case api.Deleted:
			got = append(got, "D "+id(d.Old))
		case api.Modified:
			got = append(got, "M "+id(d.Old)+"->"+id(d.New))
		default:
			got = append(got, "A "+id(d.New))
		}
	}
	if want := "A c@2|M a@1->a@2|D b@1|D z@1"; strings.Join(got, "|") != want {
		t.Fatalf("deltas %q, want %s", got, want)
	}
	if keys := strings.Join(s.Keys(), ","); keys != "default/a,default/c" {
		t.Fatal(keys)
	}
	if old, ok := s.remove(pod("a", "", nil)); !ok || old.GetObjectMeta().ResourceVersion != "2" {
		t.Fatal("remove a")
	}
	if _, ok := s.remove(pod("a", "", nil)); ok {
		t.Fatal("removed twice")
	}
}
