package kubelet

import (
	"bytes"
	"strings"
	"testing"
)

// Attach hands the client the messages of the log's CRI lines, however
// the file's bytes arrive: split mid-line, partial (P) lines joined, and a
// plain-text file passed on as it is.
func TestAttachDecodesLogLines(t *testing.T) {
	cri := "2026-12-02T10:00:00.000000001Z stdout F hello\n" +
		"2026-12-02T10:00:01.000000001Z stderr P par\n" +
		"2026-12-02T10:00:01.000000002Z stderr F tial\n" +
		"2026-12-02T10:00:02.000000001Z stdout F last"
	for _, tc := range []struct{ name, in, want string }{
		{"cri", cri, "hello\npartial\nlast\n"},
		{"plain", "one\ntwo\nno newline", "one\ntwo\nno newline"},
	} {
		for _, chunk := range []int{1, 7, 1 << 10} {
			var out bytes.Buffer
			l := &lineSplitter{line: newLogWriter(&out, logOptions{}).writeLine}
			for in := tc.in; in != ""; {
				n := min(chunk, len(in))
				if _, err := l.Write([]byte(in[:n])); err != nil {
					t.Fatal(err)
				}
				in = in[n:]
			}
			if err := l.flush(); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tc.want {
				t.Errorf("%s in chunks of %d: got %q, want %q", tc.name, chunk, got, strings.TrimSpace(tc.want))
			}
		}
	}
}
