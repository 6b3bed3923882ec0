package apiserver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	openapiv2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
)

func openAPIGet(path string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	(&Server{}).serveOpenAPI(w, r)
	return w
}

func TestOpenAPIV2Negotiation(t *testing.T) {
	cases := []struct {
		accept, wantType string
		wantCode         int
	}{
		{"", mimeJSON, 200},
		{"application/json", mimeJSON, 200},
		{"*/*", mimeJSON, 200},
		// what kubectl sends (client-go discovery), current and deprecated names
		{"application/com.github.proto-openapi.spec.v2@v1.0+protobuf", mimeV2Proto, 200},
		{"application/com.github.proto-openapi.spec.v2.v1.0+protobuf, application/json", mimeV2Proto, 200},
		{"application/com.github.proto-openapi.spec.v2.v1.0+protobuf; q=0.5, application/json", mimeJSON, 200},
		{"application/xml", "", http.StatusNotAcceptable},
		{"application/com.github.proto-openapi.spec.v3.v1.0+protobuf", "", http.StatusNotAcceptable},
	}
	for _, tc := range cases {
		w := openAPIGet("/openapi/v2", "Accept", tc.accept)
		if w.Code != tc.wantCode || w.Header().Get("Content-Type") != tc.wantType {
			t.Errorf("Accept %q: %d %q, want %d %q", tc.accept, w.Code, w.Header().Get("Content-Type"), tc.wantCode, tc.wantType)
		}
	}
	// The protobuf is the document kubectl decodes.
	w := openAPIGet("/openapi/v2", "Accept", mimeV2Proto)
	var doc openapiv2.Document
	if err := proto.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatalf("decoding the v2 protobuf: %v", err)
	}
	found := false
	for _, d := range doc.GetDefinitions().GetAdditionalProperties() {
		found = found || d.GetName() == "io.k8s.api.apps.v1.Deployment"
	}
	if doc.GetSwagger() != "2.0" || !found {
		t.Errorf("v2 protobuf: swagger %q, Deployment defined: %v", doc.GetSwagger(), found)
	}
}

func TestOpenAPIV3Caching(t *testing.T) {
	w := openAPIGet("/openapi/v3")
	var index struct {
		Paths map[string]struct {
			URL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &index); err != nil || w.Code != 200 {
		t.Fatalf("index: %d %v", w.Code, err)
	}
	url := index.Paths["apis/apps/v1"].URL
	if !strings.HasPrefix(url, "/openapi/v3/apis/apps/v1?hash=") {
		t.Fatalf("apps/v1 URL %q", url)
	}
	w = openAPIGet(url)
	etag := w.Header().Get("Etag")
	if w.Code != 200 || w.Header().Get("Cache-Control") != "public, immutable" || etag == "" || w.Header().Get("Expires") == "" {
		t.Fatalf("apps/v1: %d %v", w.Code, w.Header())
	}
	if !strings.Contains(url, strings.Trim(etag, `"`)) {
		t.Errorf("the hash of %s is not its ETag %s", url, etag)
	}
	if w = openAPIGet(url, "If-None-Match", etag); w.Code != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", w.Code)
	}
	if w = openAPIGet("/openapi/v3/apis/apps/v1"); w.Code != 200 || w.Header().Get("Cache-Control") != "" {
		t.Errorf("without a hash: %d, Cache-Control %q", w.Code, w.Header().Get("Cache-Control"))
	}
	if w = openAPIGet("/openapi/v3/apis/apps/v1?hash=OLD"); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != url {
		t.Errorf("stale hash: %d to %q, want 301 to %q", w.Code, w.Header().Get("Location"), url)
	}
	if w = openAPIGet("/openapi/v3/apis/nope/v1"); w.Code != http.StatusNotFound {
		t.Errorf("unknown group version: %d", w.Code)
	}
	if w = openAPIGet(url, "Accept", "application/xml"); w.Code != http.StatusNotAcceptable {
		t.Errorf("Accept application/xml: %d, want 406", w.Code)
	}
}
