package apiserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"minik8s/apiserver/request"
	"minik8s/pkg/api"
	"minik8s/pkg/auth/user"
)

func TestInflightLimiter(t *testing.T) {
	get := &request.RequestInfo{IsResourceRequest: true, Verb: "get", Resource: "pods"}
	list := &request.RequestInfo{IsResourceRequest: true, Verb: "list", Resource: "pods"}
	create := &request.RequestInfo{IsResourceRequest: true, Verb: "create", Resource: "pods"}
	watch := &request.RequestInfo{IsResourceRequest: true, Verb: "watch", Resource: "pods"}
	exec := &request.RequestInfo{IsResourceRequest: true, Verb: "create", Resource: "pods", Subresource: "exec"}
	followLog := &request.RequestInfo{IsResourceRequest: true, Verb: "get", Resource: "pods", Subresource: "log"}
	healthz := &request.RequestInfo{Verb: "get", Path: "/healthz"}
	postNonResource := &request.RequestInfo{Verb: "post", Path: "/x"}
	alice := &user.Info{Name: "alice", Groups: []string{user.AllAuthenticated}}
	admin := &user.Info{Name: "admin", Groups: []string{user.SystemPrivilegedGroup, user.AllAuthenticated}}

	tests := []struct {
		name               string
		readOnly, mutating int
		held               []*request.RequestInfo // admitted first, not released
		req                *request.RequestInfo
		u                  *user.Info
		want               bool
	}{
		{"read-only under the limit", 2, 1, []*request.RequestInfo{get}, list, alice, true},
		{"read-only at the limit", 2, 1, []*request.RequestInfo{get, list}, get, alice, false},
		{"non-resource GET counts as read-only", 1, 1, []*request.RequestInfo{get}, healthz, alice, false},
		{"mutating has its own limit", 1, 1, []*request.RequestInfo{get}, create, alice, true},
		{"mutating at the limit", 1, 1, []*request.RequestInfo{create}, create, alice, false},
		{"non-resource POST is mutating", 5, 1, []*request.RequestInfo{create}, postNonResource, alice, false},
		{"watch is not counted", 1, 1, []*request.RequestInfo{get}, watch, alice, true},
		{"exec is not counted", 1, 1, []*request.RequestInfo{create}, exec, alice, true},
		{"log is not counted", 1, 1, []*request.RequestInfo{get}, followLog, alice, true},
		{"watches do not take slots", 1, 1, []*request.RequestInfo{watch, watch}, get, alice, true},
		{"system:masters is served over the limit", 1, 1, []*request.RequestInfo{get}, get, admin, true},
		{"no limit", 0, 0, []*request.RequestInfo{get, create}, get, alice, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newInflightLimiter(tt.readOnly, tt.mutating)
			for _, h := range tt.held {
				if _, ok := l.admit(h, alice); !ok {
					t.Fatalf("setup: %s refused", h.Verb)
				}
			}
			release, ok := l.admit(tt.req, tt.u)
			if ok != tt.want {
				t.Fatalf("admit = %v, want %v", ok, tt.want)
			}
			if ok {
				release()
			}
		})
	}
}

func TestInflightRelease(t *testing.T) {
	l := newInflightLimiter(1, 1)
	get := &request.RequestInfo{Verb: "get"}
	release, ok := l.admit(get, nil)
	if !ok {
		t.Fatal("first request refused")
	}
	if _, ok := l.admit(get, nil); ok {
		t.Fatal("second request admitted over the limit of 1")
	}
	release()
	if _, ok := l.admit(get, nil); !ok {
		t.Fatal("request refused after the slot was released")
	}
}

// The answer over the limit is Kubernetes': 429, Retry-After: 1, a Status
// with reason TooManyRequests and its message.
func TestWriteTooManyRequests(t *testing.T) {
	rec := httptest.NewRecorder()
	writeTooManyRequests(rec)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("code %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	var st api.Status
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil {
		t.Fatal(err)
	}
	if st.Kind != "Status" || st.Reason != "TooManyRequests" || st.Message != "Too many requests, please try again later." ||
		st.Code != 429 || st.Details == nil || st.Details.RetryAfterSeconds != 1 {
		t.Errorf("status %+v", st)
	}
}
