package apiserver

import (
	"github.com/gin-gonic/gin"

	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"minik8s/pkg/api"
)

func TestIsPodExec(t *testing.T) {
	for path, want := range map[string]bool{
		"/api/v1/namespaces/default/pods/web/exec":     true,
		"/api/v1/namespaces/default/pods/exec":         false, // a pod named exec
		"/api/v1/namespaces/default/pods/web/log":      false,
		"/api/v1/namespaces/default/services/x/exec":   false,
		"/apis/apps/v1/namespaces/default/pods/x/exec": false,
		"/api/v1/namespaces/default/pods/web/exec/x":   false,
	} {
		if got := isPodExec(path); got != want {
			t.Errorf("isPodExec(%q) = %v", path, got)
		}
	}
}

func TestPodExecTarget(t *testing.T) {
	pod := func(phase string, node string, names ...string) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "web"}, Spec: api.PodSpec{NodeName: node}, Status: api.PodStatus{Phase: phase}}
		for _, n := range names {
			p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: n})
		}
		return p
	}
	tests := []struct {
		name      string
		pod       *api.Pod
		container string
		want      string
		wantErr   string
	}{
		{name: "the only container", pod: pod(api.PodRunning, "n1", "app"), want: "app"},
		{name: "named", pod: pod(api.PodRunning, "n1", "a", "b"), container: "b", want: "b"},
		{name: "must choose", pod: pod(api.PodRunning, "n1", "a", "b"), wantErr: "a container name must be specified for pod web, choose one of: [a b]"},
		{name: "unknown", pod: pod(api.PodRunning, "n1", "a"), container: "x", wantErr: "container x is not valid for pod web"},
		{name: "completed", pod: pod(api.PodSucceeded, "n1", "a"), wantErr: "cannot exec into a container in a completed pod; current phase is Succeeded"},
		{name: "failed", pod: pod(api.PodFailed, "n1", "a"), wantErr: "current phase is Failed"},
		{name: "unbound", pod: pod(api.PodPending, "", "a"), wantErr: "pod web does not have a host assigned"},
		{name: "pending", pod: pod("", "n1", "a"), wantErr: "pod web is not running; current phase is Pending"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := podExecTarget(tt.pod, tt.container)
			if tt.wantErr != "" {
				se, ok := err.(*statusError)
				if !ok || se.status.Code != 400 || !strings.Contains(se.status.Message, tt.wantErr) {
					t.Fatalf("err = %v, want 400 %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestKubeletError(t *testing.T) {
	for _, tt := range []struct {
		code       int
		msg        string
		wantCode   int32
		wantReason string
	}{
		{404, "pod default/web not found on this node", 404, reasonNotFound},
		{400, `container "a" in pod "web" is not running`, 400, reasonBadRequest},
		{500, "boom", 500, reasonInternal},
		{200, "", 502, reasonInternal},
	} {
		se := kubeletError(tt.code, tt.msg).(*statusError)
		if se.status.Code != tt.wantCode || se.status.Reason != tt.wantReason || se.status.Message == "" {
			t.Errorf("kubeletError(%d, %q) = %+v", tt.code, tt.msg, se.status)
		}
	}
}

// TestAccessLogHijack: with --access-log the response writer is wrapped,
// and gin wraps it again; exec still hijacks the connection through both.
func TestAccessLogHijack(t *testing.T) {
	e := gin.New()
	e.GET("/exec", func(ctx *gin.Context) {
		c, buf, err := http.NewResponseController(ctx.Writer).Hijack()
		if err != nil {
			http.Error(ctx.Writer, err.Error(), http.StatusInternalServerError)
			return
		}
		defer c.Close()
		_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		_ = buf.Flush()
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.ServeHTTP(&logWriter{ResponseWriter: w, code: 200}, r)
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/exec")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != "hijacked" {
		t.Fatalf("%d %q", resp.StatusCode, b)
	}
}

func TestIsFollowedLog(t *testing.T) {
	for url, want := range map[string]bool{
		"/api/v1/namespaces/default/pods/web/log?follow=true":  true,
		"/api/v1/namespaces/default/pods/web/log":              false,
		"/api/v1/namespaces/default/pods/web/log?follow=0":     false,
		"/api/v1/namespaces/default/services/web/log?follow=1": false,
	} {
		r := httptest.NewRequest("GET", url, nil)
		if got := isFollowedLog(r, r.URL.Path); got != want {
			t.Errorf("%s: %v, want %v", url, got, want)
		}
	}
}
