package kubectl

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"minik8s/pkg/api"
	"minik8s/pkg/remotecommand"
)

func TestExecArgs(t *testing.T) {
	tests := []struct {
		args    []string
		dash    int
		pod     string
		cmd     []string
		wantErr string
	}{
		{args: []string{"web", "ls", "-l"}, dash: 1, pod: "web", cmd: []string{"ls", "-l"}},
		{args: []string{"pod/web", "sh"}, dash: 1, pod: "web", cmd: []string{"sh"}},
		{args: []string{"pods/web", "sh"}, dash: 1, pod: "web", cmd: []string{"sh"}},
		{args: []string{"deploy/web", "sh"}, dash: 1, wantErr: "pods only"},
		{args: []string{"web", "ls"}, dash: -1, wantErr: "Use exec [POD] -- [COMMAND] instead"},
		{args: []string{"web"}, dash: 1, wantErr: "at least one command"},
		{args: []string{"web"}, dash: -1, wantErr: "at least one command"},
		{args: nil, dash: -1, wantErr: "pod, type/name or --filename must be specified"},
		{args: []string{"ls"}, dash: 0, wantErr: "pod name is required"},
		{args: []string{"a", "b", "ls"}, dash: 2, wantErr: "exactly one pod"},
	}
	for _, tt := range tests {
		pod, cmd, err := execArgs(tt.args, tt.dash)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("execArgs(%q, %d) err = %v, want %q", tt.args, tt.dash, err, tt.wantErr)
			}
			continue
		}
		if err != nil || pod != tt.pod || !reflect.DeepEqual(cmd, tt.cmd) {
			t.Errorf("execArgs(%q, %d) = %q %q %v", tt.args, tt.dash, pod, cmd, err)
		}
	}
}

func TestExecContainer(t *testing.T) {
	pod := func(phase string, ann string, names ...string) *api.Pod {
		p := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "web"}, Status: api.PodStatus{Phase: phase}}
		if ann != "" {
			p.Annotations = map[string]string{defaultContainerAnnotation: ann}
		}
		for _, n := range names {
			p.Spec.Containers = append(p.Spec.Containers, api.Container{Name: n})
		}
		return p
	}
	tests := []struct {
		name       string
		pod        *api.Pod
		flag       string
		want       string
		wantNotice string
		wantErr    string
	}{
		{name: "only", pod: pod(api.PodRunning, "", "app"), want: "app"},
		{name: "flag", pod: pod(api.PodRunning, "", "a", "b"), flag: "b", want: "b"},
		{name: "first with notice", pod: pod(api.PodRunning, "", "a", "b"), want: "a", wantNotice: `Defaulted container "a" out of: a, b`},
		{name: "annotation", pod: pod(api.PodRunning, "b", "a", "b"), want: "b"},
		{name: "stale annotation", pod: pod(api.PodRunning, "gone", "a", "b"), want: "a", wantNotice: `Defaulted container "a" out of: a, b`},
		{name: "completed", pod: pod(api.PodSucceeded, "", "a"), wantErr: "cannot exec into a container in a completed pod; current phase is Succeeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, notice, err := execContainer(tt.pod, tt.flag)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil || got != tt.want || notice != tt.wantNotice {
				t.Fatalf("got %q %q %v", got, notice, err)
			}
		})
	}
}

func TestExecError(t *testing.T) {
	var stderr strings.Builder
	err := execError(&stderr, &remotecommand.ExitError{Code: 42})
	var coded interface{ ExitCode() int }
	var rep *reportedError
	if !errors.As(err, &coded) || coded.ExitCode() != 42 || !errors.As(err, &rep) || stderr.String() != "command terminated with exit code 42\n" {
		t.Fatalf("exit 42: %v, stderr %q", err, stderr.String())
	}
	err = execError(&stderr, &remotecommand.HandshakeError{StatusCode: 400, Body: []byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","message":"container \"a\" is not running","reason":"BadRequest","code":400}`)})
	if err == nil || err.Error() != `unable to upgrade connection: container "a" is not running` {
		t.Fatalf("handshake: %v", err)
	}
	if execError(&stderr, nil) != nil {
		t.Fatal("nil error changed")
	}
}
