package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"minik8s/images/oci"
)

// toolsRootfs builds the tools image as images/build does (our static
// wget, the host's /bin/busybox), writes its OCI layout tarball and
// extracts the layers of that tarball into a directory.
func toolsRootfs(t *testing.T) string {
	t.Helper()
	const busybox = "/bin/busybox"
	if _, err := os.Stat(busybox); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("busybox-static is required in CI (make deps installs it): %v", err)
		}
		t.Skipf("needs Debian's busybox-static at %s: %v", busybox, err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	tmp := t.TempDir()
	wgetBin := filepath.Join(tmp, "wget")
	build := exec.Command(goBin, "build", "-trimpath", "-ldflags", "-s -w", "-o", wgetBin, "minik8s/images/wget")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build images/wget: %v\n%s", err, out)
	}
	var in Inputs
	if in.Busybox, err = os.ReadFile(busybox); err != nil {
		t.Fatal(err)
	}
	if in.Wget, err = os.ReadFile(wgetBin); err != nil {
		t.Fatal(err)
	}
	if in.Applets, err = busyboxApplets(busybox); err != nil {
		t.Fatal(err)
	}
	in.Arch = runtime.GOARCH
	in.Pause, in.Testserver = []byte("unused"), []byte("unused")
	var tools *Spec
	for _, s := range Specs(in) {
		if s.Image.Name == ToolsImage {
			tools = &s
		}
	}
	built, err := oci.Build(tools.Image)
	if err != nil {
		t.Fatal(err)
	}
	tarball := filepath.Join(tmp, "tools.tar")
	if err := oci.WriteFile(tarball, built); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(tmp, "rootfs")
	extractOCI(t, tarball, root)
	return root
}

// extractOCI unpacks the layers of an OCI layout tarball into root.
func extractOCI(t *testing.T, tarball, root string) {
	t.Helper()
	f, err := os.Open(tarball)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			b, _ := io.ReadAll(tr)
			files[h.Name] = b
		}
	}
	blob := func(digest string) []byte {
		b, ok := files["blobs/sha256/"+strings.TrimPrefix(digest, "sha256:")]
		if !ok {
			t.Fatalf("blob %s missing from the tarball", digest)
		}
		return b
	}
	var idx, man struct {
		Manifests []struct{ Digest string } `json:"manifests"`
		Layers    []struct{ Digest string } `json:"layers"`
	}
	if err := json.Unmarshal(files["index.json"], &idx); err != nil || len(idx.Manifests) != 1 {
		t.Fatalf("index.json: %v %s", err, files["index.json"])
	}
	if err := json.Unmarshal(blob(idx.Manifests[0].Digest), &man); err != nil || len(man.Layers) == 0 {
		t.Fatalf("manifest: %v", err)
	}
	for _, l := range man.Layers {
		zr, err := gzip.NewReader(bytes.NewReader(blob(l.Digest)))
		if err != nil {
			t.Fatal(err)
		}
		untar(t, tar.NewReader(zr), root)
	}
}

func untar(t *testing.T, tr *tar.Reader, root string) {
	t.Helper()
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, filepath.FromSlash(h.Name))
		if !strings.HasPrefix(p, root) {
			t.Fatalf("layer entry %q escapes the root", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, os.FileMode(h.Mode)&os.ModePerm)
			if err == nil {
				err = os.Chmod(p, os.FileMode(h.Mode)&os.ModePerm)
			}
		case tar.TypeSymlink:
			err = os.Symlink(h.Linkname, p)
		case tar.TypeReg:
			var b []byte
			if b, err = io.ReadAll(tr); err == nil {
				err = os.WriteFile(p, b, os.FileMode(h.Mode)&os.ModePerm)
			}
		}
		if err != nil {
			t.Fatalf("extract %s: %v", h.Name, err)
		}
	}
}

