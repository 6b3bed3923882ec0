// Package oci writes OCI image-layout tarballs (oci-layout, index.json and
// blobs/sha256/…) that `ctr images import` accepts, from an in-memory list of
// files. It uses only the standard library and is deterministic: the same
// files and config always give the same digests (fixed timestamps and
// ownership, sorted entries, gzip without name or time).
package oci
