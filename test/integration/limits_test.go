package integration

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// argsPod is a pod whose container args hold about size bytes: nothing in
// validation limits them, only storage does.
func argsPod(name string, size int) string {
	return fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q},"spec":{"containers":[{"name":"c","image":"i","args":[%q]}]}}`,
		name, strings.Repeat("a", size))
}

// wantStatus checks an answer's code, reason and message, and that it
// leaks no storage detail.
func wantStatus(t *testing.T, what string, code int, b []byte, wantCode int, reason, msg string) {
	t.Helper()
	st := status(t, b)
	if code != wantCode || int(st.Code) != wantCode || st.Reason != reason || !strings.Contains(st.Message, msg) {
		t.Errorf("%s: got %d %s %q, want %d %s containing %q", what, code, st.Reason, trunc(st.Message), wantCode, reason, msg)
	}
	for _, leak := range []string{"/registry/", "etcd", "grpc", "rpc error"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("%s: the answer leaks %q: %s", what, leak, trunc(string(b)))
		}
	}
}

func trunc(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// TestPatchLimits: the JSON patch bombs of issue 14 over HTTP. A 40 001
// operation patch is 413; ten copy doublings of a 64 KiB annotation (a
// 66 KB patch) are refused at once and the stored pod is unchanged.
func TestPatchLimits(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	pod := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","annotations":{"big":"` + strings.Repeat("x", 64<<10) + `"}},"spec":{"containers":[{"name":"c","image":"i"}]}}`
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", pod)

	one := `{"op":"test","path":"/kind","value":"Pod"}`
	many := "[" + strings.TrimSuffix(strings.Repeat(one+",", 40001), ",") + "]"
	code, b := do(t, "PATCH", pods+"/p", "application/json-patch+json", many)
	wantStatus(t, "40001 operations", code, b, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
		"Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 40001")

	ops := make([]string, 10)
	for i := range ops {
		ops[i] = fmt.Sprintf(`{"op":"copy","from":"/metadata/annotations","path":"/metadata/annotations/c%d"}`, i)
	}
	bomb := "[" + strings.Join(ops, ",") + "]"
	start := time.Now()
	for _, path := range []string{"/p", "/p/status"} {
		code, b = do(t, "PATCH", pods+path, "application/json-patch+json", bomb)
		wantStatus(t, "copy doublings on "+path, code, b, http.StatusUnprocessableEntity, "Invalid", "the server rejected our request")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing the copy bombs took %v", d)
	}
	got := decodeInto[struct {
		Metadata struct{ Annotations map[string]string } `json:"metadata"`
	}](t, mustDo(t, http.StatusOK, "GET", pods+"/p", "", ""))
	if len(got.Metadata.Annotations) != 1 {
		t.Errorf("after the refused patches the pod has %d annotations", len(got.Metadata.Annotations))
	}
	// Merge and strategic patches cannot copy; a body over 3 MiB is 413
	// before any patch is applied.
	for _, ct := range []string{"application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json", "application/apply-patch+yaml"} {
		big := `{"metadata":{"annotations":{"x":"` + strings.Repeat("y", 3<<20) + `"}}}`
		code, b = do(t, "PATCH", pods+"/p", ct, big)
		wantStatus(t, "3 MiB "+ct, code, b, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request entity too large: limit is 3145728")
	}
}