// inRootfs runs a shell command chrooted into root (the image's PATH, a
// bounded time) and returns its combined output and exit code.
func inRootfs(t *testing.T, root, script string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	cmd.Dir = "/"
	cmd.Env = []string{defaultPath, "HOME=/root"}
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("%s: %v", script, err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

func TestToolsImageNetworkCommands(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chroot into the tools image needs root (make test runs as root)")
	}
	root := toolsRootfs(t)

	t.Run("wget -T", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello from %s\n", r.URL.Path)
		}))
		defer srv.Close()
		out, code := inRootfs(t, root, "wget -T 5 -O - "+srv.URL+"/index.html")
		if code != 0 || !strings.Contains(out, "hello from /index.html\n") {
			t.Fatalf("wget -T 5: exit %d\n%s", code, out)
		}
		out, code = inRootfs(t, root, "wget -q -T 2 -O /tmp/got "+srv.URL+"/x && cat /tmp/got")
		if code != 0 || out != "hello from /x\n" {
			t.Fatalf("wget -q -O file: exit %d\n%s", code, out)
		}
		if out, code = inRootfs(t, root, "wget -q -T 1 -O - "+srv.URL[:strings.LastIndex(srv.URL, ":")]+":1/"); code != 1 {
			t.Fatalf("wget to a closed port: exit %d, want 1\n%s", code, out)
		}
	})

	t.Run("nslookup", func(t *testing.T) {
		addr := serveDNS(t, "probe.minik8s.test.", net.IPv4(10, 1, 2, 3))
		out, code := inRootfs(t, root, "nslookup probe.minik8s.test "+addr)
		if code != 0 || !strings.Contains(out, "Address: 10.1.2.3") {
			t.Fatalf("nslookup: exit %d\n%s", code, out)
		}
	})

	t.Run("nc", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			fmt.Fprintf(c, "pong %s", line)
		}()
		_, port, _ := net.SplitHostPort(l.Addr().String())
		out, code := inRootfs(t, root, "echo ping | nc -w 5 127.0.0.1 "+port)
		if code != 0 || out != "pong ping\n" {
			t.Fatalf("nc: exit %d\n%q", code, out)
		}
	})

	t.Run("ping", func(t *testing.T) {
		out, code := inRootfs(t, root, "ping -c 1 -W 2 127.0.0.1")
		if code != 0 || !strings.Contains(out, "1 packets received") {
			t.Fatalf("ping: exit %d\n%s", code, out)
		}
	})

	t.Run("ip addr", func(t *testing.T) {
		out, code := inRootfs(t, root, "ip addr")
		if code != 0 || !strings.Contains(out, "inet 127.0.0.1/8") {
			t.Fatalf("ip addr: exit %d\n%s", code, out)
		}
	})
}

// serveDNS answers A queries for name with ip (and every other query with
// an empty NOERROR answer) on a UDP port of 127.0.0.1; it returns the
// address as nslookup takes it ("127.0.0.1:PORT").
func serveDNS(t *testing.T, name string, ip net.IP) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 512)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if resp := dnsAnswer(buf[:n], name, ip); resp != nil {
				_, _ = pc.WriteTo(resp, from)
			}
		}
	}()
	return pc.LocalAddr().String()
}

// dnsAnswer builds the response to one query (RFC 1035 wire format).
func dnsAnswer(q []byte, name string, ip net.IP) []byte {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:6]) != 1 {
		return nil
	}
	// Walk the question's name to find its end.
	i, labels := 12, []string{}
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil
	}
	qEnd := i + 5 // zero byte, type, class
	qtype := binary.BigEndian.Uint16(q[i+1 : i+3])
	match := strings.EqualFold(strings.Join(labels, ".")+".", name) && qtype == 1
	resp := append([]byte(nil), q[:qEnd]...)
	binary.BigEndian.PutUint16(resp[2:4], 0x8180) // response, RD, RA, NOERROR
	binary.BigEndian.PutUint16(resp[8:10], 0)     // no authority
	binary.BigEndian.PutUint16(resp[10:12], 0)    // no additional
	if !match {
		binary.BigEndian.PutUint16(resp[6:8], 0)
		return resp
	}
	binary.BigEndian.PutUint16(resp[6:8], 1)
	resp = append(resp, 0xc0, 12) // the question's name
	resp = binary.BigEndian.AppendUint16(resp, 1)
	resp = binary.BigEndian.AppendUint16(resp, 1)
	resp = binary.BigEndian.AppendUint32(resp, 60)
	resp = binary.BigEndian.AppendUint16(resp, 4)
	return append(resp, ip.To4()...)
}
