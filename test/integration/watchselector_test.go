package integration

import (
	"net/http"
	"testing"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// TestWatchSelectorTransitions: with a selector, an object that stops
// matching is a DELETED event carrying the previous (still matching)
// object at the revision of the change, and one that starts matching is an
// ADDED event with the new object, as Kubernetes' cacher sends them.
func TestWatchSelectorTransitions(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/pods"
	created := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("p", map[string]string{"app": "db"})))
	w := startWatch(t, coll+"?watch=true&labelSelector=app%3Dweb&resourceVersion="+created.ResourceVersion)

	toWeb := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "PATCH", coll+"/p", "application/merge-patch+json",
		`{"metadata":{"labels":{"app":"web","v":"1"}}}`))
	added := w.expect(api.Added, "p")
	if added.Labels["app"] != "web" || added.ResourceVersion != toWeb.ResourceVersion {
		t.Errorf("ADDED carries labels %v rv %s, want the new object (app=web, rv %s)", added.Labels, added.ResourceVersion, toWeb.ResourceVersion)
	}

	toDB := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "PATCH", coll+"/p", "application/merge-patch+json",
		`{"metadata":{"labels":{"app":"db","v":"2"}}}`))
	deleted := w.expect(api.Deleted, "p")
	if deleted.Labels["app"] != "web" || deleted.Labels["v"] != "1" {
		t.Errorf("DELETED carries labels %v, want the previous object's (app=web, v=1)", deleted.Labels)
	}
	if deleted.ResourceVersion != toDB.ResourceVersion {
		t.Errorf("DELETED rv %s, want the change's %s", deleted.ResourceVersion, toDB.ResourceVersion)
	}
}
