package integration

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

func TestSystemNamespacesAndDeletion(t *testing.T) {
	ts := testserver.Start(t)
	startNamespaceController(t, ts.URL)
	l := decodeInto[api.List[api.Namespace]](t, mustDo(t, http.StatusOK, "GET", ts.URL+"/api/v1/namespaces", "", ""))
	have := map[string]string{}
	for _, ns := range l.Items {
		have[ns.Name] = ns.Status.Phase
	}
	for _, n := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		if have[n] != "Active" {
			t.Errorf("namespace %s: phase %q", n, have[n])
		}
	}
	code, b := do(t, "DELETE", ts.URL+"/api/v1/namespaces/default", "", "")
	if st := status(t, b); code != http.StatusForbidden || st.Reason != "Forbidden" {
		t.Errorf("delete default: %d %s", code, b)
	}

	// Creating in a missing namespace is 404 naming the namespace.
	code, b = do(t, "POST", ts.URL+"/api/v1/namespaces/lab/pods", "application/json", podJSON("p", nil))
	if st := status(t, b); code != http.StatusNotFound || st.Message != `namespaces "lab" not found` {
		t.Errorf("create in missing namespace: %d %s", code, b)
	}

	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces", "application/json", sample("Namespace", "lab"))
	for _, n := range []string{"a", "b"} {
		mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces/lab/pods", "application/json", podJSON(n, nil))
	}
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/apis/apps/v1/namespaces/lab/deployments", "application/json", sample("Deployment", "d"))
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces/default/pods", "application/json", podJSON("keep", nil))

	w := startWatch(t, ts.URL+"/api/v1/namespaces?watch=true&fieldSelector=metadata.name%3Dlab")
	w.expect(api.Added, "lab")
	ns := decodeInto[api.Namespace](t, mustDo(t, http.StatusOK, "DELETE", ts.URL+"/api/v1/namespaces/lab", "", ""))
	if ns.Status.Phase != "Terminating" || ns.DeletionTimestamp == nil {
		t.Errorf("deleted namespace: phase %q deletionTimestamp %v", ns.Status.Phase, ns.DeletionTimestamp)
	}
	// The namespace goes away once the namespace controller emptied it
	// (MODIFIED events for the phase and conditions first).
	for {
		ev, ok := w.next(false)
		if !ok {
			t.Fatal("watch closed")
		}
		if ev.Type == api.Deleted {
			break
		}
		if ev.Type != api.Modified {
			t.Fatalf("unexpected %s %s", ev.Type, ev.Object)
		}
	}
	for _, u := range []string{"/api/v1/namespaces/lab/pods", "/apis/apps/v1/namespaces/lab/deployments"} {
		l := decodeInto[api.List[map[string]any]](t, mustDo(t, http.StatusOK, "GET", ts.URL+u, "", ""))
		if len(l.Items) != 0 {
			t.Errorf("%s still has %d items", u, len(l.Items))
		}
	}
	mustDo(t, http.StatusNotFound, "GET", ts.URL+"/api/v1/namespaces/lab", "", "")
	mustDo(t, http.StatusOK, "GET", ts.URL+"/api/v1/namespaces/default/pods/keep", "", "")
}

func TestTerminatingNamespaceRejectsCreates(t *testing.T) {
	ts := testserver.Start(t)
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces", "application/json", sample("Namespace", "x"))
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces/x/pods", "application/json", podJSON("old", nil))
	// Mark it terminating with no namespace controller running: it stays
	// Terminating, with its content, across an apiserver restart, and
	// refuses new content.
	mustDo(t, http.StatusOK, "DELETE", ts.URL+"/api/v1/namespaces/x", "", "")
	ts.Restart(t)
	time.Sleep(200 * time.Millisecond)
	ns := decodeInto[api.Namespace](t, mustDo(t, http.StatusOK, "GET", ts.URL+"/api/v1/namespaces/x", "", ""))
	if ns.Status.Phase != "Terminating" {
		t.Fatalf("phase %q", ns.Status.Phase)
	}
	mustDo(t, http.StatusOK, "GET", ts.URL+"/api/v1/namespaces/x/pods/old", "", "")
	code, b := do(t, "POST", ts.URL+"/api/v1/namespaces/x/pods", "application/json", podJSON("p", nil))
	if code != http.StatusForbidden || !strings.Contains(string(b), "being terminated") {
		t.Errorf("create in terminating namespace: %d %s", code, b)
	}
	// The controller, started later, empties and removes it.
	startNamespaceController(t, ts.URL)
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _ := do(t, "GET", ts.URL+"/api/v1/namespaces/x", "", "")
		if code == http.StatusNotFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("namespace x still there after 10s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
