// Package images holds minik8s's offline container images: the sources of
// their programs (pause/, testserver/), the OCI image-layout writer (oci/)
// and the program that assembles the images (build/). No registry and no
// image builder are needed: scripts/images.sh builds the binaries, writes
// OCI layout tarballs into .lab/images and imports them into containerd.
package images
