package apiserver

import (
	"encoding/json"
	"reflect"
	"testing"

	"minik8s/pkg/api"
)

const patchPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web","tier":"front"}},
"spec":{"containers":[
 {"name":"main","image":"a:1","ports":[{"containerPort":80,"name":"http"},{"containerPort":443}],"env":[{"name":"A","value":"1"}]},
 {"name":"side","image":"b:1"}],
 "volumes":[{"name":"v","emptyDir":{}}]}}`

const patchDeploy = `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
"spec":{"selector":{"matchLabels":{"app":"d"}},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},
"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"i"}]}}}}`

// at reads a value of a decoded JSON document by keys and list indexes.
func at(doc any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := doc.(map[string]any)
			doc = m[k]
		case int:
			l, _ := doc.([]any)
			if k >= len(l) {
				return nil
			}
			doc = l[k]
		}
	}
	return doc
}

// TestApplyPatchBytes: the three patch types on our types' patch tags
// (containers by name, ports by containerPort, $patch directives,
// $retainKeys), and the errors Kubernetes returns for bad patches.
func TestApplyPatchBytes(t *testing.T) {
	pods, _ := api.ForResource("", "v1", "pods")
	deployments, _ := api.ForResource("apps", "v1", "deployments")
	type check struct {
		path []any
		want any
	}
	cases := []struct {
		name   string
		info   *api.ResourceInfo
		doc    string
		ct     string
		patch  string
		checks []check
		code   int32 // expected error status (0: success)
		reason string
		msg    string
	}{
		{name: "strategic merges containers by name", info: pods, doc: patchPod, ct: strategicPatch,
			patch:  `{"spec":{"containers":[{"name":"side","image":"b:2"}]}}`,
			checks: []check{{[]any{"spec", "containers", 0, "image"}, "a:1"}, {[]any{"spec", "containers", 1, "image"}, "b:2"}, {[]any{"spec", "containers", 2}, nil}}},
		{name: "strategic merges ports by containerPort", info: pods, doc: patchPod, ct: strategicPatch,
			patch: `{"spec":{"containers":[{"name":"main","ports":[{"containerPort":443,"name":"https"},{"containerPort":8080}]}]}}`,
			checks: []check{{[]any{"spec", "containers", 0, "ports", 0, "name"}, "http"}, {[]any{"spec", "containers", 0, "ports", 1, "containerPort"}, float64(443)},
				{[]any{"spec", "containers", 0, "ports", 1, "name"}, "https"}, {[]any{"spec", "containers", 0, "ports", 2, "containerPort"}, float64(8080)},
				{[]any{"spec", "containers", 0, "env", 0, "name"}, "A"}}},
		{name: "strategic $patch delete of a list element", info: pods, doc: patchPod, ct: strategicPatch,
			patch:  `{"spec":{"containers":[{"name":"side","$patch":"delete"}]}}`,
			checks: []check{{[]any{"spec", "containers", 0, "name"}, "main"}, {[]any{"spec", "containers", 1}, nil}}},
		{name: "strategic $patch replace of a list", info: pods, doc: patchPod, ct: strategicPatch,
			patch:  `{"spec":{"containers":[{"name":"only","image":"o"},{"$patch":"replace"}]}}`,
			checks: []check{{[]any{"spec", "containers", 0, "name"}, "only"}, {[]any{"spec", "containers", 1}, nil}}},
		{name: "strategic null deletes a map key", info: pods, doc: patchPod, ct: strategicPatch,
			patch:  `{"metadata":{"labels":{"tier":null}}}`,
			checks: []check{{[]any{"metadata", "labels", "tier"}, nil}, {[]any{"metadata", "labels", "app"}, "web"}}},
		{name: "strategic $retainKeys drops the other keys", info: deployments, doc: patchDeploy, ct: strategicPatch,
			patch:  `{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}`,
			checks: []check{{[]any{"spec", "strategy", "type"}, "Recreate"}, {[]any{"spec", "strategy", "rollingUpdate"}, nil}}},
		{name: "merge replaces lists", info: pods, doc: patchPod, ct: mergePatch,
			patch:  `{"spec":{"containers":[{"name":"only","image":"o"}]},"metadata":{"labels":{"tier":null}}}`,
			checks: []check{{[]any{"spec", "containers", 0, "name"}, "only"}, {[]any{"spec", "containers", 1}, nil}, {[]any{"metadata", "labels", "tier"}, nil}}},
		{name: "json patch with a passing test", info: pods, doc: patchPod, ct: jsonPatch,
			patch:  `[{"op":"test","path":"/metadata/name","value":"web"},{"op":"replace","path":"/spec/containers/1/image","value":"b:3"}]`,
			checks: []check{{[]any{"spec", "containers", 1, "image"}, "b:3"}}},
		{name: "json patch with a failing test", info: pods, doc: patchPod, ct: jsonPatch,
			patch: `[{"op":"test","path":"/metadata/name","value":"nope"}]`,
			code:  422, reason: reasonInvalid, msg: "the server rejected our request due to an error in our request"},
		{name: "json patch that is not a list", info: pods, doc: patchPod, ct: jsonPatch,
			patch: `{"op":"add"}`, code: 400, reason: reasonBadRequest, msg: "json: cannot unmarshal object into Go value of type jsonpatch.Patch"},
		{name: "strategic patch that is not JSON", info: pods, doc: patchPod, ct: strategicPatch,
			patch: `{bad`, code: 400, reason: reasonBadRequest, msg: "invalid character 'b' looking for beginning of object key string"},
		{name: "merge patch that is not JSON", info: pods, doc: patchPod, ct: mergePatch,
			patch: `{bad`, code: 400, reason: reasonBadRequest},
		{name: "unknown patch type", info: pods, doc: patchPod, ct: "text/plain",
			patch: `{}`, code: 415, reason: reasonUnsupportedMedia},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := applyPatchBytes(tc.info, tc.ct, []byte(tc.doc), []byte(tc.patch))
			if tc.code != 0 {
				se := asStatus(err)
				if err == nil || se == nil || se.status.Code != tc.code || se.status.Reason != tc.reason || (tc.msg != "" && se.status.Message != tc.msg) {
					t.Fatalf("got %v (%+v), want %d %s %q", err, se, tc.code, tc.reason, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			for _, c := range tc.checks {
				if got := at(doc, c.path...); !reflect.DeepEqual(got, c.want) {
					t.Errorf("%v = %#v, want %#v\n%s", c.path, got, c.want, out)
				}
			}
		})
	}
}
