package openapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/openapi/internal/docscan"
)

// TestDescriptionsUpToDate fails when pkg/api's doc comments changed
// without `go generate ./pkg/openapi/`.
func TestDescriptionsUpToDate(t *testing.T) {
	d, err := docscan.Scan("../api")
	if err != nil {
		t.Fatal(err)
	}
	b, err := docscan.Encode(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, descriptionsJSON) {
		t.Fatal("pkg/openapi/descriptions.json is stale: run `go generate ./pkg/openapi/`")
	}
}

// at returns the JSON found in doc along keys.
func at(t *testing.T, doc any, keys ...string) string {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%v: %q is not an object", keys, k)
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("%v: no %q", keys, k)
		}
	}
	out, _ := json.Marshal(v)
	return string(out)
}

// canonical is JSON with sorted keys.
func canonical(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestSchemas(t *testing.T) {
	docs := docscan.Docs{
		"PodSpec":   {"": "PodSpec is the desired state of a pod.", "NodeName": "NodeName is the node."},
		"Container": {"": "Container is one container of a pod."},
		"Pod":       {"": "Pod is a group of containers."},
	}
	served := api.Served()
	core, _ := V3Document(served, docs, "v1", "v")
	apps, _ := V3Document(served, docs, "apps/v1", "v")
	hpa1, _ := V3Document(served, docs, "autoscaling/v1", "v")
	v2 := V2Document(served, docs, "v")
	c3 := func(def string, keys ...string) []string {
		return append([]string{"components", "schemas", def}, keys...)
	}
	const pod, spec, ctr = "io.k8s.api.core.v1.Pod", "io.k8s.api.core.v1.PodSpec", "io.k8s.api.core.v1.Container"
	const meta, qty, ios = "io.k8s.apimachinery.pkg.apis.meta.v1.", "io.k8s.apimachinery.pkg.api.resource.Quantity", "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
	cases := []struct {
		name string
		doc  any
		path []string
		want string
	}{
		{"kind: its GVK", core, c3(pod, "x-kubernetes-group-version-kind"), `[{"group":"","kind":"Pod","version":"v1"}]`},
		{"kind: its own description", core, c3(pod, "description"), `"Pod is a group of containers."`},
		{"required: the fields without omitempty", core, c3(ctr, "required"), `["name"]`},
		{"patch tags beside a list of refs (default {})", core, c3(spec, "properties", "containers"),
			`{"description":"Container is one container of a pod.","type":"array","items":{"allOf":[{"$ref":"#/components/schemas/io.k8s.api.core.v1.Container"}],"default":{}},"x-kubernetes-patch-strategy":"merge","x-kubernetes-patch-merge-key":"name"}`},
		{"retainKeys", core, c3(spec, "properties", "volumes", "x-kubernetes-patch-strategy"), `"merge,retainKeys"`},
		{"a field's own comment", core, c3(spec, "properties", "nodeName"), `{"description":"NodeName is the node.","type":"string"}`},
		{"map of strings", core, c3(spec, "properties", "nodeSelector"), `{"type":"object","additionalProperties":{"type":"string"}}`},
		{"pointer: optional, no default", core, c3(spec, "properties", "terminationGracePeriodSeconds"), `{"type":"integer","format":"int64"}`},
		{"map of quantities", core, c3("io.k8s.api.core.v1.ResourceRequirements", "properties", "limits"),
			`{"type":"object","additionalProperties":{"allOf":[{"$ref":"#/components/schemas/` + qty + `"}]}}`},
		{"Quantity (v3)", core, c3(qty), `{"oneOf":[{"type":"string"},{"type":"number"}]}`},
		{"Quantity (v2)", v2, []string{"definitions", qty}, `{"type":"string"}`},
		{"IntOrString (v3)", core, c3(ios), `{"format":"int-or-string","oneOf":[{"type":"integer"},{"type":"string"}],"x-kubernetes-int-or-string":true}`},
		{"IntOrString (v2)", v2, []string{"definitions", ios}, `{"type":"string","format":"int-or-string","x-kubernetes-int-or-string":true}`},
		{"Time", core, c3(meta + "Time"), `{"type":"string","format":"date-time"}`},
		{"a Time field has no default", core, c3(meta+"ObjectMeta", "properties", "creationTimestamp"),
			`{"allOf":[{"$ref":"#/components/schemas/` + meta + `Time"}]}`},
		{"embedded inline struct flattened", core, c3("io.k8s.api.core.v1.Probe", "properties", "httpGet"),
			`{"allOf":[{"$ref":"#/components/schemas/io.k8s.api.core.v1.HTTPGetAction"}]}`},
		{"inline TypeMeta", core, c3(pod, "properties", "kind", "type"), `"string"`},
		{"v2: $ref beside description and default", v2, []string{"definitions", pod, "properties", "spec"},
			`{"description":"PodSpec is the desired state of a pod.","$ref":"#/definitions/io.k8s.api.core.v1.PodSpec","default":{}}`},
		{"meta types under apimachinery's name", core, c3(meta+"ObjectMeta", "properties", "ownerReferences", "x-kubernetes-patch-merge-key"), `"uid"`},
		{"core types keep core's name in apps/v1", apps, c3("io.k8s.api.apps.v1.DeploymentSpec", "properties", "template"),
			`{"allOf":[{"$ref":"#/components/schemas/io.k8s.api.core.v1.PodTemplateSpec"}],"default":{}}`},
		{"autoscaling/v1 names drop the Go suffix", hpa1, c3("io.k8s.api.autoscaling.v1.HorizontalPodAutoscaler", "properties", "spec"),
			`{"allOf":[{"$ref":"#/components/schemas/io.k8s.api.autoscaling.v1.HorizontalPodAutoscalerSpec"}],"default":{}}`},
		{"PATCH takes strategic merge patches", apps, []string{"paths", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch", "requestBody", "content", "application/strategic-merge-patch+json"},
			`{"schema":{"type":"object"}}`},
		{"PATCH has the GVK", core, []string{"paths", "/api/v1/namespaces/{namespace}/pods/{name}", "patch", "x-kubernetes-group-version-kind"},
			`{"group":"","kind":"Pod","version":"v1"}`},
		{"v2 PATCH consumes", v2, []string{"paths", "/api/v1/nodes/{name}", "patch", "consumes"},
			`["application/json-patch+json","application/merge-patch+json","application/strategic-merge-patch+json"]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := at(t, tc.doc, tc.path...), canonical(t, tc.want); got != want {
				t.Errorf("%v:\n got %s\nwant %s", tc.path, got, want)
			}
		})
	}
	// The type's comment is on the fields of its type, not on its
	// definition too: kubectl explain would print it twice.
	var def map[string]any
	json.Unmarshal([]byte(at(t, core, c3(spec)...)), &def)
	if d, ok := def["description"]; ok {
		t.Errorf("PodSpec's definition has a description: %v", d)
	}
	// fieldValidation makes kubectl validate on the server.
	if p := at(t, core, "paths", "/api/v1/namespaces/{namespace}/pods/{name}", "patch", "parameters"); !strings.Contains(p, `"fieldValidation"`) {
		t.Errorf("PATCH parameters lack fieldValidation: %s", p)
	}
}

// No two Go types may share a definition name (a rename or a trimmed
// version suffix colliding after a type is added to pkg/api).
func TestDefinitionNamesUnique(t *testing.T) {
	byName := map[string]string{}
	for typ, home := range homes(api.Served()) {
		name := defName(typ, home)
		if other, ok := byName[name]; ok && other != typ.String() {
			t.Errorf("%s and %s are both %s", other, typ, name)
		}
		byName[name] = typ.String()
	}
}
