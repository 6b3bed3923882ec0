package integration

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

// TestListPaging: limit and continue as Kubernetes serves them: pages at
// one revision, remainingItemCount when no selector filters, pages filled
// after filtering, 400 for a malformed token and 410 Expired for one whose
// revision is compacted.
func TestListPaging(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/pods"
	for i := 0; i < 7; i++ {
		lbl := map[string]string{"odd": fmt.Sprint(i%2 == 1)}
		mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON(fmt.Sprintf("p%d", i), lbl))
	}
	list := func(query string) api.List[api.Pod] {
		t.Helper()
		return decodeInto[api.List[api.Pod]](t, mustDo(t, http.StatusOK, "GET", coll+"?"+query, "", ""))
	}
	names := func(l api.List[api.Pod]) string {
		var out []string
		for _, p := range l.Items {
			out = append(out, p.Name)
		}
		return strings.Join(out, ",")
	}

	first := list("limit=3")
	if names(first) != "p0,p1,p2" || first.Continue == "" || first.RemainingItemCount == nil || *first.RemainingItemCount != 4 {
		t.Fatalf("first page: %s continue=%q remaining=%v", names(first), first.Continue, first.RemainingItemCount)
	}
	// Written after the first page: not part of this list.
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("p00", nil))
	second := list("limit=3&continue=" + url.QueryEscape(first.Continue))
	if names(second) != "p3,p4,p5" || second.ResourceVersion != first.ResourceVersion || *second.RemainingItemCount != 1 {
		t.Fatalf("second page: %s rv=%s (first %s) remaining=%v", names(second), second.ResourceVersion, first.ResourceVersion, second.RemainingItemCount)
	}
	last := list("limit=3&continue=" + url.QueryEscape(second.Continue))
	if names(last) != "p6" || last.Continue != "" || last.RemainingItemCount != nil {
		t.Fatalf("last page: %s continue=%q remaining=%v", names(last), last.Continue, last.RemainingItemCount)
	}
	if all := list(""); len(all.Items) != 8 || all.Continue != "" {
		t.Errorf("unpaged list: %s continue=%q", names(all), all.Continue)
	}

	// Pages are filled after filtering; no count when a selector filters.
	odd := list("limit=2&labelSelector=odd%3Dtrue")
	if names(odd) != "p1,p3" || odd.Continue == "" || odd.RemainingItemCount != nil {
		t.Fatalf("filtered page: %s continue=%q remaining=%v", names(odd), odd.Continue, odd.RemainingItemCount)
	}
	odd = list("limit=2&labelSelector=odd%3Dtrue&continue=" + url.QueryEscape(odd.Continue))
	if names(odd) != "p5" || odd.Continue != "" {
		t.Fatalf("filtered last page: %s continue=%q", names(odd), odd.Continue)
	}

	// The real kubectl asks for Tables in chunks.
	req, _ := http.NewRequest("GET", coll+"?limit=5", nil)
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tbl := decodeInto[api.Table](t, b)
	if len(tbl.Rows) != 5 || tbl.Continue == "" {
		t.Errorf("table page: %d rows, continue %q", len(tbl.Rows), tbl.Continue)
	}

	bad := func(query string, code int, reason, contains string) {
		t.Helper()
		c, b := do(t, "GET", coll+"?"+query, "", "")
		st := status(t, b)
		if c != code || st.Reason != reason || !strings.Contains(st.Message, contains) {
			t.Errorf("%s: %d %s, want %d %s %q", query, c, b, code, reason, contains)
		}
	}
	bad("limit=2&continue=notatoken", http.StatusBadRequest, "BadRequest", "invalid continue token")
	bad("limit=2&continue="+url.QueryEscape(first.Continue)+"&resourceVersion=5", http.StatusBadRequest, "BadRequest", "specifying resource version is not allowed when using continue")
	escape := base64.RawURLEncoding.EncodeToString([]byte(`{"v":"meta.k8s.io/v1","rv":1,"start":"../../secrets/x"}`))
	bad("limit=2&continue="+escape, http.StatusBadRequest, "BadRequest", "continue key is not valid")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mustDo(t, http.StatusOK, "DELETE", coll+"/p00", "", "")
	rev, err := ts.Revision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	bad("limit=3&continue="+url.QueryEscape(first.Continue), http.StatusGone, "Expired", "too old")
}
