package integration

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"

	"minik8s/apiserver"
	"minik8s/apiserver/testserver"
	"minik8s/pkg/api"
)

func TestErrorsAreStatus(t *testing.T) {
	ts := testserver.Start(t)
	pods := ts.URL + "/api/v1/namespaces/default/pods"
	tests := []struct {
		name, method, url, ctype, body string
		code                           int
		reason, contains               string
	}{
		{"unknown field", "POST", pods + "?fieldValidation=Strict", "application/json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"c","image":"i","imagePullPolcy":"Always"}]}}`,
			400, "BadRequest", "spec.containers[0].imagePullPolcy"},
		{"kind mismatch", "POST", pods, "application/json", sample("Service", "x"), 400, "BadRequest", "Service"},
		{"namespace mismatch", "POST", pods, "application/json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x","namespace":"kube-system"},"spec":{"containers":[{"name":"c","image":"i"}]}}`,
			400, "BadRequest", "namespace"},
		{"invalid", "POST", pods, "application/json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[]}}`,
			422, "Invalid", `Pod "x" is invalid`},
		{"no name", "POST", pods, "application/json", `{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"name":"c","image":"i"}]}}`,
			422, "Invalid", "metadata.name"},
		{"not json", "POST", pods, "application/json", `{`, 400, "BadRequest", ""},
		{"unknown resource", "GET", ts.URL + "/api/v1/widgets", "", "", 404, "NotFound", "could not find the requested resource"},
		{"not found", "GET", pods + "/nope", "", "", 404, "NotFound", `pods "nope" not found`},
		{"method", "POST", pods + "/nope", "application/json", "{}", 405, "MethodNotAllowed", ""},
		{"bad patch type", "PATCH", pods + "/nope", "text/plain", "{}", 404, "NotFound", ""},
	}
	for _, tt := range tests {
		code, b := do(t, tt.method, tt.url, tt.ctype, tt.body)
		st := status(t, b)
		if code != tt.code || int(st.Code) != tt.code || st.Reason != tt.reason || st.Status != "Failure" || !strings.Contains(st.Message, tt.contains) {
			t.Errorf("%s: got %d %s", tt.name, code, b)
		}
	}
	// 422 carries the field paths as causes.
	_, b := do(t, "POST", pods, "application/json", `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"c","image":""}]}}`)
	st := status(t, b)
	if st.Details == nil || len(st.Details.Causes) == 0 || st.Details.Causes[0].Field == "" || st.Details.Kind != "Pod" || st.Details.Name != "x" {
		t.Errorf("invalid details: %s", b)
	}

	// Body limit: 3 MiB.
	big := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"big","annotations":{"a":"` + strings.Repeat("x", 3<<20) + `"}}}`
	code, b := do(t, "POST", pods, "application/json", big)
	if st := status(t, b); code != http.StatusRequestEntityTooLarge || st.Reason != "RequestEntityTooLarge" {
		t.Errorf("big body: %d %.200s", code, b)
	}
}

func TestDiscoveryVersionHealth(t *testing.T) {
	ts := testserver.Start(t)
	for _, p := range []string{"/healthz", "/readyz", "/livez"} {
		if b := mustDo(t, http.StatusOK, "GET", ts.URL+p, "", ""); string(b) != "ok" {
			t.Errorf("%s: %q", p, b)
		}
	}
	v := decodeInto[map[string]string](t, mustDo(t, http.StatusOK, "GET", ts.URL+"/version", "", ""))
	if v["major"] != "1" || v["minor"] != "32" || !strings.HasPrefix(v["gitVersion"], "v1.32") {
		t.Errorf("version %v", v)
	}
	apis := decodeInto[struct {
		Versions []string `json:"versions"`
	}](t, mustDo(t, http.StatusOK, "GET", ts.URL+"/api", "", ""))
	if len(apis.Versions) != 1 || apis.Versions[0] != "v1" {
		t.Errorf("/api: %v", apis)
	}
	groups := decodeInto[struct {
		Groups []struct {
			Name string `json:"name"`
		} `json:"groups"`
	}](t, mustDo(t, http.StatusOK, "GET", ts.URL+"/apis", "", ""))
	var gn []string
	for _, g := range groups.Groups {
		gn = append(gn, g.Name)
	}
	if strings.Join(gn, ",") != "apps,authentication.k8s.io,authorization.k8s.io,autoscaling,batch,coordination.k8s.io,discovery.k8s.io,networking.k8s.io,rbac.authorization.k8s.io,metrics.k8s.io" {
		t.Errorf("/apis groups %v", gn)
	}
	type resList struct {
		GroupVersion string `json:"groupVersion"`
		Resources    []struct {
			Name       string   `json:"name"`
			Namespaced bool     `json:"namespaced"`
			Kind       string   `json:"kind"`
			Verbs      []string `json:"verbs"`
			ShortNames []string `json:"shortNames"`
		} `json:"resources"`
	}
	core := decodeInto[resList](t, mustDo(t, http.StatusOK, "GET", ts.URL+"/api/v1", "", ""))
	byName := map[string]bool{}
	for _, r := range core.Resources {
		byName[r.Name] = true
		if r.Name == "pods" && (!r.Namespaced || r.Kind != "Pod" || len(r.ShortNames) == 0 || len(r.Verbs) < 7) {
			t.Errorf("pods resource: %+v", r)
		}
	}
	for _, n := range []string{"pods", "pods/status", "pods/binding", "nodes", "nodes/status", "namespaces", "services", "endpoints", "events"} {
		if !byName[n] {
			t.Errorf("/api/v1 lacks %s", n)
		}
	}
	apps := decodeInto[resList](t, mustDo(t, http.StatusOK, "GET", ts.URL+"/apis/apps/v1", "", ""))
	if apps.GroupVersion != "apps/v1" || len(apps.Resources) < 2 {
		t.Errorf("/apis/apps/v1: %+v", apps)
	}
	mustDo(t, http.StatusOK, "GET", ts.URL+"/apis/autoscaling/v2", "", "")
	mustDo(t, http.StatusNotFound, "GET", ts.URL+"/apis/nope/v1", "", "")
	// OpenAPI v3 root and a group-version document.
	root := decodeInto[struct {
		Paths map[string]struct {
			URL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}](t, mustDo(t, http.StatusOK, "GET", ts.URL+"/openapi/v3", "", ""))
	if root.Paths["api/v1"].URL == "" || root.Paths["apis/apps/v1"].URL == "" {
		t.Fatalf("openapi root: %+v", root)
	}
	doc := mustDo(t, http.StatusOK, "GET", ts.URL+root.Paths["apis/apps/v1"].URL, "", "")
	if !strings.Contains(string(doc), "fieldValidation") || !strings.Contains(string(doc), "x-kubernetes-group-version-kind") {
		t.Errorf("openapi doc lacks fieldValidation: %.300s", doc)
	}
}

func TestTables(t *testing.T) {
	ts := testserver.Start(t)
	coll := ts.URL + "/api/v1/namespaces/default/pods"
	mustDo(t, http.StatusCreated, "POST", coll, "application/json", podJSON("p1", nil))
	get := func(url string) api.Table {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var tbl api.Table
		if err := json.NewDecoder(resp.Body).Decode(&tbl); err != nil {
			t.Fatal(err)
		}
		return tbl
	}
	tbl := get(coll)
	if tbl.Kind != "Table" || tbl.APIVersion != "meta.k8s.io/v1" || len(tbl.Rows) != 1 || len(tbl.ColumnDefinitions) == 0 || tbl.ResourceVersion == "" {
		t.Fatalf("table: %+v", tbl)
	}
	if tbl.ColumnDefinitions[0].Name != "Name" || tbl.Rows[0].Cells[0] != "p1" {
		t.Errorf("first column: %+v row %v", tbl.ColumnDefinitions[0], tbl.Rows[0].Cells)
	}
	var pom map[string]any
	json.Unmarshal(tbl.Rows[0].Object, &pom)
	if pom["kind"] != "PartialObjectMetadata" || pom["metadata"].(map[string]any)["name"] != "p1" {
		t.Errorf("row object: %s", tbl.Rows[0].Object)
	}
	tbl = get(coll + "/p1?includeObject=Object")
	json.Unmarshal(tbl.Rows[0].Object, &pom)
	if len(tbl.Rows) != 1 || pom["kind"] != "Pod" {
		t.Errorf("single object table: %s", tbl.Rows[0].Object)
	}
	if tbl = get(ts.URL + "/api/v1/namespaces/kube-system/pods"); len(tbl.Rows) != 0 || tbl.Rows == nil {
		t.Errorf("empty table rows: %+v", tbl.Rows)
	}
}

// TestSeveralBindAddresses: --bind-address takes a list; the server answers
// on each address, on one port.
func TestSeveralBindAddresses(t *testing.T) {
	ts := testserver.StartWithOptions(t, func(o *apiserver.Options) { o.BindAddress = "127.0.0.1,127.0.0.2" })
	_, port, err := net.SplitHostPort(strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "127.0.0.2"} {
		mustDo(t, http.StatusOK, "GET", "http://"+net.JoinHostPort(host, port)+"/healthz", "", "")
	}
}
