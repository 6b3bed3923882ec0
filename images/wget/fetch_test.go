package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	o, err := ParseArgs(args)
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code = Run(ctx, o, &out, &errb)
	return out.String(), errb.String(), code
}

func testServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/", "/file.txt":
			w.Header().Set("X-Test", "yes")
			fmt.Fprint(w, "hello\n")
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			fmt.Fprintf(w, "%s %s ua=%s x=%s", r.Method, b, r.UserAgent(), r.Header.Get("X-A"))
		case "/slow":
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestWgetToStdoutWithTimeout(t *testing.T) {
	srv := testServer(t)
	out, errs, code := run(t, "-T", "5", "-O", "-", srv.URL+"/")
	host := strings.TrimPrefix(srv.URL, "http://")
	if code != 0 || out != "hello\n" {
		t.Fatalf("code %d out %q err %q", code, out, errs)
	}
	for _, want := range []string{"Connecting to " + host + " (" + host + ")\n", "writing to stdout\n", "written to stdout\n"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr %q lacks %q", errs, want)
		}
	}
	out, errs, code = run(t, "-qO-", strings.TrimPrefix(srv.URL, "http://")+"/file.txt")
	if code != 0 || out != "hello\n" || errs != "" {
		t.Fatalf("-qO- without scheme: code %d out %q err %q", code, out, errs)
	}
}

func TestWgetErrors(t *testing.T) {
	srv := testServer(t)
	_, errs, code := run(t, "-q", "-O", "-", srv.URL+"/missing")
	if code != 1 || errs != "wget: server returned error: HTTP/1.1 404 Not Found\n" {
		t.Fatalf("404: code %d err %q", code, errs)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	_, errs, code = run(t, "-q", "-T", "2", "-O", "-", "http://"+addr+"/")
	if code != 1 || errs != "wget: can't connect to remote host (127.0.0.1): Connection refused\n" {
		t.Fatalf("refused: code %d err %q", code, errs)
	}
	_, errs, code = run(t, "-q", "-O", "-", "http://bad.host.invalid/")
	if code != 1 || errs != "wget: bad address 'bad.host.invalid'\n" {
		t.Fatalf("bad address: code %d err %q", code, errs)
	}
}

func TestWgetTimeout(t *testing.T) {
	srv := testServer(t)
	start := time.Now()
	_, errs, code := run(t, "-q", "-T", "1", "-O", "-", srv.URL+"/slow")
	if code != 1 || errs != "wget: download timed out\n" {
		t.Fatalf("code %d err %q", code, errs)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("-T 1 took %v", d)
	}
}

func TestWgetSavesFiles(t *testing.T) {
	srv := testServer(t)
	dir := t.TempDir()
	_, errs, code := run(t, "-P", dir, srv.URL+"/file.txt")
	b, _ := os.ReadFile(filepath.Join(dir, "file.txt"))
	if code != 0 || string(b) != "hello\n" || !strings.Contains(errs, "' saved\n") {
		t.Fatalf("-P: code %d file %q err %q", code, b, errs)
	}
	_, _, code = run(t, "-q", "-P", dir, srv.URL+"/")
	if b, _ := os.ReadFile(filepath.Join(dir, "index.html")); code != 0 || string(b) != "hello\n" {
		t.Fatalf("index.html: code %d file %q", code, b)
	}
	out := filepath.Join(dir, "out")
	_, _, code = run(t, "-q", "-O", out, srv.URL+"/echo", "--post-data", "k=v", "-U", "me", "--header", "X-A: 1")
	if b, _ := os.ReadFile(out); code != 0 || string(b) != "POST k=v ua=me x=1" {
		t.Fatalf("-O file with post: code %d file %q", code, b)
	}
}

func TestWgetSpiderAndServerResponse(t *testing.T) {
	srv := testServer(t)
	out, errs, code := run(t, "-S", "--spider", srv.URL+"/")
	if code != 0 || out != "" || !strings.Contains(errs, "  HTTP/1.1 200 OK\n") || !strings.Contains(errs, "  X-Test: yes\n") ||
		!strings.HasSuffix(errs, "remote file exists\n") {
		t.Fatalf("code %d out %q err %q", code, out, errs)
	}
	_, _, code = run(t, "-q", "--spider", srv.URL+"/missing")
	if code != 1 {
		t.Fatalf("spider of a missing file: code %d", code)
	}
}

func TestWgetServerResponseEvenQuiet(t *testing.T) {
	srv := testServer(t)
	out, errs, code := run(t, "-q", "-S", "-O", "-", srv.URL+"/")
	if code != 0 || out != "hello\n" || !strings.HasPrefix(errs, "  HTTP/1.1 200 OK\n") || strings.Contains(errs, "Connecting") {
		t.Fatalf("code %d out %q err %q", code, out, errs)
	}
}
