package kubectl

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"
)

func TestParseCpSpec(t *testing.T) {
	tests := []struct {
		arg     string
		want    cpSpec
		wantErr bool
	}{
		{arg: "/tmp/foo", want: cpSpec{file: "/tmp/foo"}},
		{arg: "web:/tmp/foo", want: cpSpec{pod: "web", file: "/tmp/foo"}},
		{arg: "ns1/web:/tmp/foo", want: cpSpec{namespace: "ns1", pod: "web", file: "/tmp/foo"}},
		{arg: "web:", want: cpSpec{pod: "web"}},
		{arg: `web:c:\dir`, want: cpSpec{pod: "web", file: "c:/dir"}},
		{arg: ":/tmp", wantErr: true},
		{arg: "a/b/c:/tmp", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseCpSpec(tt.arg)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("parseCpSpec(%q) = %+v, %v; want %+v (err %v)", tt.arg, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestStripPathShortcuts(t *testing.T) {
	for in, want := range map[string]string{
		"../../foo": "foo", "/foo/bar": "foo/bar", "..": "", ".": "", "foo/../bar": "foo/../bar", "": "",
	} {
		if got := stripPathShortcuts(in); got != want {
			t.Errorf("stripPathShortcuts(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUntarTarget(t *testing.T) {
	tests := []struct {
		name, prefix, entry string
		want                string
		wantErr             bool
	}{
		{name: "file in dir", prefix: "tmp/src", entry: "tmp/src/a.txt", want: "/dest/a.txt"},
		{name: "the source itself", prefix: "tmp/src", entry: "tmp/src", want: "/dest"},
		{name: "escape with ..", prefix: "tmp/src", entry: "tmp/src/../../../etc/passwd", want: ""},
		{name: "not under the source", prefix: "tmp/src", entry: "etc/passwd", wantErr: true},
		{name: "deep", prefix: "src", entry: "src/d/e/f", want: "/dest/d/e/f"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := untarTarget("/dest", tt.prefix, tt.entry)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("untarTarget = %q, %v; want %q (err %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestMakeTarAndUntar: a local tree packed as kubectl packs it unpacks
// to the same tree; a hostile archive cannot write outside the destination.
func TestMakeTarAndUntar(t *testing.T) {
	src := filepath.Join(t.TempDir(), "tree")
	for name, body := range map[string]string{"a.txt": "A", "d/b.txt": "B", "d/e/c.txt": "C"} {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(src, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := makeTar(src, "/remote/copy", &buf); err != nil {
		t.Fatal(err)
	}
	var names []string
	tr := tar.NewReader(bytes.NewReader(buf.Bytes()))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
	sort.Strings(names)
	want := []string{"copy/a.txt", "copy/d/b.txt", "copy/d/e/c.txt", "copy/empty"}
	if len(names) != len(want) {
		t.Fatalf("entries %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("entries %v, want %v", names, want)
		}
	}

	// Unpack as if the pod's tar cf - /remote/copy had produced it.
	dest := filepath.Join(t.TempDir(), "out")
	var errb bytes.Buffer
	x := &cpExec{o: &options{out: io.Discard, err: &errb}, ns: "default"}
	if err := x.untar(bytes.NewReader(buf.Bytes()), dest, "copy", cpSpec{pod: "web", file: "/remote/copy"}); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"a.txt": "A", "d/b.txt": "B", "d/e/c.txt": "C"} {
		if b, err := os.ReadFile(filepath.Join(dest, name)); err != nil || string(b) != body {
			t.Errorf("%s = %q, %v", name, b, err)
		}
	}
	if st, err := os.Stat(filepath.Join(dest, "empty")); err != nil || !st.IsDir() {
		t.Errorf("empty dir: %v", err)
	}

	// A tar with a ../ escape: skipped with kubectl's warning.
	var evil bytes.Buffer
	tw := tar.NewWriter(&evil)
	body := []byte("pwned")
	_ = tw.WriteHeader(&tar.Header{Name: "copy/../../escaped", Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
	_, _ = tw.Write(body)
	_ = tw.Close()
	errb.Reset()
	if err := x.untar(&evil, dest, "copy", cpSpec{pod: "web", file: "/remote/copy"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dest), "escaped")); err == nil {
		t.Fatal("the archive wrote outside the destination")
	}
	if !bytes.Contains(errb.Bytes(), []byte("is outside target destination, skipping")) {
		t.Fatalf("stderr = %q", errb.String())
	}
}

func TestProxyFilter(t *testing.T) {
	f := &proxyFilter{}
	var err error
	for _, l := range []struct {
		s   string
		dst *[]*regexp.Regexp
	}{{defaultAcceptHosts, &f.acceptHosts}, {defaultAcceptPaths, &f.acceptPaths}, {defaultRejectPaths, &f.rejectPaths}, {defaultRejectMeths, &f.rejectMethods}} {
		if *l.dst, err = compileList(l.s); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		method, path, host string
		want               bool
	}{
		{"GET", "/api/v1/namespaces/default/services/web:80/proxy/", "127.0.0.1:8001", true},
		{"GET", "/api/v1/pods", "localhost:8001", true},
		{"GET", "/api/v1/pods", "[::1]:8001", false}, // as kubectl: the host is ::1, the pattern wants brackets
		{"GET", "/api/v1/pods", "evil.example:8001", false},
		{"POST", "/api/v1/namespaces/default/pods/web/exec", "127.0.0.1:8001", false},
		{"GET", "/api/v1/namespaces/default/pods/web/attach", "127.0.0.1", false},
		{"GET", "/api/v1/namespaces/default/pods/web/log", "127.0.0.1", true},
	}
	for _, tt := range tests {
		if got := f.accept(tt.method, tt.path, tt.host); got != tt.want {
			t.Errorf("accept(%s %s %s) = %v", tt.method, tt.path, tt.host, got)
		}
	}
}
