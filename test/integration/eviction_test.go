package integration

import (
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

func evictionJSON(name, deleteOptions string) string {
	s := `{"apiVersion":"policy/v1","kind":"Eviction","metadata":{"name":"` + name + `","namespace":"default"}`
	if deleteOptions != "" {
		s += `,"deleteOptions":` + deleteOptions
	}
	return s + "}"
}

func hasCondition(p api.Pod, typ, reason string) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == typ && c.Status == api.ConditionTrue && c.Reason == reason {
			return true
		}
	}
	return false
}

// TestPodEviction: POST pods/{name}/eviction deletes the pod with the
// eviction's deleteOptions (graceful for a bound pod), answers 201 with a
// Success Status, and is discoverable as policy/v1 Eviction (what kubectl
// drain looks for).
func TestPodEviction(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"

	// Discovery: pods/eviction, kind Eviction of policy/v1, verb create.
	disc := decodeInto[metav1.APIResourceList](t, mustDo(t, http.StatusOK, "GET", ts.URL+"/api/v1", "", ""))
	found := false
	for _, r := range disc.APIResources {
		if r.Name == "pods/eviction" {
			found = true
			if r.Kind != "Eviction" || r.Group != "policy" || r.Version != "v1" || strings.Join(r.Verbs, ",") != "create" {
				t.Errorf("pods/eviction discovery: %+v", r)
			}
		}
	}
	if !found {
		t.Fatal("pods/eviction is not in /api/v1's discovery")
	}

	// A bound running pod: eviction marks it terminating with its grace period.
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", boundPodJSON("graceful", 20))
	st := status(t, mustDo(t, http.StatusCreated, "POST", pods+"/graceful/eviction", "application/json", evictionJSON("graceful", "")))
	if st.Status != "Success" || st.Code != http.StatusCreated || st.Kind != "Status" {
		t.Fatalf("eviction answered %+v", st)
	}
	p := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", pods+"/graceful", "", ""))
	if p.DeletionTimestamp == nil || p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 20 {
		t.Fatalf("evicted pod not terminating with grace 20: %+v", p.ObjectMeta)
	}
	if !hasCondition(p, "DisruptionTarget", "EvictionByEvictionAPI") {
		t.Errorf("evicted pod lacks the DisruptionTarget condition: %+v", p.Status.Conditions)
	}
	// Evicting a pod already terminating is OK and changes nothing.
	st = status(t, mustDo(t, http.StatusCreated, "POST", pods+"/graceful/eviction", "application/json", evictionJSON("graceful", "")))
	if st.Status != "Success" {
		t.Fatalf("second eviction answered %+v", st)
	}
	p2 := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", pods+"/graceful", "", ""))
	if *p2.DeletionGracePeriodSeconds != 20 || !p2.DeletionTimestamp.Equal(p.DeletionTimestamp.Time) {
		t.Fatalf("second eviction changed the deletion: %+v", p2.ObjectMeta)
	}

	// deleteOptions are honoured: grace 0 removes the pod at once.
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", boundPodJSON("now", 30))
	mustDo(t, http.StatusCreated, "POST", pods+"/now/eviction", "application/json", evictionJSON("now", `{"gracePeriodSeconds":0}`))
	mustDo(t, http.StatusNotFound, "GET", pods+"/now", "", "")

	// An unbound pod is deleted at once (nothing to stop).
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", podJSON("pending", nil))
	mustDo(t, http.StatusCreated, "POST", pods+"/pending/eviction", "application/json", evictionJSON("pending", ""))
	mustDo(t, http.StatusNotFound, "GET", pods+"/pending", "", "")

	// Dry run (query or body) leaves the pod alone.
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", boundPodJSON("dry", 30))
	mustDo(t, http.StatusCreated, "POST", pods+"/dry/eviction?dryRun=All", "application/json", evictionJSON("dry", ""))
	mustDo(t, http.StatusCreated, "POST", pods+"/dry/eviction", "application/json", evictionJSON("dry", `{"dryRun":["All"]}`))
	p = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", pods+"/dry", "", ""))
	if p.DeletionTimestamp != nil || hasCondition(p, "DisruptionTarget", "EvictionByEvictionAPI") {
		t.Fatalf("dry-run eviction changed the pod: %+v %+v", p.ObjectMeta, p.Status.Conditions)
	}

	// Errors: a missing pod is 404, a name mismatch 400, a stale UID precondition 409.
	st = status(t, mustDo(t, http.StatusNotFound, "POST", pods+"/missing/eviction", "application/json", evictionJSON("missing", "")))
	if st.Reason != "NotFound" || st.Message != `pods "missing" not found` {
		t.Errorf("missing pod: %+v", st)
	}
	st = status(t, mustDo(t, http.StatusBadRequest, "POST", pods+"/dry/eviction", "application/json", evictionJSON("other", "")))
	if st.Message != "name in URL does not match name in Eviction object" {
		t.Errorf("name mismatch: %+v", st)
	}
	mustDo(t, http.StatusConflict, "POST", pods+"/dry/eviction", "application/json", evictionJSON("dry", `{"preconditions":{"uid":"nope"}}`))
	mustDo(t, http.StatusBadRequest, "POST", pods+"/dry/eviction", "application/json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"dry"}}`)
	mustDo(t, http.StatusMethodNotAllowed, "GET", pods+"/dry/eviction", "", "")
}
