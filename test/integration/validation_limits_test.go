package integration

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// The small holes of issue 14 an abusive client found, each answered as
// Kubernetes answers it (code, reason, message).

// expectStatus sends a request and checks the Status answered.
func expectStatus(t *testing.T, method, u, ctype, body string, code int, reason, message string) api.Status {
	t.Helper()
	got, b := do(t, method, u, ctype, body)
	st := status(t, b)
	if got != code || int(st.Code) != code || st.Reason != reason || st.Message != message {
		t.Errorf("%s %s:\n got %d %s\nwant %d %s %q", method, u, got, b, code, reason, message)
	}
	return st
}

func TestHugeGracePeriodIsNotAnImmediateKill(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	maxGrace := int64(math.MaxInt64)

	// DeleteOptions.gracePeriodSeconds 2^63-1: the pod terminates
	// gracefully, with a deletionTimestamp in the future, not now.
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", boundPodJSON("huge-opt", 30))
	before := time.Now()
	p := decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "DELETE", pods+"/huge-opt", "application/json",
		fmt.Sprintf(`{"gracePeriodSeconds":%d}`, maxGrace)))
	if p.DeletionTimestamp == nil || !p.DeletionTimestamp.After(before.Add(100*365*24*time.Hour)) {
		t.Errorf("deletionTimestamp %v, want far in the future", p.DeletionTimestamp)
	}
	if g := p.DeletionGracePeriodSeconds; g == nil || *g != maxGrace {
		t.Errorf("deletionGracePeriodSeconds %v, want %d", g, maxGrace)
	}
	mustDo(t, http.StatusOK, "GET", pods+"/huge-opt", "", "")
	// A later DELETE may shorten it.
	p = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "DELETE", pods+"/huge-opt?gracePeriodSeconds=5", "", ""))
	if g := p.DeletionGracePeriodSeconds; g == nil || *g != 5 || p.DeletionTimestamp.After(time.Now().Add(6*time.Second)) {
		t.Errorf("shortened: grace %v at %v", g, p.DeletionTimestamp)
	}

	// spec.terminationGracePeriodSeconds 2^63-1 is valid (>= 0) and used
	// by a DELETE without options.
	body := strings.Replace(boundPodJSON("huge-spec", 30), `"terminationGracePeriodSeconds":30`,
		fmt.Sprintf(`"terminationGracePeriodSeconds":%d`, maxGrace), 1)
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", body)
	p = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "DELETE", pods+"/huge-spec", "", ""))
	if p.DeletionTimestamp == nil || !p.DeletionTimestamp.After(before.Add(100*365*24*time.Hour)) {
		t.Errorf("spec grace: deletionTimestamp %v, want far in the future", p.DeletionTimestamp)
	}

	// A negative grace period is 1 s on the delete path (Kubernetes'
	// BeforeDelete), not an immediate removal.
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", boundPodJSON("negative", 30))
	p = decodeInto[api.Pod](t, mustDo(t, http.StatusOK, "DELETE", pods+"/negative", "application/json", `{"gracePeriodSeconds":-5}`))
	if g := p.DeletionGracePeriodSeconds; g == nil || *g != 1 {
		t.Errorf("negative grace: deletionGracePeriodSeconds %v, want 1", g)
	}

	// activeDeadlineSeconds is bounded as in Kubernetes.
	body = strings.Replace(podJSON("deadline", nil), `"spec":{`, `"spec":{"activeDeadlineSeconds":2147483648,`, 1)
	expectStatus(t, "POST", pods, "application/json", body, 422, "Invalid",
		`Pod "deadline" is invalid: spec.activeDeadlineSeconds: Invalid value: 2147483648: must be between 1 and 2147483647, inclusive`)
}

