package client

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// maxLoggedBody is how much of a body -v=8 logs.
const maxLoggedBody = 10240

// VerboseTransport logs each request as kubectl -v=N (klog through
// client-go's round_trippers.go) does: at 6 one line per request with
// its status and time, at 7 the request line and headers and the
// status, at 8 also the response headers and both bodies (truncated).
type VerboseTransport struct {
	Level int
	Out   io.Writer
	Next  http.RoundTripper
	// Now and PID default to time.Now and os.Getpid (tests set them).
	Now func() time.Time
	PID int

	mu sync.Mutex
}

// Logf writes one klog-style info line: "I1202 13:00:00.000000   12345 file:line] msg".
func (t *VerboseTransport) Logf(source, format string, args ...any) {
	now, pid := time.Now, os.Getpid()
	if t.Now != nil {
		now = t.Now
	}
	if t.PID != 0 {
		pid = t.PID
	}
	ts := now()
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.Out, "I%s.%06d %7d %s] %s\n", ts.Format("0102 15:04:05"), ts.Nanosecond()/1000, pid, source, fmt.Sprintf(format, args...))
}

func headerLines(h http.Header) []string {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		v := strings.Join(h[k], ", ")
		if strings.EqualFold(k, "Authorization") {
			v = "Bearer <masked>"
		}
		out = append(out, "    "+k+": "+v)
	}
	return out
}

func truncated(b []byte) string {
	if len(b) > maxLoggedBody {
		return string(b[:maxLoggedBody]) + fmt.Sprintf(" [truncated %d chars]", len(b)-maxLoggedBody)
	}
	return string(b)
}

// RoundTrip implements http.RoundTripper.
func (t *VerboseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	if t.Level >= 8 && req.Body != nil && req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(body)
			t.Logf("helper.go:105", "%q body=%q", "Request Body", truncated(b))
		}
	}
	if t.Level >= 7 {
		t.Logf("round_trippers.go:470", "%s %s", req.Method, req.URL)
		t.Logf("round_trippers.go:476", "Request Headers:")
		for _, l := range headerLines(req.Header) {
			t.Logf("round_trippers.go:480", "%s", l)
		}
	}
	start := time.Now()
	resp, err := next.RoundTrip(req)
	ms := time.Since(start).Milliseconds()
	status := ""
	if resp != nil {
		status = resp.Status
	}
	switch {
	case t.Level >= 7:
		t.Logf("round_trippers.go:581", "Response Status: %s in %d milliseconds", status, ms)
	default:
		t.Logf("round_trippers.go:560", "%s %s %s in %d milliseconds", req.Method, req.URL, status, ms)
	}
	if err != nil || t.Level < 8 {
		return resp, err
	}
	t.Logf("round_trippers.go:584", "Response Headers:")
	for _, l := range headerLines(resp.Header) {
		t.Logf("round_trippers.go:587", "%s", l)
	}
	if isStream(req) {
		return resp, nil // a watch or a followed log: its body is not read here
	}
	b, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if rerr == nil {
		t.Logf("helper.go:105", "%q body=%q", "Response Body", truncated(b))
	}
	return resp, nil
}

func isStream(req *http.Request) bool {
	q := req.URL.Query()
	return q.Get("watch") == "true" || q.Get("follow") == "true"
}
