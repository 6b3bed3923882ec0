package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"minik8s/pkg/api"
)

// fakeServer records requests and answers with canned handlers.
type fakeServer struct {
	t    *testing.T
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []string // "METHOD path?query content-type body"
	h    http.HandlerFunc
}

func newFake(t *testing.T, h http.HandlerFunc) (*fakeServer, *Client) {
	t.Helper()
	f := &fakeServer{t: t, h: h}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, fmt.Sprintf("%s %s %s %s", r.Method, r.URL.RequestURI(), r.Header.Get("Content-Type"), body))
		f.mu.Unlock()
		f.h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	c, err := New(&Config{Server: f.srv.URL, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func (f *fakeServer) last() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reqs[len(f.reqs)-1]
}

func writeStatus(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(api.Status{TypeMeta: api.TypeMeta{APIVersion: "v1", Kind: "Status"}, Status: "Failure", Reason: reason, Message: msg, Code: int32(code)})
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		code            int
		reason          string
		body            string
		notFound, exist bool
		conflict, gone  bool
		invalid         bool
		wantMsg         string
	}{
		{code: 404, reason: "NotFound", notFound: true, wantMsg: `pods "x" not found`},
		{code: 409, reason: "AlreadyExists", exist: true, wantMsg: `pods "x" already exists`},
		{code: 409, reason: "Conflict", conflict: true, wantMsg: "conflict"},
		{code: 410, reason: "Expired", gone: true, wantMsg: "too old resource version"},
		{code: 422, reason: "Invalid", invalid: true, wantMsg: "spec.containers: Required value"},
		{code: 404, body: "404 page not found", notFound: true, wantMsg: "404 page not found"},
		{code: 500, body: "", wantMsg: "status 500"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code, tt.reason), func(t *testing.T) {
			_, c := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.reason != "" {
					writeStatus(w, tt.code, tt.reason, tt.wantMsg)
					return
				}
				w.WriteHeader(tt.code)
				io.WriteString(w, tt.body)
			})
			_, err := c.Pods("default").Get(context.Background(), "x")
			if err == nil {
				t.Fatal("no error")
			}
			got := [5]bool{IsNotFound(err), IsAlreadyExists(err), IsConflict(err), IsGone(err), IsInvalid(err)}
			want := [5]bool{tt.notFound, tt.exist, tt.conflict, tt.gone, tt.invalid}
			if got != want {
				t.Fatalf("predicates %v, want %v (err %v)", got, want, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("message %q lacks %q", err.Error(), tt.wantMsg)
			}
			st, ok := AsStatus(fmt.Errorf("wrapped: %w", err))
			if !ok || int(st.Code) != tt.code {
				t.Fatalf("AsStatus through wrap: %v %v", st, ok)
			}
		})
	}
}

