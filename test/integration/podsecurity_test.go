package integration

import (
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"minik8s/apiserver/testserver"
)

// psaDo sends a request and returns the status code, the body and the
// Warning headers' texts (unquoted).
func psaDo(t *testing.T, method, url, contentType, body string) (int, string, []string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var warnings []string
	for _, h := range resp.Header.Values("Warning") {
		text, ok := strings.CutPrefix(h, "299 - ")
		if !ok {
			t.Fatalf("Warning header %q is not 299 - \"text\"", h)
		}
		u, err := strconv.Unquote(text)
		if err != nil {
			t.Fatalf("Warning header %q: %v", h, err)
		}
		warnings = append(warnings, u)
	}
	return resp.StatusCode, string(b), warnings
}

func psaNamespace(t *testing.T, ts *testserver.TestServer, name string, labels string) {
	t.Helper()
	mustDo(t, 201, "POST", ts.URL+"/api/v1/namespaces", "application/json",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"`+name+`","labels":{`+labels+`}}}`)
}

const (
	psaHostPathPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"hp"},"spec":{"containers":[{"name":"c","image":"busybox"}],
		"volumes":[{"name":"root","hostPath":{"path":"/"}}]}}`
	psaRootPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"root"},"spec":{
		"securityContext":{"runAsUser":0,"seccompProfile":{"type":"RuntimeDefault"}},
		"containers":[{"name":"c","image":"busybox","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}}`
	psaRestrictedPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"ok"},"spec":{
		"securityContext":{"runAsNonRoot":true,"runAsUser":1000,"seccompProfile":{"type":"RuntimeDefault"}},
		"containers":[{"name":"c","image":"busybox","securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]}}}]}}`
	psaPlainPod = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"plain"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}`
	// psaRestrictedViolations is what the restricted level says of psaPlainPod.
	psaRestrictedViolations = `allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ` +
		`unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ` +
		`runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ` +
		`seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`
)

func TestPodSecurityEnforce(t *testing.T) {
	ts := testserver.Start(t)
	psaNamespace(t, ts, "base", `"pod-security.kubernetes.io/enforce":"baseline"`)
	psaNamespace(t, ts, "strict", `"pod-security.kubernetes.io/enforce":"restricted"`)
	psaNamespace(t, ts, "open", "")

	// baseline rejects a hostPath pod, naming the check
	code, body, warnings := psaDo(t, "POST", ts.URL+"/api/v1/namespaces/base/pods", "application/json", psaHostPathPod)
	st := status(t, []byte(body))
	if code != 403 || st.Reason != "Forbidden" || st.Code != 403 ||
		st.Message != `pods "hp" is forbidden: violates PodSecurity "baseline:latest": hostPath volumes (volume "root")` || len(warnings) != 0 {
		t.Errorf("hostPath pod in baseline: %d %+v %q", code, st, warnings)
	}
	// the same pod is fine without labels
	mustDo(t, 201, "POST", ts.URL+"/api/v1/namespaces/open/pods", "application/json", psaHostPathPod)

	// restricted rejects a root pod and admits a compliant one, silently
	code, body, _ = psaDo(t, "POST", ts.URL+"/api/v1/namespaces/strict/pods", "application/json", psaRootPod)
	if st := status(t, []byte(body)); code != 403 ||
		st.Message != `pods "root" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), runAsUser=0 (pod must not set runAsUser=0)` {
		t.Errorf("root pod in restricted: %d %s", code, st.Message)
	}
	code, body, warnings = psaDo(t, "POST", ts.URL+"/api/v1/namespaces/strict/pods", "application/json", psaRestrictedPod)
	if code != 201 || len(warnings) != 0 {
		t.Errorf("compliant pod in restricted: %d %q %s", code, warnings, body)
	}

	// an update that changes an image is checked again, a label change is not
	mustDo(t, 201, "POST", ts.URL+"/api/v1/namespaces/open/pods", "application/json", psaPlainPod)
	mustDo(t, 200, "PATCH", ts.URL+"/api/v1/namespaces/open", "application/merge-patch+json",
		`{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"restricted"}}}`)
	mustDo(t, 200, "PATCH", ts.URL+"/api/v1/namespaces/open/pods/plain", "application/merge-patch+json", `{"metadata":{"labels":{"a":"b"}}}`)
	code, body, _ = psaDo(t, "PATCH", ts.URL+"/api/v1/namespaces/open/pods/plain", "application/strategic-merge-patch+json",
		`{"spec":{"containers":[{"name":"c","image":"busybox:2"}]}}`)
	if st := status(t, []byte(body)); code != 403 || st.Message != `pods "plain" is forbidden: violates PodSecurity "restricted:latest": `+psaRestrictedViolations {
		t.Errorf("image update in restricted: %d %s", code, st.Message)
	}
	// status updates are never checked
	mustDo(t, 200, "PATCH", ts.URL+"/api/v1/namespaces/open/pods/plain/status", "application/merge-patch+json", `{"status":{"message":"x"}}`)
}

func TestPodSecurityWarn(t *testing.T) {
	ts := testserver.Start(t)
	psaNamespace(t, ts, "w", `"pod-security.kubernetes.io/warn":"restricted"`)
	code, body, warnings := psaDo(t, "POST", ts.URL+"/api/v1/namespaces/w/pods", "application/json", psaPlainPod)
	want := []string{`would violate PodSecurity "restricted:latest": ` + psaRestrictedViolations}
	if code != 201 || !reflect.DeepEqual(warnings, want) {
		t.Errorf("plain pod in warn=restricted: %d %q %s", code, warnings, body)
	}

	// a workload in an enforce namespace is created, with a warning at the
	// enforce level (warn follows enforce); never rejected
	psaNamespace(t, ts, "e", `"pod-security.kubernetes.io/enforce":"baseline"`)
	deploy := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"d"}},
		"template":{"metadata":{"labels":{"app":"d"}},"spec":{"hostNetwork":true,"containers":[{"name":"c","image":"busybox"}]}}}}`
	code, body, warnings = psaDo(t, "POST", ts.URL+"/apis/apps/v1/namespaces/e/deployments", "application/json", deploy)
	want = []string{`would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)`}
	if code != 201 || !reflect.DeepEqual(warnings, want) {
		t.Errorf("deployment in enforce=baseline: %d %q %s", code, warnings, body)
	}
	cronjob := `{"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"cj"},"spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{
		"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"busybox","securityContext":{"privileged":true}}]}}}}}}`
	code, body, warnings = psaDo(t, "POST", ts.URL+"/apis/batch/v1/namespaces/e/cronjobs", "application/json", cronjob)
	want = []string{`would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)`}
	if code != 201 || !reflect.DeepEqual(warnings, want) {
		t.Errorf("cronjob in enforce=baseline: %d %q %s", code, warnings, body)
	}
}