func TestHugeQuantityIsCappedAsKubernetes(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	withLimit := func(name, q string) string {
		return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"` + name + `"},"spec":{"containers":[{"name":"c","image":"busybox",` +
			`"resources":{"limits":{"memory":"` + q + `"}}}]}}`
	}
	// resource.ParseQuantity caps a value beyond int64 at 2^63-1
	// ("The max is just a simple cap"): Kubernetes stores that.
	p := decodeInto[api.Pod](t, mustDo(t, http.StatusCreated, "POST", pods, "application/json", withLimit("huge", "99999999999999999999999999Ei")))
	q := p.Spec.Containers[0].Resources.Limits["memory"]
	if got := q.String(); got != "9223372036854775807" {
		t.Errorf("stored %q, want 9223372036854775807", got)
	}
	// A malformed quantity is a 400 naming the expected form.
	code, b := do(t, "POST", pods, "application/json", withLimit("bad", "1Zi"))
	if st := status(t, b); code != 400 || st.Reason != "BadRequest" ||
		!strings.Contains(st.Message, `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`) {
		t.Errorf("malformed quantity: %d %s", code, b)
	}
	// A negative one is Kubernetes' 422.
	expectStatus(t, "POST", pods, "application/json", withLimit("neg", "-1"), 422, "Invalid",
		`Pod "neg" is invalid: spec.containers[0].resources.limits[memory]: Invalid value: "-1": must be greater than or equal to 0`)
}

func TestPodLogOptionsValidation(t *testing.T) {
	ts := testserver.Start(t)
	log := ts.URL + "/api/v1/namespaces/default/pods/nope/log"
	// Query conversion errors: 400 with the conversion's message, before
	// the pod is looked up.
	expectStatus(t, "GET", log+"?sinceSeconds=abc", "", "", 400, "BadRequest", `strconv.ParseInt: parsing "abc": invalid syntax`)
	expectStatus(t, "GET", log+"?tailLines=1.5", "", "", 400, "BadRequest", `strconv.ParseInt: parsing "1.5": invalid syntax`)
	expectStatus(t, "GET", log+"?sinceTime=yesterday", "", "", 400, "BadRequest",
		`parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`)
	// ValidatePodLogOptions: 422 PodLogOptions, also before the lookup.
	expectStatus(t, "GET", log+"?tailLines=-5", "", "", 422, "Invalid",
		`PodLogOptions "nope" is invalid: tailLines: Invalid value: -5: must be greater than or equal to 0`)
	expectStatus(t, "GET", log+"?sinceSeconds=0&limitBytes=0", "", "", 422, "Invalid",
		`PodLogOptions "nope" is invalid: [limitBytes: Invalid value: 0: must be greater than 0, sinceSeconds: Invalid value: 0: must be greater than 0]`)
	// Valid options reach the lookup.
	expectStatus(t, "GET", log+"?tailLines=5&follow=yes", "", "", 404, "NotFound", `pods "nope" not found`)
}

func TestDeleteOptionsDecoding(t *testing.T) {
	ts := testserver.Start(t)
	cms := ts.URL + "/api/v1/namespaces/default/configmaps"
	cm := func(name string) {
		mustDo(t, http.StatusCreated, "POST", cms, "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"`+name+`"}}`)
	}
	cm("a")
	// A wrong-typed field: 400 with the decoder's message; nothing deleted.
	expectStatus(t, "DELETE", cms+"/a", "application/json", `{"gracePeriodSeconds":"soon"}`, 400, "BadRequest",
		"json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64")
	expectStatus(t, "DELETE", cms+"/a", "application/json", `{"propagationPolicy":["Orphan"]}`, 400, "BadRequest",
		"json: cannot unmarshal array into Go struct field DeleteOptions.propagationPolicy of type v1.DeletionPropagation")
	mustDo(t, http.StatusOK, "GET", cms+"/a", "", "")
	// Query parameters (read when there is no body) convert as Kubernetes'.
	expectStatus(t, "DELETE", cms+"/a?gracePeriodSeconds=abc", "", "", 400, "BadRequest", `strconv.ParseInt: parsing "abc": invalid syntax`)
	// Unknown fields: Kubernetes decodes DeleteOptions without strictness
	// (NegotiateInputSerializer(req, false, …)), so they are ignored.
	mustDo(t, http.StatusOK, "DELETE", cms+"/a", "application/json", `{"kind":"DeleteOptions","apiVersion":"v1","bogus":1}`)
	mustDo(t, http.StatusNotFound, "GET", cms+"/a", "", "")
	// Field names are case-sensitive: "PropagationPolicy" is unknown, not
	// an invalid policy.
	cm("b")
	mustDo(t, http.StatusOK, "DELETE", cms+"/b", "application/json", `{"PropagationPolicy":"Sideways"}`)
	// Invalid options are DeleteOptions.meta.k8s.io's 422.
	cm("c")
	expectStatus(t, "DELETE", cms+"/c", "application/json", `{"propagationPolicy":"Sideways"}`, 422, "Invalid",
		`DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"`)
}

