package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

func TestWatchFromResourceVersion(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/pods"
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("before", nil))
	list := decodeInto[api.List[api.Pod]](t, mustDo(t, http.StatusOK, "GET", coll, "", ""))

	w := startWatch(t, coll+"?watch=true&resourceVersion="+list.ResourceVersion)
	a := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("a", map[string]string{"x": "1"})))
	mustDo(t, http.StatusOK, "PATCH", coll+"/a", "application/merge-patch+json", `{"metadata":{"labels":{"x":"2"}}}`)
	mustDo(t, http.StatusOK, "DELETE", coll+"/a", "", "")

	got := w.expect(api.Added, "a")
	if got.ResourceVersion != a.ResourceVersion {
		t.Errorf("ADDED rv %s, want %s", got.ResourceVersion, a.ResourceVersion)
	}
	if got = w.expect(api.Modified, "a"); got.Labels["x"] != "2" {
		t.Errorf("MODIFIED labels %v", got.Labels)
	}
	del := w.expect(api.Deleted, "a")
	if r1, _ := strconv.Atoi(del.ResourceVersion); r1 <= 0 {
		t.Errorf("DELETED rv %q", del.ResourceVersion)
	}
	w.expectQuiet(300 * time.Millisecond)

	// resourceVersion unset: synthetic ADDED for the current state first.
	w2 := startWatch(t, coll+"?watch=1")
	w2.expect(api.Added, "before")
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("b", nil))
	w2.expect(api.Added, "b")
}

func TestWatchSelectorsAndSingleObject(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/pods"
	list := decodeInto[api.List[api.Pod]](t, mustDo(t, http.StatusOK, "GET", coll, "", ""))
	rv := list.ResourceVersion
	wl := startWatch(t, coll+"?watch=true&labelSelector=app%3Dweb&resourceVersion="+rv)
	wf := startWatch(t, coll+"?watch=true&fieldSelector=metadata.name%3Dp1&resourceVersion="+rv)
	wn := startWatch(t, ts.URL+"/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3Dn1&resourceVersion="+rv)

	mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("p0", map[string]string{"app": "db"}))
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("p1", map[string]string{"app": "db"}))
	// p1 starts matching app=web: ADDED; stops matching: DELETED.
	mustDo(t, http.StatusOK, "PATCH", coll+"/p1", "application/merge-patch+json", `{"metadata":{"labels":{"app":"web"}}}`)
	mustDo(t, http.StatusCreated, "POST", coll+"/p1/binding", "application/json", `{"metadata":{"name":"p1"},"target":{"name":"n1"}}`)
	mustDo(t, http.StatusOK, "PATCH", coll+"/p1", "application/merge-patch+json", `{"metadata":{"labels":{"app":"db"}}}`)
	// p1 is bound: only grace 0 removes it at once (a graceful delete marks it).
	mustDo(t, http.StatusOK, "DELETE", coll+"/p1", "application/json", `{"gracePeriodSeconds":0}`)

	wl.expect(api.Added, "p1")
	wl.expect(api.Modified, "p1") // binding
	wl.expect(api.Deleted, "p1")  // label no longer matches
	wl.expectQuiet(200 * time.Millisecond)

	wf.expect(api.Added, "p1")
	wf.expect(api.Modified, "p1")
	wf.expect(api.Modified, "p1")
	wf.expect(api.Modified, "p1")
	wf.expect(api.Deleted, "p1")

	wn.expect(api.Added, "p1") // bound to n1
	wn.expect(api.Modified, "p1")
	wn.expect(api.Deleted, "p1")
}

func TestWatchBookmarksAndTimeout(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/pods"
	p := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("p", nil)))
	w := startWatch(t, coll+"?watch=true&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion="+p.ResourceVersion)
	ev, ok := w.next(true)
	if !ok || ev.Type != api.Bookmark {
		t.Fatalf("want a BOOKMARK, got %v %s", ok, ev.Object)
	}
	var bm map[string]any
	json.Unmarshal(ev.Object, &bm)
	meta := bm["metadata"].(map[string]any)
	brv, _ := strconv.Atoi(fmt.Sprint(meta["resourceVersion"]))
	prv, _ := strconv.Atoi(p.ResourceVersion)
	if bm["kind"] != "Pod" || brv < prv || meta["name"] != nil {
		t.Errorf("bookmark object %s", ev.Object)
	}
	// timeoutSeconds ends the stream.
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-w.events:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("watch did not end after timeoutSeconds")
		}
	}
}

func TestWatchResumesAcrossRestart(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/pods"
	w := startWatch(t, coll+"?watch=true")
	var lastRV string
	for i := 0; i < 3; i++ {
		mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON(fmt.Sprintf("p%d", i), nil))
		lastRV = w.expect(api.Added, fmt.Sprintf("p%d", i)).ResourceVersion
	}
	w.stop()
	ts.Restart(t)
	// Changes made while nobody watches, after the last event seen.
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("p3", nil))
	mustDo(t, http.StatusOK, "DELETE", coll+"/p0", "", "")

	w = startWatch(t, coll+"?watch=true&resourceVersion="+lastRV)
	w.expect(api.Added, "p3")
	w.expect(api.Deleted, "p0")
	w.expectQuiet(300 * time.Millisecond) // nothing repeated

	// Data survived the restart.
	l := decodeInto[api.List[api.Pod]](t, mustDo(t, http.StatusOK, "GET", coll, "", ""))
	if len(l.Items) != 3 {
		t.Errorf("after restart: %d pods, want 3", len(l.Items))
	}
}

func TestWatchGoneAfterCompaction(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/pods"
	p := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("p", nil)))
	mustDo(t, http.StatusOK, "PATCH", coll+"/p", "application/merge-patch+json", `{"metadata":{"labels":{"a":"b"}}}`)
	mustDo(t, http.StatusOK, "PATCH", coll+"/p", "application/merge-patch+json", `{"metadata":{"labels":{"a":"c"}}}`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rev, err := ts.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, coll+"?watch=true&resourceVersion="+p.ResourceVersion)
	ev, ok := w.next(false)
	if !ok || ev.Type != api.Error {
		t.Fatalf("want ERROR event, got %v %s %s", ok, ev.Type, ev.Object)
	}
	st := decodeInto[api.Status](t, ev.Object)
	if st.Code != http.StatusGone || st.Reason != "Gone" || st.Kind != "Status" {
		t.Errorf("error event %s", ev.Object)
	}
	if _, ok := w.next(false); ok {
		t.Error("stream continues after the ERROR event")
	}
	// A fresh watch from the current revision works.
	w = startWatch(t, coll+"?watch=true&resourceVersion="+strconv.FormatInt(rev, 10))
	mustDo(t, http.StatusOK, "DELETE", coll+"/p", "", "")
	w.expect(api.Deleted, "p")
}
