package containerd

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCopyCRI(t *testing.T) {
	clock := time.Date(2026, 12, 2, 13, 0, 0, 5, time.UTC)
	now := func() time.Time { clock = clock.Add(time.Second); return clock }
	long := strings.Repeat("x", maxLogLine+3)
	cases := []struct {
		name, in, want string
	}{
		{"lines", "a\nb c\n", "2026-12-02T13:00:01.000000005Z stdout F a\n2026-12-02T13:00:02.000000005Z stdout F b c\n"},
		{"empty line", "\n", "2026-12-02T13:00:03.000000005Z stdout F \n"},
		{"unterminated end", "tail", "2026-12-02T13:00:04.000000005Z stdout P tail\n"},
		{"long line", long + "\n", "2026-12-02T13:00:05.000000005Z stdout P " + long[:maxLogLine] + "\n2026-12-02T13:00:06.000000005Z stdout F xxx\n"},
	}
	for _, c := range cases {
		var out bytes.Buffer
		if err := copyCRI(&out, "stdout", strings.NewReader(c.in), now); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if out.String() != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, out.String(), c.want)
		}
	}
}

// TestRunLogger feeds both streams through pipes, as the shim does, and
// reads the file back: every line in CRI form, ready signalled.
func TestRunLogger(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c", "0.log")
	or, ow := io.Pipe()
	er, ew := io.Pipe()
	readyCh := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- runLogger(path, or, er, func() error { close(readyCh); return nil }) }()
	<-readyCh
	io.WriteString(ow, "out1\n")
	io.WriteString(ew, "err1\n")
	ow.Close()
	ew.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("log = %q", data)
	}
	for _, want := range []string{" stdout F out1", " stderr F err1"} {
		found := false
		for _, l := range lines {
			ts, rest, _ := strings.Cut(l, " ")
			if _, err := time.Parse(time.RFC3339Nano, ts); err == nil && " "+rest == want {
				found = true
			}
		}
		if !found {
			t.Errorf("no line %q in %q", want, data)
		}
	}
}
