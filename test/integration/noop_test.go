package integration

import (
	"net/http"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// TestNoOpWritesKeepResourceVersion: an update or patch that changes
// nothing is not written (Kubernetes' GuaranteedUpdate compares the
// encoded objects): the resourceVersion stays and no watch event is sent.
func TestNoOpWritesKeepResourceVersion(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/pods"
	created := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("p", map[string]string{"a": "1"})))
	w := startWatch(t, coll+"?watch=true&resourceVersion="+created.ResourceVersion)

	writes := []struct{ method, path, ct, body string }{
		{"PATCH", "/p", "application/merge-patch+json", `{"metadata":{"labels":{"a":"1"}}}`},
		{"PATCH", "/p", "application/strategic-merge-patch+json", `{"spec":{"containers":[{"name":"c","image":"busybox"}]}}`},
		{"PATCH", "/p", "application/json-patch+json", `[{"op":"replace","path":"/metadata/labels/a","value":"1"}]`},
		{"PUT", "/p", "application/json", podJSON("p", map[string]string{"a": "1"})},
		{"PUT", "/p", "application/json", ""}, // the object as read, resourceVersion included
		{"PATCH", "/p/status", "application/merge-patch+json", `{"status":{"phase":"Pending"}}`},
	}
	for _, wr := range writes {
		body := wr.body
		if body == "" {
			body = string(mustDo(t, http.StatusOK, "GET", coll+"/p", "", ""))
		}
		got := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, wr.method, coll+wr.path, wr.ct, body))
		if got.ResourceVersion != created.ResourceVersion {
			t.Errorf("%s %s %s: resourceVersion %s, want %s (unchanged)", wr.method, wr.path, wr.body, got.ResourceVersion, created.ResourceVersion)
		}
	}
	w.expectQuiet(300 * time.Millisecond)

	changed := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "PATCH", coll+"/p", "application/merge-patch+json", `{"metadata":{"labels":{"a":"2"}}}`))
	if changed.ResourceVersion == created.ResourceVersion {
		t.Errorf("a real change kept resourceVersion %s", changed.ResourceVersion)
	}
	if ev := w.expect(api.Modified, "p"); ev.ResourceVersion != changed.ResourceVersion {
		t.Errorf("MODIFIED at %s, want %s", ev.ResourceVersion, changed.ResourceVersion)
	}
}
