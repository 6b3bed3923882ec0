package integration

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// boundPodJSON is a pod already on node n1 with the given grace period.
func boundPodJSON(name string, grace int) string {
	return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"` + name + `"},"spec":{"nodeName":"n1",` +
		`"terminationGracePeriodSeconds":` + itoa(grace) + `,"containers":[{"name":"c","image":"busybox"}]}}`
}

func itoa(i int) string { return strconv.Itoa(i) }

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGracefulPodDeletion(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", boundPodJSON("bound", 20))
	w := startWatch(t, pods+"?watch=true&resourceVersion=0")
	w.expect(api.Added, "bound")

	// A bound, running pod: DELETE only marks it (200 with the object, MODIFIED).
	before := time.Now().UTC().Truncate(time.Second)
	p := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "DELETE", pods+"/bound", "", ""))
	if p.DeletionTimestamp == nil || p.DeletionGracePeriodSeconds == nil || *p.DeletionGracePeriodSeconds != 20 {
		t.Fatalf("graceful delete did not mark the pod: %+v", p.ObjectMeta)
	}
	if dt := p.DeletionTimestamp.Time; dt.Before(before.Add(19*time.Second)) || dt.After(time.Now().Add(21*time.Second)) {
		t.Fatalf("deletionTimestamp %v is not now+20s", dt)
	}
	mod := w.expect(api.Modified, "bound")
	if mod.DeletionTimestamp == nil {
		t.Fatal("MODIFIED event without deletionTimestamp")
	}
	got := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", pods+"/bound", "", ""))
	if got.DeletionTimestamp == nil {
		t.Fatal("the pod must still exist, marked for deletion")
	}

	// A longer grace period does not extend it; a shorter one shortens it.
	p = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "DELETE", pods+"/bound", "application/json", `{"gracePeriodSeconds":60}`))
	if *p.DeletionGracePeriodSeconds != 20 {
		t.Fatalf("grace extended to %d", *p.DeletionGracePeriodSeconds)
	}
	p = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "DELETE", pods+"/bound", "application/json", `{"gracePeriodSeconds":5}`))
	if *p.DeletionGracePeriodSeconds != 5 {
		t.Fatalf("grace not shortened: %d", *p.DeletionGracePeriodSeconds)
	}
	w.expect(api.Modified, "bound")

	// Status updates (the kubelet's) keep the deletion marks.
	got = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", pods+"/bound", "", ""))
	got.Status.Phase = api.PodRunning
	upd := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "PUT", pods+"/bound/status", "application/json", string(mustJSON(t, got))))
	if upd.DeletionTimestamp == nil || *upd.DeletionGracePeriodSeconds != 5 {
		t.Fatalf("status update lost the deletion marks: %+v", upd.ObjectMeta)
	}
	w.expect(api.Modified, "bound")

	// The kubelet's final delete: grace 0 with a wrong UID is refused, with the right one removes it.
	code, b := do(t, "DELETE", pods+"/bound", "application/json", `{"gracePeriodSeconds":0,"preconditions":{"uid":"nope"}}`)
	if code != http.StatusConflict {
		t.Fatalf("wrong uid precondition: %d %s", code, b)
	}
	mustDo(t, http.StatusOK, "DELETE", pods+"/bound", "application/json", `{"gracePeriodSeconds":0,"preconditions":{"uid":"`+got.UID+`"}}`)
	w.expect(api.Deleted, "bound")
	mustDo(t, http.StatusNotFound, "GET", pods+"/bound", "", "")
}

func TestImmediatePodDeletion(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	cases := []struct {
		name, body, query, opts string
		phase                   string
	}{
		{name: "unbound", body: podJSON("unbound", nil)},
		{name: "force", body: boundPodJSON("force", 30), opts: `{"gracePeriodSeconds":0}`},
		{name: "query-zero", body: boundPodJSON("query-zero", 30), query: "?gracePeriodSeconds=0"},
		{name: "zero-grace-spec", body: boundPodJSON("zero-grace-spec", 0)},
		{name: "succeeded", body: boundPodJSON("succeeded", 30), phase: api.PodSucceeded},
		{name: "failed", body: boundPodJSON("failed", 30), phase: api.PodFailed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", pods, "application/json", c.body))
			if c.phase != "" {
				p.Status.Phase = c.phase
				mustDo(t, http.StatusOK, "PUT", pods+"/"+c.name+"/status", "application/json", string(mustJSON(t, p)))
			}
			ct := ""
			if c.opts != "" {
				ct = "application/json"
			}
			d := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "DELETE", pods+"/"+c.name+c.query, ct, c.opts))
			if d.Name != c.name {
				t.Fatalf("DELETE answered %+v", d.ObjectMeta)
			}
			mustDo(t, http.StatusNotFound, "GET", pods+"/"+c.name, "", "")
		})
	}
}

func TestDeleteCollectionOfPodsIsGraceful(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", boundPodJSON("b1", 30))
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", podJSON("u1", nil))
	mustDo(t, http.StatusOK, "DELETE", pods, "", "")
	mustDo(t, http.StatusNotFound, "GET", pods+"/u1", "", "")
	p := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", pods+"/b1", "", ""))
	if p.DeletionTimestamp == nil || *p.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("bound pod not marked: %+v", p.ObjectMeta)
	}
}
