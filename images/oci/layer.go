package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
)

// epoch is the timestamp of every tar entry and of the image config, so that
// builds are reproducible.
var epoch = time.Unix(0, 0).UTC()

// File is one entry of an image's root filesystem. Exactly one of Data (a
// regular file, possibly empty), Link (a symbolic link to Link) or Dir is
// meant; Path is absolute or relative to the root ("bin/sh" == "/bin/sh").
type File struct {
	Path string
	Mode int64 // permission bits; 0 means 0644 for files, 0755 for dirs
	Data []byte
	Link string
	Dir  bool
}

// Layer is a gzip-compressed layer tarball with its digests.
type Layer struct {
	Blob   []byte // the .tar.gz bytes
	Digest string // sha256:… of Blob
	DiffID string // sha256:… of the uncompressed tar
}

// cleanPath turns p into a root-relative, slash-separated path without
// "..", or "" for the root itself.
func cleanPath(p string) (string, error) {
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return "", fmt.Errorf("path %q has a \"..\" element", p)
		}
	}
	return strings.TrimPrefix(path.Clean("/"+p), "/"), nil
}

// entries normalises files into the sorted list of tar entries, adding the
// parent directories that are not listed. A later File with the same path
// replaces an earlier one.
func entries(files []File) ([]File, error) {
	byPath := map[string]File{}
	for _, f := range files {
		p, err := cleanPath(f.Path)
		if err != nil {
			return nil, err
		}
		if p == "" {
			continue // the root itself is implicit
		}
		f.Path = p
		if f.Mode == 0 {
			f.Mode = 0o644
			if f.Dir {
				f.Mode = 0o755
			}
		}
		byPath[p] = f
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if _, ok := byPath[d]; !ok {
				byPath[d] = File{Path: d, Dir: true, Mode: 0o755}
			}
		}
	}
	out := make([]File, 0, len(byPath))
	for _, f := range byPath {
		if !f.Dir {
			// a directory implied by a file must not be a file too
			for d := path.Dir(f.Path); d != "."; d = path.Dir(d) {
				if !byPath[d].Dir {
					return nil, fmt.Errorf("%q is both a file and the parent of %q", d, f.Path)
				}
			}
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// Tar returns the uncompressed tar of files (with parent directories added,
// sorted by path, owned by root, timestamps at the Unix epoch).
func Tar(files []File) ([]byte, error) {
	es, err := entries(files)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range es {
		h := &tar.Header{
			Name:    f.Path,
			Mode:    f.Mode,
			ModTime: epoch,
			Uname:   "root",
			Gname:   "root",
			Format:  tar.FormatPAX,
		}
		switch {
		case f.Dir:
			h.Typeflag = tar.TypeDir
			h.Name += "/"
		case f.Link != "":
			h.Typeflag = tar.TypeSymlink
			h.Linkname = f.Link
			h.Mode = 0o777
		default:
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(f.Data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("tar header %s: %w", f.Path, err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Data); err != nil {
				return nil, fmt.Errorf("tar data %s: %w", f.Path, err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("close tar: %w", err)
	}
	return buf.Bytes(), nil
}

// NewLayer builds the gzip layer of files.
func NewLayer(files []File) (Layer, error) {
	raw, err := Tar(files)
	if err != nil {
		return Layer{}, err
	}
	var gz bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if err != nil {
		return Layer{}, fmt.Errorf("gzip: %w", err)
	}
	// Header left empty on purpose: no name, no mtime, so output is stable.
	if _, err := zw.Write(raw); err != nil {
		return Layer{}, fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return Layer{}, fmt.Errorf("gzip: %w", err)
	}
	return Layer{Blob: gz.Bytes(), Digest: Digest(gz.Bytes()), DiffID: Digest(raw)}, nil
}

// Digest is the OCI sha256 digest of b.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}
