package integration

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"minik8s/apiserver/testserver"
)

// TestInvalidErrorTexts: 422 messages and causes read as Kubernetes'
// (apierrors.NewInvalid: the path once in the message, the cause's message
// without the path), and our kubectl prints what the real kubectl prints.
func TestInvalidErrorTexts(t *testing.T) {
	ts := testserver.Start(t)
	svcs := ts.URL + "/api/v1/namespaces/default/services"
	mustDo(t, 201, "POST", svcs, "application/json",
		`{"apiVersion":"v1","kind":"Service","metadata":{"name":"first"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30480}]}}`)
	taken := `{"apiVersion":"v1","kind":"Service","metadata":{"name":"x"},"spec":{"type":"NodePort","ports":[{"port":80,"nodePort":30480}]}}`
	badPod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":70000}]}]}}`
	twoErrs := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"q"},"spec":{"containers":[{"name":"c","image":"","ports":[{"containerPort":70000}]}]}}`

	tests := []struct {
		name, url, body string
		message         string
		causeField      string
		causeMessage    string
		kubectl         string // what kubectl prints on stderr
	}{
		{"nodePort taken", svcs, taken,
			`Service "x" is invalid: spec.ports[0].nodePort: Invalid value: 30480: provided port is already allocated`,
			"spec.ports[0].nodePort", "Invalid value: 30480: provided port is already allocated",
			`The Service "x" is invalid: spec.ports[0].nodePort: Invalid value: 30480: provided port is already allocated`},
		{"containerPort", ts.URL + "/api/v1/namespaces/default/pods", badPod,
			`Pod "p" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive`,
			"spec.containers[0].ports[0].containerPort", "Invalid value: 70000: must be between 1 and 65535, inclusive",
			`The Pod "p" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive`},
	}
	for _, tt := range tests {
		code, b := do(t, "POST", tt.url, "application/json", tt.body)
		st := status(t, b)
		if code != 422 || st.Reason != "Invalid" || st.Message != tt.message {
			t.Errorf("%s: got %d %q, want 422 %q", tt.name, code, st.Message, tt.message)
		}
		if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Field != tt.causeField ||
			st.Details.Causes[0].Message != tt.causeMessage || st.Details.Causes[0].Type != "FieldValueInvalid" {
			t.Errorf("%s: causes %s", tt.name, b)
		}
		_, errOut, rc := ourKubectl(t, ts.URL, tt.body, "create", "-f", "-")
		if rc == 0 || strings.TrimSpace(errOut) != tt.kubectl {
			t.Errorf("%s: our kubectl printed %q (exit %d), want %q", tt.name, errOut, rc, tt.kubectl)
		}
	}

	// The real kubectl prints the same as ours, also for several causes.
	real := needRealKubectl(t)
	kubeconfig := writeKubeconfig(t, ts.URL)
	for _, verb := range []string{"create", "apply"} {
		for _, body := range []string{taken, badPod, twoErrs} {
			cmd := exec.Command(real, "--kubeconfig", kubeconfig, verb, "-f", "-")
			cmd.Stdin = strings.NewReader(body)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err == nil {
				t.Fatalf("real kubectl %s succeeded: %s", verb, body)
			}
			_, ours, _ := ourKubectl(t, ts.URL, body, verb, "-f", "-")
			if stderr.String() != ours {
				t.Errorf("%s: real kubectl printed %q, ours %q", verb, stderr.String(), ours)
			}
		}
	}
}
