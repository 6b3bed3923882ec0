package integration

import (
	"net/http"
	"testing"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// TestPatchErrorsAndDirectives: over HTTP on a real etcd, bad patches get
// Kubernetes' statuses and messages (what kubectl patch prints), and the
// strategic merge directives kubectl sends work on our types' patch keys.
func TestPatchErrorsAndDirectives(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/apis/apps/v1/namespaces/default/deployments"
	item := coll + "/web"
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", sample("Deployment", "web"))

	for _, tc := range []struct {
		name, ct, body string
		code           int
		reason, msg    string
	}{
		{"failed json test", "application/json-patch+json", `[{"op":"test","path":"/metadata/name","value":"nope"}]`,
			http.StatusUnprocessableEntity, "Invalid", "the server rejected our request due to an error in our request"},
		{"missing path", "application/json-patch+json", `[{"op":"remove","path":"/metadata/labels/nope"}]`,
			http.StatusUnprocessableEntity, "Invalid", "the server rejected our request due to an error in our request"},
		{"json patch not a list", "application/json-patch+json", `{"op":"add"}`,
			http.StatusBadRequest, "BadRequest", "json: cannot unmarshal object into Go value of type jsonpatch.Patch"},
		{"strategic not JSON", "application/strategic-merge-patch+json", `{bad`,
			http.StatusBadRequest, "BadRequest", "invalid character 'b' looking for beginning of object key string"},
		{"merge not JSON", "application/merge-patch+json", `{bad`,
			http.StatusBadRequest, "BadRequest", ""},
	} {
		code, b := do(t, "PATCH", item, tc.ct, tc.body)
		st := status(t, b)
		if code != tc.code || st.Reason != tc.reason || (tc.msg != "" && st.Message != tc.msg) {
			t.Errorf("%s: got %d %s %q, want %d %s %q", tc.name, code, st.Reason, st.Message, tc.code, tc.reason, tc.msg)
		}
	}

	// $retainKeys on the deployment strategy (what kubectl apply sends when
	// the strategy type changes) drops rollingUpdate.
	d := decodeInto[api.Deployment](t, mustDo(t, http.StatusOK, "PATCH", item, "application/strategic-merge-patch+json",
		`{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}`))
	if d.Spec.Strategy.Type != "Recreate" || d.Spec.Strategy.RollingUpdate != nil {
		t.Errorf("retainKeys: %+v", d.Spec.Strategy)
	}
	// $patch: replace swaps the whole container list.
	d = decodeInto[api.Deployment](t, mustDo(t, http.StatusOK, "PATCH", item, "application/strategic-merge-patch+json",
		`{"spec":{"template":{"spec":{"containers":[{"name":"only","image":"busybox"},{"$patch":"replace"}]}}}}`))
	if c := d.Spec.Template.Spec.Containers; len(c) != 1 || c[0].Name != "only" {
		t.Errorf("$patch replace: %+v", c)
	}
}
