package api

import (
	"encoding/json"
	"reflect"
	"testing"

	policyv1 "k8s.io/api/policy/v1"
)

// TestEvictionMatchesKubernetes compares policy/v1 Eviction's JSON fields
// with k8s.io/api's and round-trips a filled one through it.
func TestEvictionMatchesKubernetes(t *testing.T) {
	walkStatic("Eviction", reflect.TypeOf(&Eviction{}), reflect.TypeOf(&policyv1.Eviction{}), func(msg string) { t.Error(msg) })

	ours := reflect.New(reflect.TypeOf(Eviction{}))
	fill(ours.Elem(), 0)
	a, err := json.Marshal(ours.Interface())
	if err != nil {
		t.Fatal(err)
	}
	var theirs policyv1.Eviction
	if err := json.Unmarshal(a, &theirs); err != nil {
		t.Fatalf("unmarshal into policyv1.Eviction: %v", err)
	}
	b, _ := json.Marshal(&theirs)
	var ga, gb any
	_ = json.Unmarshal(a, &ga)
	_ = json.Unmarshal(b, &gb)
	for _, l := range lostPaths("Eviction", ga, gb) {
		t.Error(l)
	}
}