func TestPodSecurityNamespaceLabels(t *testing.T) {
	ts := testserver.Start(t)
	code, body, _ := psaDo(t, "POST", ts.URL+"/api/v1/namespaces", "application/json",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bad","labels":{"pod-security.kubernetes.io/enforce":"foo"}}}`)
	st := status(t, []byte(body))
	if code != 422 || st.Reason != "Invalid" ||
		st.Message != `Namespace "bad" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted` {
		t.Errorf("invalid enforce label: %d %+v", code, st)
	}
	psaNamespace(t, ts, "n", "")
	code, body, _ = psaDo(t, "PATCH", ts.URL+"/api/v1/namespaces/n", "application/merge-patch+json",
		`{"metadata":{"labels":{"pod-security.kubernetes.io/warn":"loose","pod-security.kubernetes.io/audit-version":"1.30"}}}`)
	if st := status(t, []byte(body)); code != 422 ||
		st.Message != `Namespace "n" is invalid: [metadata.labels[pod-security.kubernetes.io/audit-version]: Invalid value: "1.30": must be "latest" or "v1.x", `+
			`metadata.labels[pod-security.kubernetes.io/warn]: Invalid value: "loose": must be one of privileged, baseline, restricted]` {
		t.Errorf("invalid labels on update: %d %s", code, st.Message)
	}

	// a stricter enforce level warns about existing pods, never rejects
	for _, p := range []string{"a", "b", "c"} {
		priv := "false"
		if p != "c" {
			priv = "true"
		}
		mustDo(t, 201, "POST", ts.URL+"/api/v1/namespaces/n/pods", "application/json",
			`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"`+p+`"},"spec":{"containers":[{"name":"c","image":"busybox","securityContext":{"privileged":`+priv+`}}]}}`)
	}
	mustDo(t, 201, "POST", ts.URL+"/api/v1/namespaces/n/pods", "application/json", strings.Replace(psaHostPathPod, `"hp"`, `"h"`, 1))
	code, body, warnings := psaDo(t, "PATCH", ts.URL+"/api/v1/namespaces/n", "application/merge-patch+json",
		`{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"baseline"}}}`)
	want := []string{
		`existing pods in namespace "n" violate the new PodSecurity enforce level "baseline:latest"`,
		`a (and 1 other pod): privileged`,
		`h: hostPath volumes`,
	}
	if code != 200 || !reflect.DeepEqual(warnings, want) {
		t.Errorf("relabel to baseline: %d\n got %q\nwant %q\n%s", code, warnings, want, body)
	}
	// relaxing, or repeating the same level, checks nothing
	for _, level := range []string{"baseline", "privileged"} {
		code, _, warnings = psaDo(t, "PATCH", ts.URL+"/api/v1/namespaces/n", "application/merge-patch+json",
			`{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"`+level+`"}}}`)
		if code != 200 || len(warnings) != 0 {
			t.Errorf("relabel to %s: %d %q", level, code, warnings)
		}
	}
}
