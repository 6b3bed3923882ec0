package remotecommand

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name    string
		query   string
		want    Options
		wantErr string
	}{
		{name: "kubectl exec -i", query: "command=sh&command=-c&command=cat&container=c&stdin=true&stdout=true&stderr=true&tty=false",
			want: Options{Command: []string{"sh", "-c", "cat"}, Container: "c", Stdin: true, Stdout: true, Stderr: true}},
		{name: "tty drops stderr", query: "command=sh&stdin=true&stdout=true&stderr=true&tty=true",
			want: Options{Command: []string{"sh"}, Stdin: true, Stdout: true, TTY: true}},
		{name: "absent means false", query: "command=ls&stdout=1",
			want: Options{Command: []string{"ls"}, Stdout: true}},
		{name: "no command", query: "stdout=true", wantErr: "at least 1 command"},
		{name: "no stream", query: "command=ls", wantErr: "at least 1 of stdin, stdout, stderr"},
		{name: "bad bool", query: "command=ls&stdout=yes", wantErr: `invalid stdout="yes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ParseOptions(q)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			back, err := ParseOptions(got.Query())
			if err != nil || !reflect.DeepEqual(back, got) {
				t.Fatalf("round trip of %q: %+v, %v", got.Query().Encode(), back, err)
			}
		})
	}
}

func TestFrames(t *testing.T) {
	msg := Frame(ChannelStderr, []byte("oops"))
	if string(msg) != "\x02oops" {
		t.Fatalf("frame = %q", msg)
	}
	ch, data, err := ParseFrame(msg)
	if err != nil || ch != ChannelStderr || string(data) != "oops" {
		t.Fatalf("parse = %d %q %v", ch, data, err)
	}
	if ch, data, err := ParseFrame([]byte{ChannelStdout}); err != nil || ch != ChannelStdout || len(data) != 0 {
		t.Fatalf("channel byte only = %d %q %v", ch, data, err)
	}
	if _, _, err := ParseFrame(nil); err == nil {
		t.Fatal("empty message parsed")
	}
	if c := CloseFrame(ChannelStdin); len(c) != 2 || c[0] != 255 || c[1] != 0 {
		t.Fatalf("close frame = %v", c)
	}
}

func TestExitStatusWire(t *testing.T) {
	b, _ := json.Marshal(ExitStatus(0, nil))
	if string(b) != `{"metadata":{},"status":"Success"}` {
		t.Fatalf("success = %s", b)
	}
	b, _ = json.Marshal(ExitStatus(3, nil))
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	causes := m["details"].(map[string]any)["causes"].([]any)
	cause := causes[0].(map[string]any)
	if m["status"] != "Failure" || m["reason"] != "NonZeroExitCode" || cause["reason"] != "ExitCode" || cause["message"] != "3" {
		t.Fatalf("exit 3 = %s", b)
	}
}

func TestDecodeStatus(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		wantCode int
		wantErr  string
	}{
		{name: "nothing", data: "", wantCode: 0},
		{name: "success", data: `{"metadata":{},"status":"Success"}`, wantCode: 0},
		{name: "kubelet exit 3", data: `{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}`, wantCode: 3},
		{name: "ours 255", data: mustJSON(t, ExitStatus(255, nil)), wantCode: 255},
		{name: "internal", data: mustJSON(t, ExitStatus(0, errString("no such container"))), wantErr: "error executing command in container: no such container"},
		{name: "no cause", data: `{"status":"Failure","reason":"NonZeroExitCode"}`, wantErr: "no ExitCode cause"},
		{name: "bad code", data: `{"status":"Failure","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"300"}]}}`, wantErr: "invalid exit code"},
		{name: "garbage", data: `exit 1`, wantErr: "error stream protocol error"},
		{name: "unknown", data: `{"status":"Maybe"}`, wantErr: "unknown status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err := DecodeStatus([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || code != tt.wantCode {
				t.Fatalf("code %d, err %v; want %d", code, err, tt.wantCode)
			}
		})
	}
}

func TestNegotiate(t *testing.T) {
	for _, tt := range []struct {
		offered []string
		want    string
		ok      bool
	}{
		{[]string{"v5.channel.k8s.io"}, ProtocolV5, true},
		{[]string{"v4.channel.k8s.io", "v5.channel.k8s.io"}, ProtocolV4, true},
		{[]string{"channel.k8s.io", "base64.channel.k8s.io"}, "", false},
		{nil, "", false},
	} {
		got, ok := Negotiate(tt.offered)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Negotiate(%v) = %q %v", tt.offered, got, ok)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
