package integration

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minik8s/apiserver"
	"minik8s/apiserver/audit"
	"minik8s/apiserver/testserver"
)

// noReadsPolicy leaves out reads, except watches in namespace "watched"
// (to see a long-running request's stages), and records carol's requests
// with their bodies.
const noReadsPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [watch]
  namespaces: [watched]
- level: None
  verbs: [get, list, watch]
- level: RequestResponse
  users: [carol]
- level: Metadata
`

func startAudited(t *testing.T, policy string, configure func(*apiserver.Options)) (*testserver.TestServer, string) {
	t.Helper()
	dir := t.TempDir()
	policyFile, logFile := filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "audit.log")
	if err := os.WriteFile(policyFile, []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) {
		o.AuditPolicyFile, o.AuditLogPath = policyFile, logFile
		o.Authenticator = headerAuthenticator
		configure(o)
	})
	return ts, logFile
}

func readAudit(t *testing.T, path string) []audit.Event {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var evs []audit.Event
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for sc.Scan() {
		var ev audit.Event
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("audit line is not an Event: %v: %s", err, sc.Text())
		}
		evs = append(evs, ev)
	}
	return evs
}

func auditedRequest(t *testing.T, name, method, url, body string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer user:"+name)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestAuditLog: under a policy that leaves out reads, a create, get and
// delete leave the create and the delete (user, verb, resource, code,
// authorization decision, Audit-ID) and not the get; RequestResponse
// records the bodies; a watch has ResponseStarted and ResponseComplete;
// the file is 0600.
func TestAuditLog(t *testing.T) {
	ts, logFile := startAudited(t, noReadsPolicy, func(*apiserver.Options) {})
	cms := ts.URL + "/api/v1/namespaces/default/configmaps"
	resp, _ := auditedRequest(t, "alice", "POST", cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm1"},"data":{"k":"v"}}`)
	createID := resp.Header.Get("Audit-ID")
	if resp.StatusCode != http.StatusCreated || createID == "" {
		t.Fatalf("create: %d, Audit-ID %q", resp.StatusCode, createID)
	}
	auditedRequest(t, "alice", "GET", cms+"/cm1", "")
	auditedRequest(t, "alice", "DELETE", cms+"/cm1", "")
	auditedRequest(t, "bob", "GET", cms+"/missing", "")
	auditedRequest(t, "bob", "DELETE", cms+"/missing", "")
	auditedRequest(t, "carol", "POST", cms, `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"full"},"data":{"k":"body"}}`)

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/v1/namespaces/watched/pods?watch=true", nil)
	req.Header.Set("Authorization", "Bearer user:dave")
	wresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	wresp.Body.Close()

	var evs []audit.Event
	eventually(t, "the watch's ResponseComplete", func() bool {
		evs = readAudit(t, logFile)
		n := 0
		for _, ev := range evs {
			if ev.User.Name == "dave" {
				n++
			}
		}
		return n == 2
	})
	type line struct {
		user, verb, name, stage string
		code                    int32
	}
	var got []line
	byUser := map[string][]audit.Event{}
	for _, ev := range evs {
		name := ""
		if ev.ObjectRef != nil {
			name = ev.ObjectRef.Name
		}
		got = append(got, line{ev.User.Name, ev.Verb, name, string(ev.Stage), ev.ResponseStatus.Code})
		byUser[ev.User.Name] = append(byUser[ev.User.Name], ev)
		if ev.Kind != "Event" || ev.APIVersion != "audit.k8s.io/v1" || ev.AuditID == "" || len(ev.SourceIPs) == 0 || ev.SourceIPs[0] != "127.0.0.1" {
			t.Errorf("event header: %+v", ev)
		}
	}
	want := []line{
		{"alice", "create", "cm1", "ResponseComplete", 201},
		{"alice", "delete", "cm1", "ResponseComplete", 200},
		{"bob", "delete", "missing", "ResponseComplete", 404},
		{"carol", "create", "full", "ResponseComplete", 201},
		{"dave", "watch", "", "ResponseStarted", 200},
		{"dave", "watch", "", "ResponseComplete", 200},
	}
	if len(got) != len(want) {
		t.Fatalf("audit lines %v\nwant %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d: %v, want %v", i, got[i], want[i])
		}
	}
	create := byUser["alice"][0]
	if create.AuditID != createID || create.Level != "Metadata" || create.ObjectRef.Resource != "configmaps" ||
		create.ObjectRef.Namespace != "default" || create.ObjectRef.APIVersion != "v1" ||
		create.Annotations[audit.DecisionAnnotation] != "allow" || create.RequestObject != nil ||
		!strings.Contains(create.User.Groups[0], "system:authenticated") {
		t.Errorf("create event: %+v", create)
	}
	if nf := byUser["bob"][0].ResponseStatus; nf.Status != "Failure" || nf.Reason != "NotFound" || nf.Message != `configmaps "missing" not found` {
		t.Errorf("404 responseStatus: %+v", nf)
	}
	full := byUser["carol"][0]
	if full.Level != "RequestResponse" || !strings.Contains(string(full.RequestObject), `"k":"body"`) ||
		!strings.Contains(string(full.ResponseObject), `"uid"`) {
		t.Errorf("RequestResponse event: level %s request %s response %s", full.Level, full.RequestObject, full.ResponseObject)
	}
	if fi, err := os.Stat(logFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("audit log mode: %v %v", fi.Mode(), err)
	}
}

