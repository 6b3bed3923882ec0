package prober

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/intstr"

	"minik8s/pkg/api"
)

func loopbackPort(t *testing.T, url string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

func TestNetRunnerHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			if r.Header.Get("X-Custom") != "yes" || !strings.HasPrefix(r.UserAgent(), "kube-probe/") {
				w.WriteHeader(400)
				return
			}
			w.Write([]byte("fine"))
		case "/redirect":
			w.WriteHeader(302)
		case "/slow":
			time.Sleep(1500 * time.Millisecond)
		default:
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	port := loopbackPort(t, srv.URL)
	c := &api.Container{Name: "c", Ports: []api.ContainerPort{{Name: "http", ContainerPort: int32(port)}}}
	target := Target{Container: c, PodIP: "127.0.0.1"}
	r := &NetRunner{}
	tests := []struct {
		name    string
		get     api.HTTPGetAction
		want    Result
		wantMsg string
	}{
		{"2xx succeeds, headers sent", api.HTTPGetAction{Path: "/ok", Port: intstr.FromInt32(int32(port)),
			HTTPHeaders: []api.HTTPHeader{{Name: "X-Custom", Value: "yes"}}}, Success, "fine"},
		{"named port", api.HTTPGetAction{Path: "/redirect", Port: intstr.FromString("http")}, Success, ""},
		{"500 fails", api.HTTPGetAction{Path: "/healthz", Port: intstr.FromInt32(int32(port))}, Failure,
			"HTTP probe failed with statuscode: 500"},
		{"timeout fails", api.HTTPGetAction{Path: "/slow", Port: intstr.FromInt32(int32(port))}, Failure, "deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, msg, err := r.Run(context.Background(), &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &tt.get}}, target)
			if err != nil {
				t.Fatal(err)
			}
			if res != tt.want || !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("got %s %q, want %s containing %q", res, msg, tt.want, tt.wantMsg)
			}
		})
	}
	// An unknown named port is an error: the result is thrown away.
	if _, _, err := r.Run(context.Background(), &api.Probe{ProbeHandler: api.ProbeHandler{HTTPGet: &api.HTTPGetAction{Port: intstr.FromString("nope")}}}, target); err == nil {
		t.Error("unknown named port: no error")
	}
}

func TestNetRunnerTCP(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	r := &NetRunner{}
	target := Target{Container: &api.Container{Name: "c"}, PodIP: "10.244.0.9"} // the probe's host wins
	probe := &api.Probe{ProbeHandler: api.ProbeHandler{TCPSocket: &api.TCPSocketAction{Host: "127.0.0.1", Port: intstr.FromInt32(int32(port))}}}
	if res, msg, err := r.Run(context.Background(), probe, target); err != nil || res != Success {
		t.Errorf("open port: %s %q %v", res, msg, err)
	}
	ln.Close()
	if res, msg, err := r.Run(context.Background(), probe, target); err != nil || res != Failure || !strings.Contains(msg, "connection refused") {
		t.Errorf("closed port: %s %q %v", res, msg, err)
	}
}

func TestNetRunnerExec(t *testing.T) {
	var gotID string
	var gotCmd []string
	r := &NetRunner{Exec: func(ctx context.Context, id string, cmd []string) ([]byte, int, error) {
		gotID, gotCmd = id, cmd
		switch cmd[0] {
		case "fail":
			return []byte("cat: /tmp/healthy: No such file or directory\n"), 1, nil
		case "hang":
			<-ctx.Done()
			return nil, -1, ctx.Err()
		}
		return []byte("ok"), 0, nil
	}}
	target := Target{Container: &api.Container{Name: "c"}, ContainerID: "abc"}
	run := func(cmd ...string) (Result, string, error) {
		return r.Run(context.Background(), &api.Probe{ProbeHandler: api.ProbeHandler{Exec: &api.ExecAction{Command: cmd}}}, target)
	}
	if res, _, err := run("true"); err != nil || res != Success || gotID != "abc" || gotCmd[0] != "true" {
		t.Errorf("exit 0: %s %v (id %s cmd %v)", res, err, gotID, gotCmd)
	}
	if res, msg, err := run("fail"); err != nil || res != Failure || !strings.Contains(msg, "No such file") {
		t.Errorf("exit 1: %s %q %v", res, msg, err)
	}
	if res, msg, err := run("hang", "x"); err != nil || res != Failure || msg != `command "hang x" timed out` {
		t.Errorf("timeout: %s %q %v", res, msg, err)
	}
}
