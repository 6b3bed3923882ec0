package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"strings"
	"testing"
)

func sampleImage() Image {
	return Image{
		Name: "docker.io/minik8s/sample:1.0",
		Files: []File{
			{Path: "/bin/busybox", Mode: 0o755, Data: []byte("binary")},
			{Path: "bin/sh", Link: "/bin/busybox"},
			{Path: "/tmp", Dir: true, Mode: 0o1777},
			{Path: "/etc/passwd", Data: []byte("root:x:0:0:root:/root:/bin/sh\n")},
		},
		Config: Config{Entrypoint: []string{"/bin/sh"}, Env: []string{"PATH=/bin"}, ExposedPorts: []string{"8080/tcp"}, WorkingDir: "/"},
	}
}

type tarEntry struct {
	typ  byte
	mode int64
	link string
	data string
}

func readTar(t *testing.T, r io.Reader) (map[string]tarEntry, []string) {
	t.Helper()
	tr := tar.NewReader(r)
	m := map[string]tarEntry{}
	var order []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return m, order
		}
		if err != nil {
			t.Fatalf("read tar: %v", err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("read %s: %v", h.Name, err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != 0 {
			t.Errorf("%s: uid %d gid %d mtime %v, want 0 0 epoch", h.Name, h.Uid, h.Gid, h.ModTime)
		}
		m[h.Name] = tarEntry{typ: h.Typeflag, mode: h.Mode, link: h.Linkname, data: string(b)}
		order = append(order, h.Name)
	}
}

func TestTarAddsParentsSortedAndTyped(t *testing.T) {
	raw, err := Tar(sampleImage().Files)
	if err != nil {
		t.Fatal(err)
	}
	m, order := readTar(t, bytes.NewReader(raw))
	want := []string{"bin/", "bin/busybox", "bin/sh", "etc/", "etc/passwd", "tmp/"}
	if strings.Join(order, " ") != strings.Join(want, " ") {
		t.Fatalf("entries %v, want %v", order, want)
	}
	if e := m["bin/sh"]; e.typ != tar.TypeSymlink || e.link != "/bin/busybox" {
		t.Errorf("bin/sh = %+v, want symlink to /bin/busybox", e)
	}
	if e := m["bin/busybox"]; e.typ != tar.TypeReg || e.mode != 0o755 || e.data != "binary" {
		t.Errorf("bin/busybox = %+v", e)
	}
	if e := m["etc/passwd"]; e.mode != 0o644 {
		t.Errorf("etc/passwd mode %o, want 644 by default", e.mode)
	}
	if e := m["tmp/"]; e.typ != tar.TypeDir || e.mode != 0o1777 {
		t.Errorf("tmp/ = %+v, want dir 1777", e)
	}
	if e := m["etc/"]; e.typ != tar.TypeDir || e.mode != 0o755 {
		t.Errorf("implied etc/ = %+v, want dir 755", e)
	}
}

func TestTarRejectsBadPaths(t *testing.T) {
	for name, files := range map[string][]File{
		"dotdot":         {{Path: "../etc/passwd", Data: nil}},
		"file as parent": {{Path: "/a", Data: []byte("x")}, {Path: "/a/b", Data: []byte("y")}},
	} {
		if _, err := Tar(files); err == nil {
			t.Errorf("%s: Tar accepted %v", name, files)
		}
	}
}

func TestBuildIsDeterministicAndConsistent(t *testing.T) {
	a, err := Build(sampleImage())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Build(sampleImage())
	if err != nil {
		t.Fatal(err)
	}
	if a.Manifest.Digest != b.Manifest.Digest {
		t.Fatalf("two builds differ: %s vs %s", a.Manifest.Digest, b.Manifest.Digest)
	}
	changed := sampleImage()
	changed.Config.Cmd = []string{"-c", "true"}
	c, err := Build(changed)
	if err != nil {
		t.Fatal(err)
	}
	if c.Manifest.Digest == a.Manifest.Digest {
		t.Fatal("changing the config did not change the digest")
	}

	for _, bl := range a.Blobs {
		if Digest(bl.Data) != bl.Digest {
			t.Errorf("blob %s has digest %s", bl.Digest, Digest(bl.Data))
		}
	}
	var idx index
	if err := json.Unmarshal(a.Index, &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx.Manifests) != 1 || idx.Manifests[0].Digest != a.Manifest.Digest {
		t.Fatalf("index %s does not point at the manifest %s", a.Index, a.Manifest.Digest)
	}
	ann := idx.Manifests[0].Annotations
	if ann[AnnotationImageName] != "docker.io/minik8s/sample:1.0" || ann[AnnotationRefName] != "1.0" {
		t.Errorf("annotations %v", ann)
	}
	if p := idx.Manifests[0].Platform; p == nil || p.OS != "linux" || p.Architecture != "amd64" {
		t.Errorf("platform %+v", p)
	}
}

func TestWriteTarLayoutAndConfig(t *testing.T) {
	built, err := Build(sampleImage())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteTar(&buf, built); err != nil {
		t.Fatal(err)
	}
	m, _ := readTar(t, bytes.NewReader(buf.Bytes()))
	if m["oci-layout"].data != ociLayout {
		t.Errorf("oci-layout = %q", m["oci-layout"].data)
	}
	blob := func(d string) []byte {
		e, ok := m["blobs/sha256/"+strings.TrimPrefix(d, "sha256:")]
		if !ok {
			t.Fatalf("blob %s missing from the layout", d)
		}
		return []byte(e.data)
	}
	var man manifest
	if err := json.Unmarshal(blob(built.Manifest.Digest), &man); err != nil {
		t.Fatal(err)
	}
	var cfg configFile
	if err := json.Unmarshal(blob(man.Config.Digest), &cfg); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Config.Entrypoint, " "); got != "/bin/sh" {
		t.Errorf("Entrypoint %q", got)
	}
	if _, ok := cfg.Config.ExposedPorts["8080/tcp"]; !ok || cfg.Config.WorkingDir != "/" || cfg.OS != "linux" {
		t.Errorf("config %+v", cfg)
	}
	// The layer's diff_id is the digest of the uncompressed layer.
	zr, err := gzip.NewReader(bytes.NewReader(blob(man.Layers[0].Digest)))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if Digest(raw) != cfg.RootFS.DiffIDs[0] {
		t.Errorf("diff_id %s, uncompressed layer is %s", cfg.RootFS.DiffIDs[0], Digest(raw))
	}
}

func TestTag(t *testing.T) {
	for ref, want := range map[string]string{
		"docker.io/minik8s/pause:3.9":  "3.9",
		"docker.io/minik8s/tools":      "latest",
		"localhost:5000/minik8s/tools": "latest",
		"localhost:5000/x:v2":          "v2",
	} {
		if got := Tag(ref); got != want {
			t.Errorf("Tag(%q) = %q, want %q", ref, got, want)
		}
	}
}
