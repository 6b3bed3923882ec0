package integration

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// doHeader is do that also returns the response's Warning headers.
func doWarnings(t *testing.T, method, url, contentType, body string) (int, []byte, []string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Values("Warning")
}

// TestFieldValidation: the fieldValidation parameter is honoured as in
// Kubernetes 1.27+: Warn by default (unknown fields dropped, one Warning
// header each), Ignore, Strict (400 naming the fields); a field
// Kubernetes has but minik8s does not implement is refused in every mode.
func TestFieldValidation(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	withUnknown := func(name string) string {
		return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"` + name + `"},"spec":{"foo":1,"containers":[{"name":"c","image":"i"}]}}`
	}
	const warning = `299 - "unknown field \"spec.foo\""`

	for _, tt := range []struct{ name, query, warning string }{
		{"default", "", warning},
		{"warn", "?fieldValidation=Warn", warning},
		{"ignore", "?fieldValidation=Ignore", ""},
	} {
		code, b, warnings := doWarnings(t, "POST", pods+tt.query, "application/json", withUnknown(tt.name))
		if code != http.StatusCreated {
			t.Errorf("%s: create with an unknown field: %d %s", tt.name, code, b)
			continue
		}
		if got := strings.Join(warnings, "|"); got != tt.warning {
			t.Errorf("%s: Warning %q, want %q", tt.name, got, tt.warning)
		}
		if strings.Contains(string(b), `"foo"`) {
			t.Errorf("%s: the unknown field was kept: %s", tt.name, b)
		}
	}

	code, b, _ := doWarnings(t, "POST", pods+"?fieldValidation=Strict", "application/json", withUnknown("strict"))
	if st := status(t, b); code != http.StatusBadRequest || st.Message != `strict decoding error: unknown field "spec.foo"` {
		t.Errorf("strict create: %d %s", code, b)
	}
	code, b, _ = doWarnings(t, "POST", pods+"?fieldValidation=Bogus", "application/json", withUnknown("bogus"))
	if code != http.StatusUnprocessableEntity || !strings.Contains(string(b), `Unsupported value: \"Bogus\"`) {
		t.Errorf("bogus fieldValidation: %d %s", code, b)
	}

	// Known to Kubernetes, not implemented: refused whatever the mode.
	unsupported := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"sc"},"spec":{"containers":[{"name":"c","image":"i","resizePolicy":[{"resourceName":"cpu","restartPolicy":"NotRequired"}]}]}}`
	for _, q := range []string{"", "?fieldValidation=Ignore", "?fieldValidation=Warn", "?fieldValidation=Strict"} {
		code, b, _ := doWarnings(t, "POST", pods+q, "application/json", unsupported)
		if st := status(t, b); code != http.StatusBadRequest || !strings.Contains(st.Message, `field "spec.containers[0].resizePolicy" is not supported by minik8s`) {
			t.Errorf("unsupported field %q: %d %s", q, code, b)
		}
	}

	// Update and patch follow the same rules.
	cur := string(mustDo(t, http.StatusOK, "GET", pods+"/default", "", ""))
	put := strings.Replace(cur, `"spec":{`, `"spec":{"bar":2,`, 1)
	code, b, warnings := doWarnings(t, "PUT", pods+"/default", "application/json", put)
	if code != http.StatusOK || strings.Join(warnings, "|") != `299 - "unknown field \"spec.bar\""` {
		t.Errorf("update with an unknown field: %d %q %s", code, warnings, b)
	}
	code, b, _ = doWarnings(t, "PUT", pods+"/default?fieldValidation=Strict", "application/json", put)
	if code != http.StatusBadRequest {
		t.Errorf("strict update with an unknown field: %d %s", code, b)
	}
	code, b, warnings = doWarnings(t, "PATCH", pods+"/default", "application/merge-patch+json", `{"metadata":{"labels":{"l":"v"}},"spec":{"baz":1}}`)
	if code != http.StatusOK || strings.Join(warnings, "|") != `299 - "unknown field \"spec.baz\""` {
		t.Errorf("patch with an unknown field: %d %q %s", code, warnings, b)
	} else if p := decodeInto[api.Pod](t, b); p.Labels["l"] != "v" {
		t.Errorf("patch not applied: %s", b)
	}
	code, b, _ = doWarnings(t, "PATCH", pods+"/default?fieldValidation=Strict", "application/merge-patch+json", `{"spec":{"baz":1}}`)
	if st := status(t, b); code != http.StatusBadRequest || st.Message != `strict decoding error: unknown field "spec.baz"` {
		t.Errorf("strict patch: %d %s", code, b)
	}
}