// TestAuditLogForbidden: a 403 is logged with decision forbid, the
// authorizer's reason and the Status message.
func TestAuditLogForbidden(t *testing.T) {
	ts, logFile := startAudited(t, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n", func(o *apiserver.Options) {
		o.AuthorizationMode = []string{"AlwaysDeny"}
	})
	resp, _ := auditedRequest(t, "mallory", "POST", ts.URL+"/api/v1/namespaces/default/secrets", `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}`)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("code %d", resp.StatusCode)
	}
	var evs []audit.Event
	eventually(t, "two lines", func() bool { evs = readAudit(t, logFile); return len(evs) >= 2 })
	rr, rc := evs[0], evs[1]
	if rr.Stage != "RequestReceived" || rc.Stage != "ResponseComplete" || rr.AuditID != rc.AuditID || rr.ResponseStatus != nil {
		t.Fatalf("stages: %+v / %+v", rr, rc)
	}
	st := rc.ResponseStatus
	if rc.User.Name != "mallory" || rc.Verb != "create" || rc.ObjectRef.Resource != "secrets" || st.Code != 403 || st.Reason != "Forbidden" ||
		st.Message != `secrets is forbidden: User "mallory" cannot create resource "secrets" in API group "" in the namespace "default": Everything is forbidden.` ||
		rc.Annotations[audit.DecisionAnnotation] != "forbid" || rc.Annotations[audit.ReasonAnnotation] != "Everything is forbidden." {
		t.Errorf("403 event: %+v status %+v", rc, st)
	}
}

// TestAuditLogUnauthorized: a request that fails authentication is
// recorded as Kubernetes' WithFailedAuthenticationAudit records it: no
// user, stage ResponseStarted, code 401 and the credentials tried; the
// 401 carries the event's Audit-ID. A policy that omits ResponseStarted
// leaves it out.
func TestAuditLogUnauthorized(t *testing.T) {
	ts, logFile := startAudited(t, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n", func(o *apiserver.Options) {
		o.AnonymousAuth = false
	})
	for _, tc := range []struct{ auth, msg string }{
		{"Bearer bad", "Authentication failed, attempted: bearer"},
		{"", "Authentication failed, no credentials provided"},
	} {
		req, _ := http.NewRequest("DELETE", ts.URL+"/api/v1/namespaces/default/secrets/s", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get("Audit-ID")
		if resp.StatusCode != http.StatusUnauthorized || id == "" {
			t.Fatalf("%q: code %d, Audit-ID %q", tc.auth, resp.StatusCode, id)
		}
		var ev *audit.Event
		eventually(t, "the 401's event", func() bool {
			for _, e := range readAudit(t, logFile) {
				if e.AuditID == id {
					ev = &e
					return true
				}
			}
			return false
		})
		if ev.Stage != "ResponseStarted" || ev.User.Name != "" || ev.Verb != "delete" || ev.ObjectRef == nil || ev.ObjectRef.Resource != "secrets" ||
			ev.ObjectRef.Name != "s" || ev.ResponseStatus == nil || ev.ResponseStatus.Code != 401 || ev.ResponseStatus.Message != tc.msg {
			t.Errorf("%q: event %+v status %+v", tc.auth, ev, ev.ResponseStatus)
		}
	}
	if n := len(readAudit(t, logFile)); n != 2 {
		t.Errorf("%d events for two 401s, want one each", n)
	}

	ts2, logFile2 := startAudited(t, "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [ResponseStarted]\nrules:\n- level: Metadata\n", func(o *apiserver.Options) {
		o.AnonymousAuth = false
	})
	resp, _ := auditedRequest(t, "alice", "GET", ts2.URL+"/api/v1/namespaces", "")
	req, _ := http.NewRequest("GET", ts2.URL+"/api/v1/namespaces", nil)
	req.Header.Set("Authorization", "Bearer bad")
	bad, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	bad.Body.Close()
	eventually(t, "alice's events", func() bool { return len(readAudit(t, logFile2)) >= 2 })
	for _, e := range readAudit(t, logFile2) {
		if e.AuditID == bad.Header.Get("Audit-ID") || e.AuditID != resp.Header.Get("Audit-ID") {
			t.Errorf("with ResponseStarted omitted, an event of another request: %+v", e)
		}
	}
}

