package client

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// WarningHeader is one warning of an HTTP Warning header (RFC 7234 5.5):
// Kubernetes sends `299 - "text"`.
type WarningHeader struct {
	Code  int
	Agent string
	Text  string
}

// ParseWarningHeaders reads the Warning header values of a response, each
// a comma-separated list of `code agent "text" ["date"]`, as client-go's
// ParseWarningHeaders; malformed entries are skipped.
func ParseWarningHeaders(values []string) []WarningHeader {
	var out []WarningHeader
	for _, v := range values {
		for s := strings.TrimSpace(v); s != ""; {
			w, rest, ok := parseWarning(s)
			if !ok {
				break
			}
			out = append(out, w)
			s = strings.TrimPrefix(strings.TrimSpace(rest), ",")
			s = strings.TrimSpace(s)
		}
	}
	return out
}

// parseWarning reads one warning from the start of s and returns the rest.
func parseWarning(s string) (WarningHeader, string, bool) {
	codeStr, s, ok := strings.Cut(s, " ")
	if !ok {
		return WarningHeader{}, "", false
	}
	code, err := strconv.Atoi(codeStr)
	if err != nil || len(codeStr) != 3 {
		return WarningHeader{}, "", false
	}
	agent, s, ok := strings.Cut(strings.TrimLeft(s, " "), " ")
	if !ok {
		return WarningHeader{}, "", false
	}
	s = strings.TrimLeft(s, " ")
	text, rest, ok := quotedPrefix(s)
	if !ok {
		return WarningHeader{}, "", false
	}
	rest = strings.TrimLeft(rest, " ")
	if strings.HasPrefix(rest, `"`) { // an optional warn-date
		if _, r, ok := quotedPrefix(rest); ok {
			rest = r
		}
	}
	return WarningHeader{Code: code, Agent: agent, Text: text}, rest, true
}

// quotedPrefix unquotes the quoted string at the start of s.
func quotedPrefix(s string) (string, string, bool) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", "", false
	}
	text, err := strconv.Unquote(q)
	if err != nil {
		return "", "", false
	}
	return text, s[len(q):], true
}

// WarningTransport hands the 299 warnings of every response to Handle,
// each text once when Deduplicate (kubectl's warning writer).
type WarningTransport struct {
	Next        http.RoundTripper
	Handle      func(text string)
	Deduplicate bool

	mu   sync.Mutex
	seen map[string]bool
}

// RoundTrip implements http.RoundTripper.
func (t *WarningTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.Next.RoundTrip(r)
	if err != nil || resp == nil {
		return resp, err
	}
	for _, w := range ParseWarningHeaders(resp.Header.Values("Warning")) {
		if w.Code != 299 || w.Text == "" {
			continue
		}
		if t.Deduplicate {
			t.mu.Lock()
			dup := t.seen[w.Text]
			if t.seen == nil {
				t.seen = map[string]bool{}
			}
			t.seen[w.Text] = true
			t.mu.Unlock()
			if dup {
				continue
			}
		}
		t.Handle(w.Text)
	}
	return resp, nil
}
