package openapi

import (
	"encoding/json"
	"testing"

	"minik8s/pkg/api"
)

// Every document must be valid OpenAPI as gnostic (what Kubernetes and
// kubectl use for the protobuf forms) reads it.
func TestDocumentsAreValidOpenAPI(t *testing.T) {
	served := api.Served()
	j, err := json.Marshal(V2Document(served, Descriptions(), "v1.32.0"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ProtoV2(j); err != nil {
		t.Errorf("v2: %v", err)
	}
	for _, gv := range GroupVersions(served) {
		doc, ok := V3Document(served, Descriptions(), gv, "v1.32.0")
		if !ok {
			t.Fatalf("%s: no document", gv)
		}
		j, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ProtoV3(j); err != nil {
			t.Errorf("v3 %s: %v", gv, err)
		}
	}
	if _, ok := V3Document(served, Descriptions(), "nope/v1", "v1.32.0"); ok {
		t.Error("a group version that is not served has a document")
	}
}