// TestAuditLogExec: an exec (a hijacked, long-running request) through an
// audited apiserver works, and is recorded with ResponseStarted 101 and
// ResponseComplete.
func TestAuditLogExec(t *testing.T) {
	h := newKubeletHarness(t)
	dir := t.TempDir()
	policy := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policy, []byte("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resources: [{resources: [pods/exec]}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(dir, "audit.log")
	h.ts.Options.AuditPolicyFile, h.ts.Options.AuditLogPath = policy, logFile
	h.ts.Restart(t)
	h.rt.ExecFunc = fakeShell
	h.start()
	h.createPod(twoContainerPod("web"))
	h.waitPod("web", "Running", running)
	out, errs, code := ourKubectl(t, h.ts.URL, "", "exec", "web", "-c", "server", "--", "echo", "audited")
	if out != "audited\n" || errs != "" || code != 0 {
		t.Fatalf("exec: out %q err %q code %d", out, errs, code)
	}
	var evs []audit.Event
	eventually(t, "the exec's ResponseComplete", func() bool { evs = readAudit(t, logFile); return len(evs) == 3 })
	for i, stage := range []string{"RequestReceived", "ResponseStarted", "ResponseComplete"} {
		ev := evs[i]
		if string(ev.Stage) != stage || ev.ObjectRef == nil || ev.ObjectRef.Subresource != "exec" || ev.ObjectRef.Name != "web" {
			t.Errorf("event %d: %+v", i, ev)
		}
		if i > 0 && ev.ResponseStatus.Code != http.StatusSwitchingProtocols {
			t.Errorf("%s code %d, want 101", stage, ev.ResponseStatus.Code)
		}
	}
}

// TestAuditLogImpersonation: the event's user is the requester and
// impersonatedUser the user it acted as; the policy is evaluated for the
// requester.
func TestAuditLogImpersonation(t *testing.T) {
	ts, logFile := startAudited(t, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  users: [alice]\n", func(*apiserver.Options) {})
	req, _ := http.NewRequest("GET", ts.URL+"/api/v1/namespaces/default/pods", nil)
	req.Header.Set("Authorization", "Bearer user:alice")
	req.Header.Set("Impersonate-User", "bob")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("impersonated list: %d", resp.StatusCode)
	}
	var evs []audit.Event
	eventually(t, "two lines", func() bool { evs = readAudit(t, logFile); return len(evs) == 2 })
	if ev := evs[0]; ev.Stage != "RequestReceived" || ev.User.Name != "alice" || ev.ImpersonatedUser != nil {
		t.Errorf("RequestReceived: %+v", ev)
	}
	if ev := evs[1]; ev.Stage != "ResponseComplete" || ev.User.Name != "alice" || ev.ImpersonatedUser == nil || ev.ImpersonatedUser.Name != "bob" ||
		ev.Annotations[audit.DecisionAnnotation] != "allow" {
		t.Errorf("ResponseComplete: %+v impersonated %+v", ev, ev.ImpersonatedUser)
	}
}

// TestAuditLogPodSecurity: Pod Security's audit mode lands in the event's
// annotations (pod-security.kubernetes.io/audit-violations).
func TestAuditLogPodSecurity(t *testing.T) {
	ts, logFile := startAudited(t, "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resources: [{resources: [pods]}]\n", func(*apiserver.Options) {})
	mustDo(t, http.StatusCreated, "POST", ts.URL+"/api/v1/namespaces", "application/json",
		`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"psa","labels":{"pod-security.kubernetes.io/audit":"restricted"}}}`)
	resp, b := auditedRequest(t, "alice", "POST", ts.URL+"/api/v1/namespaces/psa/pods", podJSON("root", nil))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	var evs []audit.Event
	eventually(t, "the create's ResponseComplete", func() bool { evs = readAudit(t, logFile); return len(evs) == 2 })
	got := evs[1].Annotations["pod-security.kubernetes.io/audit-violations"]
	if evs[1].Stage != "ResponseComplete" || !strings.HasPrefix(got, `would violate PodSecurity "restricted:latest"`) {
		t.Errorf("annotations %q", evs[1].Annotations)
	}
}