// TestObjectSizeLimits: a 1 MiB annotation is 422 Too long on every write
// path; an object over etcd's request limit is 413 with a clean message
// on every write path, never a 500 naming the storage key.
func TestObjectSizeLimits(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	tooLong := "metadata.annotations: Too long: may not be more than 262144 bytes"
	big := strings.Repeat("v", 1<<20)

	// Annotations: create, update, merge/json/strategic patch, status, binding.
	code, b := do(t, "POST", pods, "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","annotations":{"k":"`+big+`"}},"spec":{"containers":[{"name":"c","image":"i"}]}}`)
	wantStatus(t, "create", code, b, http.StatusUnprocessableEntity, "Invalid", tooLong)
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", podJSON("a", nil))
	cur := string(mustDo(t, http.StatusOK, "GET", pods+"/a", "", ""))
	withAnn := strings.Replace(cur, `"metadata":{`, `"metadata":{"annotations":{"k":"`+big+`"},`, 1)
	code, b = do(t, "PUT", pods+"/a", "application/json", withAnn)
	wantStatus(t, "update", code, b, http.StatusUnprocessableEntity, "Invalid", tooLong)
	// The status subresource keeps the stored metadata: nothing to refuse.
	mustDo(t, http.StatusOK, "PUT", pods+"/a/status", "application/json", withAnn)
	annPatch := `{"metadata":{"annotations":{"k":"` + big + `"}}}`
	for _, ct := range []string{"application/merge-patch+json", "application/strategic-merge-patch+json"} {
		code, b = do(t, "PATCH", pods+"/a", ct, annPatch)
		wantStatus(t, ct, code, b, http.StatusUnprocessableEntity, "Invalid", tooLong)
		mustDo(t, http.StatusOK, "PATCH", pods+"/a/status", ct, annPatch)
	}
	code, b = do(t, "PATCH", pods+"/a", "application/json-patch+json", `[{"op":"add","path":"/metadata/annotations","value":{"k":"`+big+`"}}]`)
	wantStatus(t, "json patch", code, b, http.StatusUnprocessableEntity, "Invalid", tooLong)
	code, b = do(t, "POST", pods+"/a/binding", "application/json",
		`{"apiVersion":"v1","kind":"Binding","metadata":{"name":"a","annotations":{"k":"`+big+`"}},"target":{"kind":"Node","name":"n1"}}`)
	wantStatus(t, "binding", code, b, http.StatusUnprocessableEntity, "Invalid", tooLong)
	if b := mustDo(t, http.StatusOK, "GET", pods+"/a", "", ""); strings.Contains(string(b), `"annotations"`) {
		t.Errorf("a refused write stored annotations: %s", trunc(string(b)))
	}

	// Over etcd's 1.5 MiB request limit: 413 on every path.
	const tooBig = 2 << 20
	code, b = do(t, "POST", pods, "application/json", argsPod("huge", tooBig))
	wantStatus(t, "create over etcd's limit", code, b, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", `Request entity too large: pods "huge" is too large to store`)
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", argsPod("s", 1<<20))
	// Pod specs are immutable: update and JSON-patch a Deployment's.
	deps := ts.URL + "/apis/apps/v1/namespaces/default/deployments"
	dep := func(size int) string {
		return fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"app":"d"}},`+
			`"template":{"metadata":{"labels":{"app":"d"}},"spec":{"containers":[{"name":"c","image":"i","args":[%q]}]}}}}`, strings.Repeat("a", size))
	}
	mustDo(t, http.StatusCreated, "POST", deps, "application/json", dep(1<<20))
	code, b = do(t, "PUT", deps+"/d", "application/json", dep(tooBig))
	wantStatus(t, "update over etcd's limit", code, b, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", `Request entity too large: deployments.apps "d" is too large to store`)
	code, b = do(t, "PATCH", deps+"/d", "application/json-patch+json",
		`[{"op":"copy","from":"/spec/template/spec/containers/0/args/0","path":"/spec/template/spec/containers/0/args/-"}]`)
	wantStatus(t, "json patch over etcd's limit", code, b, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request entity too large")
	grow := `{"status":{"message":"` + strings.Repeat("m", 1<<20) + `"}}`
	code, b = do(t, "PATCH", pods+"/s/status", "application/merge-patch+json", grow)
	wantStatus(t, "status patch over etcd's limit", code, b, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request entity too large")
	// The pod at 1 MiB + 250 KiB of binding annotations is over too.
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", argsPod("s2", 1400<<10))
	ann := fmt.Sprintf(`{"k":%q}`, strings.Repeat("z", 250<<10))
	code, b = do(t, "POST", pods+"/s2/binding", "application/json",
		`{"apiVersion":"v1","kind":"Binding","metadata":{"name":"s2","annotations":`+ann+`},"target":{"kind":"Node","name":"n1"}}`)
	wantStatus(t, "binding over etcd's limit", code, b, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request entity too large")
	// The apiserver still serves the pods it refused to grow.
	mustDo(t, http.StatusOK, "GET", pods+"/s", "", "")
	mustDo(t, http.StatusOK, "GET", pods+"/s2", "", "")
}

// TestBindingValidation: pods/binding validates what it stores (issue 14:
// a target `../../etc` and a bad annotation key were stored, after which
// the pod could no longer be updated) and keeps Kubernetes' conflicts.
func TestBindingValidation(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	bind := func(pod, node, meta string) (int, []byte) {
		return do(t, "POST", pods+"/"+pod+"/binding", "application/json",
			fmt.Sprintf(`{"apiVersion":"v1","kind":"Binding","metadata":{"name":%q%s},"target":{"kind":"Node","name":%q}}`, pod, meta, node))
	}
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", podJSON("p", nil))

	code, b := bind("p", "../../etc", "")
	wantStatus(t, "target ../../etc", code, b, http.StatusUnprocessableEntity, "Invalid", `target.name: Invalid value: "../../etc"`)
	code, b = bind("p", "n1", `,"annotations":{"bad key!":"v"}`)
	wantStatus(t, "bad annotation key", code, b, http.StatusUnprocessableEntity, "Invalid", `metadata.annotations: Invalid value: "bad key!"`)
	code, b = do(t, "POST", pods+"/p/binding", "application/json", `{"apiVersion":"v1","kind":"Binding","metadata":{"name":"p"},"target":{"kind":"Pod","name":"n1"}}`)
	wantStatus(t, "target kind", code, b, http.StatusUnprocessableEntity, "Invalid", `target.kind: Unsupported value: "Pod"`)
	code, b = bind("p", "n1", `,"resourceVersion":"1"`)
	wantStatus(t, "stale resourceVersion", code, b, http.StatusConflict, "Conflict", "")

	// Nothing was stored: the pod is unbound and can still be updated.
	got := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", pods+"/p", "", ""))
	if got.Spec.NodeName != "" || len(got.Annotations) != 0 {
		t.Fatalf("refused bindings changed the pod: nodeName %q annotations %v", got.Spec.NodeName, got.Annotations)
	}
	mustDo(t, http.StatusOK, "PATCH", pods+"/p", "application/merge-patch+json", `{"metadata":{"labels":{"x":"y"}}}`)

	// A valid binding at the pod's resourceVersion; then 409 as Kubernetes.
	got = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", pods+"/p", "", ""))
	code, b = bind("p", "n1.lab", fmt.Sprintf(`,"resourceVersion":%q,"annotations":{"example.com/why":"fits"}`, got.ResourceVersion))
	if code != http.StatusCreated {
		t.Fatalf("valid binding: %d %s", code, b)
	}
	got = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "GET", pods+"/p", "", ""))
	if got.Spec.NodeName != "n1.lab" || got.Annotations["example.com/why"] != "fits" {
		t.Errorf("bound pod: nodeName %q annotations %v", got.Spec.NodeName, got.Annotations)
	}
	mustDo(t, http.StatusOK, "PATCH", pods+"/p", "application/merge-patch+json", `{"metadata":{"labels":{"x":"z"}}}`)
	code, b = bind("p", "n2", "")
	wantStatus(t, "already assigned", code, b, http.StatusConflict, "Conflict",
		`Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node "n1.lab"`)

	// A pod being deleted (held by a finalizer) cannot be bound.
	mustDo(t, http.StatusCreated, "POST", pods, "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"q","finalizers":["example.com/hold"]},"spec":{"containers":[{"name":"c","image":"i"}]}}`)
	mustDo(t, http.StatusOK, "DELETE", pods+"/q", "", "")
	code, b = bind("q", "n1", "")
	wantStatus(t, "being deleted", code, b, http.StatusConflict, "Conflict",
		`Operation cannot be fulfilled on pods/binding "q": pod q is being deleted, cannot be assigned to a host`)
	mustDo(t, http.StatusOK, "PATCH", pods+"/q", "application/merge-patch+json", `{"metadata":{"finalizers":null}}`)
}
