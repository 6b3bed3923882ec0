package ui

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"minik8s/pkg/netinfo"
)

// The handler serves the embedded assets with their content types and
// the page's security headers; /ui redirects to /ui/; unknown files are
// 404 and other methods 405.
func TestHandlerServesAssets(t *testing.T) {
	h := Handler()
	tests := []struct {
		method, path string
		code         int
		ctype        string
		body         string // a substring of the body
		location     string
	}{
		{"GET", "/ui/", 200, "text/html; charset=utf-8", `<script src="app.js"`, ""},
		{"GET", "/ui/index.html", 200, "text/html; charset=utf-8", "<title>minik8s</title>", ""},
		{"GET", "/ui/app.css", 200, "text/css; charset=utf-8", ".netmap", ""},
		{"GET", "/ui/api.js", 200, "text/javascript; charset=utf-8", "watch=1", ""},
		{"GET", "/ui/app.js", 200, "text/javascript; charset=utf-8", "class Store", ""},
		{"GET", "/ui/netmap.js", 200, "text/javascript; charset=utf-8", "/proxy/netinfo", ""},
		{"GET", "/ui/chart.js", 200, "text/javascript; charset=utf-8", "hpa-chart", ""},
		{"HEAD", "/ui/app.js", 200, "text/javascript; charset=utf-8", "", ""},
		{"GET", "/ui", 301, "", "", "ui/"},
		{"GET", "/ui/nope.js", 404, "", "", ""},
		{"GET", "/ui/../handler.go", 404, "", "", ""},
		{"GET", "/ui/static/index.html", 404, "", "", ""},
		{"POST", "/ui/", 405, "", "", ""},
		{"GET", "/other", 404, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
			if w.Code != tc.code {
				t.Fatalf("code %d, want %d: %s", w.Code, tc.code, w.Body)
			}
			if tc.ctype != "" {
				if got := w.Header().Get("Content-Type"); got != tc.ctype {
					t.Errorf("Content-Type %q, want %q", got, tc.ctype)
				}
				if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("X-Content-Type-Options %q", got)
				}
				if got := w.Header().Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'self'") {
					t.Errorf("Content-Security-Policy %q", got)
				}
			}
			if tc.body != "" && !strings.Contains(w.Body.String(), tc.body) {
				t.Errorf("body lacks %q", tc.body)
			}
			if tc.method == "HEAD" && w.Body.Len() != 0 {
				t.Errorf("HEAD answered a body of %d bytes", w.Body.Len())
			}
			if tc.location != "" {
				if got := w.Header().Get("Location"); got != tc.location {
					t.Errorf("Location %q, want %q", got, tc.location)
				}
			}
			if tc.code == 405 && w.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q", w.Header().Get("Allow"))
			}
		})
	}
}

// Every asset the page names is embedded, and nothing is loaded from
// another origin (no CDN).
func TestPageLoadsOnlyEmbeddedAssets(t *testing.T) {
	data, err := static.ReadFile("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	for _, ref := range []string{"app.css", "api.js", "netmap.js", "chart.js", "app.js"} {
		if !strings.Contains(page, `"`+ref+`"`) {
			t.Errorf("index.html does not load %s", ref)
		}
		if _, err := static.ReadFile("static/" + ref); err != nil {
			t.Errorf("%s is not embedded: %v", ref, err)
		}
	}
	entries, _ := static.ReadDir("static")
	for _, e := range entries {
		b, _ := static.ReadFile("static/" + e.Name())
		if s := string(b); strings.Contains(s, "http://") && !strings.Contains(s, "http://www.w3.org/2000/svg") || strings.Contains(s, "https://") || strings.Contains(s, `src="//`) {
			t.Errorf("%s refers to another origin", e.Name())
		}
	}
}

// The map's fixtures are the kubelet's /netinfo as pkg/netinfo types it:
// every field they carry is one of its fields.
func TestFixturesAreNetinfo(t *testing.T) {
	for _, f := range []string{"testdata/netinfo-node1.json", "testdata/netinfo-node2.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var n netinfo.Node
		if err := dec.Decode(&n); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if n.Node == "" || len(n.Pods) == 0 || len(n.Links) == 0 || len(n.Routes) == 0 {
			t.Errorf("%s: incomplete: %+v", f, n)
		}
	}
}
