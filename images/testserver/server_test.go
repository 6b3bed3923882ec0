package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func newTest(t *testing.T) (*server, *httptest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	s := newServer("web-1", dir, func() []string { return []string{"10.244.1.5"} })
	ts := httptest.NewServer(s.routes())
	t.Cleanup(ts.Close)
	return s, ts, dir
}

func do(t *testing.T, method, url, body string, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestRootTextAndJSON(t *testing.T) {
	_, ts, _ := newTest(t)
	code, body := do(t, "GET", ts.URL+"/", "")
	if code != 200 || !strings.Contains(body, "pod: web-1\n") || !strings.Contains(body, "ips: 10.244.1.5\n") || !strings.Contains(body, "client: 127.0.0.1:") {
		t.Fatalf("GET / = %d %q", code, body)
	}
	for _, q := range []string{"/?format=json", "/"} {
		code, body = do(t, "GET", ts.URL+q, "", "Accept", "application/json")
		var h hello
		if err := json.Unmarshal([]byte(body), &h); err != nil || code != 200 {
			t.Fatalf("GET %s json = %d %q (%v)", q, code, body, err)
		}
		if h.Pod != "web-1" || len(h.IPs) != 1 || h.IPs[0] != "10.244.1.5" || !strings.HasPrefix(h.Client, "127.0.0.1:") {
			t.Errorf("json hello %+v", h)
		}
	}
	if code, _ := do(t, "GET", ts.URL+"/nope", ""); code != 404 {
		t.Errorf("GET /nope = %d, want 404", code)
	}
	if code, body := do(t, "GET", ts.URL+"/healthz", ""); code != 200 || body != "ok\n" {
		t.Errorf("healthz = %d %q", code, body)
	}
}

func TestFilesWriteReadListDelete(t *testing.T) {
	_, ts, dir := newTest(t)
	if code, body := do(t, "PUT", ts.URL+"/files/sub/a.txt", "hello"); code != 201 {
		t.Fatalf("PUT = %d %q", code, body)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sub", "a.txt")); err != nil || string(b) != "hello" {
		t.Fatalf("file on disk = %q, %v", b, err)
	}
	if code, _ := do(t, "POST", ts.URL+"/files/b.txt", "bee"); code != 201 {
		t.Fatalf("POST = %d", code)
	}
	if code, body := do(t, "GET", ts.URL+"/files/sub/a.txt", ""); code != 200 || body != "hello" {
		t.Errorf("GET file = %d %q", code, body)
	}
	if code, body := do(t, "GET", ts.URL+"/files", ""); code != 200 || body != "b.txt\nsub/\n" {
		t.Errorf("GET /files = %d %q", code, body)
	}
	if code, body := do(t, "GET", ts.URL+"/files/", ""); code != 200 || body != "b.txt\nsub/\n" {
		t.Errorf("GET /files/ = %d %q", code, body)
	}
	if code, _ := do(t, "GET", ts.URL+"/files/missing", ""); code != 404 {
		t.Errorf("GET missing = %d, want 404", code)
	}
	if code, _ := do(t, "DELETE", ts.URL+"/files/b.txt", ""); code != 200 {
		t.Errorf("DELETE = %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.txt")); !os.IsNotExist(err) {
		t.Errorf("b.txt still there: %v", err)
	}
	if code, _ := do(t, "PUT", ts.URL+"/files/", "x"); code != 400 {
		t.Errorf("PUT on the directory = %d, want 400", code)
	}
	if code, _ := do(t, "PATCH", ts.URL+"/files/x", "x"); code != 405 {
		t.Errorf("PATCH = %d, want 405", code)
	}
}

func TestFilePathStaysInside(t *testing.T) {
	s := newServer("p", "/data", nil)
	for in, want := range map[string]string{
		"/files":                  "/data",
		"/files/a/b":              "/data/a/b",
		"/files/../../etc/shadow": "/data/etc/shadow",
		"/files/a/../../x":        "/data/x",
	} {
		if got := s.filePath(in); got != want {
			t.Errorf("filePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBurn(t *testing.T) {
	_, ts, _ := newTest(t)
	start := time.Now()
	code, body := do(t, "GET", ts.URL+"/burn?ms=50", "")
	if code != 200 || !strings.Contains(body, "burned") {
		t.Fatalf("burn = %d %q", code, body)
	}
	if el := time.Since(start); el < 50*time.Millisecond {
		t.Errorf("burn returned after %v, want ≥ 50ms", el)
	}
	for _, q := range []string{"ms=-1", "ms=abc", "", "ms=600001"} {
		if code, _ := do(t, "GET", ts.URL+"/burn?"+q, ""); code != 400 {
			t.Errorf("burn?%s = %d, want 400", q, code)
		}
	}
}

func TestAllocAndFree(t *testing.T) {
	s, ts, _ := newTest(t)
	if code, body := do(t, "GET", ts.URL+"/alloc?mb=2", ""); code != 200 || !strings.Contains(body, "holds 2 MiB") {
		t.Fatalf("alloc = %d %q", code, body)
	}
	if code, body := do(t, "GET", ts.URL+"/alloc?mb=3", ""); code != 200 || !strings.Contains(body, "holds 5 MiB") {
		t.Fatalf("second alloc = %d %q", code, body)
	}
	s.mu.Lock()
	held := s.heldMiB()
	s.mu.Unlock()
	if held != 5 {
		t.Errorf("server holds %d MiB, want 5", held)
	}
	if code, body := do(t, "GET", ts.URL+"/free", ""); code != 200 || !strings.Contains(body, "freed 5 MiB") {
		t.Fatalf("free = %d %q", code, body)
	}
	if code, _ := do(t, "GET", ts.URL+"/alloc?mb=99999", ""); code != 400 {
		t.Errorf("huge alloc = %d, want 400", code)
	}
}