func TestRequests(t *testing.T) {
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns1","resourceVersion":"7"},"spec":{"containers":[{"name":"c","image":"i"}]}}`
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/pods"):
			io.WriteString(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"42"},"items":[`+pod+`,{"metadata":{"name":"q","namespace":"ns1"}}]}`)
		case r.Method == http.MethodDelete:
			io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Success"}`)
		default:
			io.WriteString(w, pod)
		}
	})
	ctx := context.Background()
	pods := c.Pods("ns1")

	list, rv, err := pods.List(ctx, ListOptions{LabelSelector: "app=web", FieldSelector: "spec.nodeName=n1"})
	if err != nil {
		t.Fatal(err)
	}
	if rv != "42" || len(list) != 2 || list[1].Name != "q" || list[1].Kind != "Pod" || list[1].APIVersion != "v1" {
		t.Fatalf("list: rv %q items %+v", rv, list)
	}
	if got := f.last(); !strings.HasPrefix(got, "GET /api/v1/namespaces/ns1/pods?fieldSelector=spec.nodeName%3Dn1&labelSelector=app%3Dweb ") {
		t.Fatalf("list request: %s", got)
	}

	p := list[0]
	if _, err := pods.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got := f.last(); !strings.HasPrefix(got, "POST /api/v1/namespaces/ns1/pods application/json {") {
		t.Fatalf("create request: %s", got)
	}
	if _, err := pods.UpdateStatus(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got := f.last(); !strings.HasPrefix(got, "PUT /api/v1/namespaces/ns1/pods/p/status ") || !strings.Contains(got, `"resourceVersion":"7"`) {
		t.Fatalf("update status request: %s", got)
	}
	if _, err := pods.Patch(ctx, "p", MergePatchType, []byte(`{"metadata":{"labels":{"a":"b"}}}`)); err != nil {
		t.Fatal(err)
	}
	if got := f.last(); got != `PATCH /api/v1/namespaces/ns1/pods/p application/merge-patch+json {"metadata":{"labels":{"a":"b"}}}` {
		t.Fatalf("patch request: %s", got)
	}
	if err := pods.Delete(ctx, "p", nil); err != nil {
		t.Fatal(err)
	}
	if got := f.last(); got != "DELETE /api/v1/namespaces/ns1/pods/p  " {
		t.Fatalf("delete request: %q", got)
	}
	if err := c.Bind(ctx, "ns1", "p", "node-1"); err != nil {
		t.Fatal(err)
	}
	if got := f.last(); !strings.HasPrefix(got, "POST /api/v1/namespaces/ns1/pods/p/binding ") || !strings.Contains(got, `"target":{"kind":"Node","name":"node-1","apiVersion":"v1"}`) {
		t.Fatalf("bind request: %s", got)
	}
	if _, _, err := c.Deployments("").List(ctx, ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.last(); !strings.HasPrefix(got, "GET /apis/apps/v1/deployments ") {
		t.Fatalf("all-namespace list: %s", got)
	}
	if _, err := c.Do(ctx, http.MethodGet, "/api/v1/nodes?labelSelector=a%3Db", nil, map[string]string{"Accept": TableAccept}); err != nil {
		t.Fatal(err)
	}
	if got := f.last(); !strings.HasPrefix(got, "GET /api/v1/nodes?labelSelector=a%3Db ") {
		t.Fatalf("raw request: %s", got)
	}
}

func TestWatchStream(t *testing.T) {
	f, c := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("resourceVersion") == "1" {
			writeStatus(w, http.StatusGone, "Expired", "too old resource version: 1 (5)")
			return
		}
		fl := w.(http.Flusher)
		io.WriteString(w, `{"type":"ADDED","object":{"metadata":{"name":"a","namespace":"d","resourceVersion":"6"}}}`+"\n")
		fl.Flush()
		io.WriteString(w, `{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"9"}}}`+"\n")
		io.WriteString(w, `{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Expired","code":410,"message":"gone"}}`+"\n")
	})
	ctx := context.Background()
	if _, err := c.Pods("d").Watch(ctx, ListOptions{ResourceVersion: "1"}); !IsGone(err) {
		t.Fatalf("watch from compacted rv: err %v, want Gone", err)
	}
	w, err := c.Pods("d").Watch(ctx, ListOptions{ResourceVersion: "5", AllowWatchBookmarks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	if got := f.last(); !strings.HasPrefix(got, "GET /api/v1/namespaces/d/pods?allowWatchBookmarks=true&resourceVersion=5&watch=true ") {
		t.Fatalf("watch request: %s", got)
	}
	var got []string
	for ev := range w.ResultChan() {
		s := ev.Type
		if ev.Object != nil {
			s += " " + ev.Object.GetObjectMeta().Name + "@" + ev.Object.GetObjectMeta().ResourceVersion + " " + ev.Object.GetTypeMeta().Kind
		}
		if err := ev.Err(); err != nil {
			s += fmt.Sprintf(" gone=%v", IsGone(err))
		}
		got = append(got, s)
	}
	want := []string{"ADDED a@6 Pod", "BOOKMARK @9 Pod", "ERROR gone=true"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("events %q, want %q", got, want)
	}
}

func TestWatchStopUnblocks(t *testing.T) {
	release := make(chan struct{})
	_, c := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	w, err := c.Nodes().Watch(context.Background(), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Stop()
	select {
	case _, ok := <-w.ResultChan():
		if ok {
			t.Fatal("unexpected event")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("channel not closed after Stop")
	}
}
