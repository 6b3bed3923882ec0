package client

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestVerboseTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
		}
		io.WriteString(w, `{"kind":"X"}`)
	}))
	defer srv.Close()
	now := time.Date(2026, 12, 2, 13, 0, 0, 123456789, time.UTC)
	get := func(level int, path string) string {
		var log bytes.Buffer
		vt := &VerboseTransport{Level: level, Out: &log, Now: func() time.Time { return now }, PID: 4242}
		c := &http.Client{Transport: vt}
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Accept", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != `{"kind":"X"}` {
			t.Fatalf("body after logging = %q", body)
		}
		return regexp.MustCompile(`in \d+ milliseconds`).ReplaceAllString(log.String(), "in N milliseconds")
	}
	head := "I1202 13:00:00.123456    4242 "
	if got, want := get(6, "/missing"), head+"round_trippers.go:560] GET "+srv.URL+"/missing 404 Not Found in N milliseconds\n"; got != want {
		t.Errorf("-v=6:\n got %q\nwant %q", got, want)
	}
	want7 := head + "round_trippers.go:470] GET " + srv.URL + "/x\n" +
		head + "round_trippers.go:476] Request Headers:\n" +
		head + "round_trippers.go:480]     Accept: application/json\n" +
		head + "round_trippers.go:581] Response Status: 200 OK in N milliseconds\n"
	if got := get(7, "/x"); got != want7 {
		t.Errorf("-v=7:\n got %q\nwant %q", got, want7)
	}
	got8 := get(8, "/x")
	for _, want := range []string{want7, head + "round_trippers.go:584] Response Headers:\n",
		head + "round_trippers.go:587]     Content-Type: application/json\n",
		head + `helper.go:105] "Response Body" body="{\"kind\":\"X\"}"` + "\n"} {
		if !strings.Contains(got8, want) {
			t.Errorf("-v=8 lacks %q:\n%s", want, got8)
		}
	}
}