func TestResourceVersionParameters(t *testing.T) {
	ts := testserver.Start(t)
	cms := ts.URL + "/api/v1/namespaces/default/configmaps"
	created := decodeInto[api.ConfigMap](t, mustDo(t, http.StatusCreated, "POST", cms, "application/json",
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"v":"1"}}`))
	mustDo(t, http.StatusOK, "PUT", cms+"/a", "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"},"data":{"v":"2"}}`)

	// Garbage: ParseResourceVersion's message (Kubernetes answers it as a
	// 500; it is the client's error, so 400 as kubernetes#139485 asks).
	for _, u := range []string{cms + "/a", cms, cms + "?watch=true"} {
		expectStatus(t, "GET", u+sep(u)+"resourceVersion=abc", "", "", 400, "BadRequest",
			`resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax`)
		expectStatus(t, "GET", u+sep(u)+"resourceVersion=-1", "", "", 400, "BadRequest",
			`resourceVersion: Invalid value: "-1": strconv.ParseUint: parsing "-1": invalid syntax`)
	}
	// ListOptions validation (metainternalversion ValidateListOptions).
	expectStatus(t, "GET", cms+"?resourceVersionMatch=Exact", "", "", 422, "Invalid",
		`ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided`)
	expectStatus(t, "GET", cms+"?resourceVersionMatch=Newest&resourceVersion=1", "", "", 422, "Invalid",
		`ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""`)
	expectStatus(t, "GET", cms+"?resourceVersionMatch=Exact&resourceVersion=0", "", "", 422, "Invalid",
		`ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"`)
	expectStatus(t, "GET", cms+"?sendInitialEvents=true", "", "", 422, "Invalid",
		`ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list`)
	expectStatus(t, "GET", cms+"?watch=true&resourceVersionMatch=NotOlderThan&resourceVersion=1", "", "", 422, "Invalid",
		`ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided`)
	expectStatus(t, "GET", cms+"?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan", "", "", 422, "Invalid",
		`ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled`)

	// Exact: the list as it was at that revision.
	l := decodeInto[cmList](t, mustDo(t, http.StatusOK, "GET", cms+"?resourceVersionMatch=Exact&resourceVersion="+created.ResourceVersion, "", ""))
	if len(l.Items) != 1 || l.Items[0].Data["v"] != "1" || l.ResourceVersion != created.ResourceVersion {
		t.Errorf("exact list at %s: rv %s %+v", created.ResourceVersion, l.ResourceVersion, l.Items)
	}
	// limit with a resourceVersion is Exact too.
	l = decodeInto[cmList](t, mustDo(t, http.StatusOK, "GET", cms+"?limit=5&resourceVersion="+created.ResourceVersion, "", ""))
	if len(l.Items) != 1 || l.Items[0].Data["v"] != "1" {
		t.Errorf("limit list at %s: %+v", created.ResourceVersion, l.Items)
	}
	// NotOlderThan an old revision: the current state.
	l = decodeInto[cmList](t, mustDo(t, http.StatusOK, "GET", cms+"?resourceVersion="+created.ResourceVersion, "", ""))
	if len(l.Items) != 1 || l.Items[0].Data["v"] != "2" {
		t.Errorf("not-older-than list: %+v", l.Items)
	}

	// The future. Exact: at once, 504 without Retry-After.
	rev, err := ts.Revision(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	future := strconv.FormatInt(rev+1000, 10)
	st := expectFuture(t, cms+"?resourceVersionMatch=Exact&resourceVersion="+future, future, "")
	if st.Details == nil || st.Details.RetryAfterSeconds != 0 {
		t.Errorf("exact future: %+v", st.Details)
	}
	// NotOlderThan (GET and LIST): wait 3 s for the revision, then 504
	// with Retry-After 1 (the watch cache's waitUntilFreshAndBlock).
	for _, u := range []string{cms + "/a?resourceVersion=" + future, cms + "?resourceVersion=" + future, cms + "?resourceVersionMatch=NotOlderThan&resourceVersion=" + future} {
		start := time.Now()
		st := expectFuture(t, u, future, "1")
		if d := time.Since(start); d < 2900*time.Millisecond || d > 10*time.Second {
			t.Errorf("%s answered after %v, want about 3s", u, d)
		}
		if st.Details == nil || st.Details.RetryAfterSeconds != 1 {
			t.Errorf("not-older-than future: %+v", st.Details)
		}
	}
	// A revision reached while waiting is served.
	if rev, err = ts.Revision(t.Context()); err != nil {
		t.Fatal(err)
	}
	next := rev + 1
	go func() {
		time.Sleep(500 * time.Millisecond)
		do(t, "POST", cms, "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"later"}}`)
	}()
	l = decodeInto[cmList](t, mustDo(t, http.StatusOK, "GET", cms+"?resourceVersion="+strconv.FormatInt(next, 10), "", ""))
	if got, _ := strconv.ParseInt(l.ResourceVersion, 10, 64); got < next {
		t.Errorf("list at least at %d: read at %s", next, l.ResourceVersion)
	}

	// Exact at a compacted revision: 410 Expired.
	rev, _ = ts.Revision(t.Context())
	if err := ts.Compact(t.Context(), rev); err != nil {
		t.Fatal(err)
	}
	expectStatus(t, "GET", cms+"?resourceVersionMatch=Exact&resourceVersion="+created.ResourceVersion, "", "", 410, "Expired",
		"The resourceVersion for the provided list is too old.")

	// A watch from a future revision is allowed and waits for it, as in
	// Kubernetes (the cacher only blocks watch-list requests): it gets
	// the changes after that revision.
	rev, _ = ts.Revision(t.Context())
	from := rev + 1
	w := startWatch(t, cms+"?watch=true&resourceVersion="+strconv.FormatInt(from, 10))
	want := ""
	for _, name := range []string{"w1", "w2"} {
		c := decodeInto[api.ConfigMap](t, mustDo(t, http.StatusCreated, "POST", cms, "application/json",
			`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"`+name+`"}}`))
		if r, _ := strconv.ParseInt(c.ResourceVersion, 10, 64); r > from && want == "" {
			want = name // the first change after the watch's revision
		}
	}
	if ev, ok := w.next(false); !ok || ev.Type != api.Added || !strings.Contains(string(ev.Object), `"`+want+`"`) {
		t.Errorf("future watch from %d: %v %s %s, want %s", from, ok, ev.Type, ev.Object, want)
	}
	// Even at the largest version a client can write: accepted, quiet.
	far := startWatch(t, cms+"?watch=true&resourceVersion=18446744073709551615")
	mustDo(t, http.StatusCreated, "POST", cms, "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"w3"}}`)
	far.expectQuiet(time.Second)
}

// cmList is a ConfigMapList.
type cmList struct {
	api.ListMeta `json:"metadata"`
	Items        []api.ConfigMap `json:"items"`
}

// expectFuture checks Kubernetes' TooLargeResourceVersion answer.
func expectFuture(t *testing.T, u, future, retryAfter string) api.Status {
	t.Helper()
	resp, err := client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	st := status(t, b)
	if resp.StatusCode != http.StatusGatewayTimeout || st.Reason != "Timeout" ||
		!strings.HasPrefix(st.Message, "Timeout: Too large resource version: "+future+", current: ") ||
		st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Type != "ResourceVersionTooLarge" ||
		st.Details.Causes[0].Message != "Too large resource version" || resp.Header.Get("Retry-After") != retryAfter {
		t.Errorf("GET %s: %d Retry-After %q %s", u, resp.StatusCode, resp.Header.Get("Retry-After"), b)
	}
	return st
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

func TestImmutableMetadataOnUpdate(t *testing.T) {
	ts := testserver.Start(t)
	cms := ts.URL + "/api/v1/namespaces/default/configmaps"
	c := decodeInto[api.ConfigMap](t, mustDo(t, http.StatusCreated, "POST", cms, "application/json",
		`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}`))
	put := func(meta string) (int, []byte) {
		return do(t, "PUT", cms+"/a", "application/json", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a",`+meta+`}}`)
	}
	// uid: 422 (ValidateObjectMetaUpdate); an empty uid keeps the stored one.
	code, b := put(`"uid":"6b9c1c1e-0000-4000-8000-000000000000"`)
	if st := status(t, b); code != 422 || st.Reason != "Invalid" ||
		st.Message != `ConfigMap "a" is invalid: metadata.uid: Invalid value: "6b9c1c1e-0000-4000-8000-000000000000": field is immutable` {
		t.Errorf("uid change: %d %s", code, b)
	}
	// deletionGracePeriodSeconds and deletionTimestamp cannot be set by an update.
	code, b = put(`"deletionGracePeriodSeconds":5`)
	if st := status(t, b); code != 422 || st.Message != `ConfigMap "a" is invalid: metadata.deletionGracePeriodSeconds: Invalid value: 5: field is immutable` {
		t.Errorf("deletionGracePeriodSeconds: %d %s", code, b)
	}
	code, b = put(`"deletionTimestamp":"2030-01-01T00:00:00Z"`)
	if st := status(t, b); code != 422 || !strings.HasPrefix(st.Message, `ConfigMap "a" is invalid: metadata.deletionTimestamp: Invalid value: `) ||
		!strings.HasSuffix(st.Message, ": field is immutable") {
		t.Errorf("deletionTimestamp: %d %s", code, b)
	}
	// creationTimestamp and generation are reset silently (BeforeUpdate), uid
	// kept when empty: the update succeeds.
	code, b = put(`"uid":"","creationTimestamp":"2001-01-01T00:00:00Z","generation":99`)
	got := decodeInto[api.ConfigMap](t, b)
	if code != 200 || got.UID != c.UID || !got.CreationTimestamp.Equal(c.CreationTimestamp.Time) || got.Generation != c.Generation {
		t.Errorf("reset fields: %d %s", code, b)
	}
	// And through a status subresource.
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	mustDo(t, http.StatusCreated, "POST", pods, "application/json", podJSON("p", nil))
	code, b = do(t, "PUT", pods+"/p/status", "application/json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","uid":"x"},"status":{"phase":"Running"}}`)
	if st := status(t, b); code != 422 || st.Message != `Pod "p" is invalid: metadata.uid: Invalid value: "x": field is immutable` {
		t.Errorf("status uid: %d %s", code, b)
	}
	// The same through PATCH.
	code, b = do(t, "PATCH", cms+"/a", "application/merge-patch+json", `{"metadata":{"uid":"x"}}`)
	if st := status(t, b); code != 422 || st.Message != `ConfigMap "a" is invalid: metadata.uid: Invalid value: "x": field is immutable` {
		t.Errorf("patch uid: %d %s", code, b)
	}
}
