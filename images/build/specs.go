package main

import (
	"path"
	"sort"

	"minik8s/images/oci"
)

// The image names; the kubelet and examples/ refer to them.
const (
	PauseImage      = "docker.io/minik8s/pause:3.9"
	ToolsImage      = "docker.io/minik8s/tools:latest"
	TestserverImage = "docker.io/minik8s/testserver:latest"
	// Minik8sImage is the add-on image: the static multi-call binary at
	// /minik8s (no entrypoint: pods run `command: ["/minik8s", "dns"]`),
	// on the tools image's busybox userland for `kubectl exec` debugging.
	Minik8sImage = "docker.io/minik8s/minik8s:latest"
)

// Minik8sPath is where the add-on image has the multi-call binary.
const Minik8sPath = "/minik8s"

const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Inputs are the binaries the images are made of.
type Inputs struct {
	Pause, Testserver, Busybox []byte
	// Minik8s is the static cmd/minik8s binary of the add-on image; nil
	// leaves that image out.
	Minik8s []byte
	// Wget is the static images/wget binary, installed as /usr/bin/wget
	// in place of the busybox applet (Debian's busybox 1.35 crashes on
	// `wget -T SEC`); nil keeps the applet.
	Wget    []byte
	Applets []string // busybox --list-full
	Arch    string
}

// WgetPath is where the image's wget is, as busybox installs the applet.
const WgetPath = "/usr/bin/wget"

// Spec is one image and the file it is written to.
type Spec struct {
	File  string
	Image oci.Image
}

// Specs decides the content and config of every image. Pure.
func Specs(in Inputs) []Spec {
	label := map[string]string{"io.minik8s.image": "true"}
	specs := []Spec{
		{File: "pause.tar", Image: oci.Image{
			Name: PauseImage, Arch: in.Arch,
			Files: []oci.File{{Path: "/pause", Mode: 0o755, Data: in.Pause}},
			Config: oci.Config{
				Entrypoint: []string{"/pause"},
				Env:        []string{defaultPath},
				WorkingDir: "/",
				Labels:     label,
			},
		}},
		{File: "tools.tar", Image: oci.Image{
			Name: ToolsImage, Arch: in.Arch,
			Files: rootfsBase(in),
			Config: oci.Config{
				Cmd:        []string{"sh"},
				Env:        []string{defaultPath},
				WorkingDir: "/",
				Labels:     label,
			},
		}},
		{File: "testserver.tar", Image: oci.Image{
			Name: TestserverImage, Arch: in.Arch,
			Files: append(rootfsBase(in),
				oci.File{Path: "/testserver", Mode: 0o755, Data: in.Testserver},
				oci.File{Path: "/data", Dir: true, Mode: 0o777},
			),
			Config: oci.Config{
				Entrypoint:   []string{"/testserver"},
				Env:          []string{defaultPath, "PORT=8080", "FILES_DIR=/data"},
				WorkingDir:   "/",
				ExposedPorts: []string{"8080/tcp"},
				Labels:       label,
			},
		}},
	}
	if in.Minik8s != nil {
		specs = append(specs, Spec{File: "minik8s.tar", Image: oci.Image{
			Name: Minik8sImage, Arch: in.Arch,
			Files: append(rootfsBase(in),
				oci.File{Path: Minik8sPath, Mode: 0o755, Data: in.Minik8s},
				oci.File{Path: "/usr/local/bin/kubectl", Link: Minik8sPath},
			),
			Config: oci.Config{
				Env:        []string{defaultPath},
				WorkingDir: "/",
				Labels:     label,
			},
		}})
	}
	return specs
}

// rootfsBase is a minimal busybox userland: /bin/busybox with a symlink per
// applet (but /usr/bin/wget, our own wget when given), /etc/passwd and
// /etc/group, /tmp, /root, and empty /proc, /sys, /dev mount points.
func rootfsBase(in Inputs) []oci.File {
	files := []oci.File{
		{Path: "/bin/busybox", Mode: 0o755, Data: in.Busybox},
		{Path: "/etc/passwd", Data: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")},
		{Path: "/etc/group", Data: []byte("root:x:0:\nnobody:x:65534:\n")},
		{Path: "/tmp", Dir: true, Mode: 0o1777},
		{Path: "/root", Dir: true, Mode: 0o700},
		{Path: "/proc", Dir: true},
		{Path: "/sys", Dir: true},
		{Path: "/dev", Dir: true},
	}
	if in.Wget != nil {
		files = append(files, oci.File{Path: WgetPath, Mode: 0o755, Data: in.Wget})
	}
	applets := append([]string(nil), in.Applets...)
	sort.Strings(applets)
	for _, a := range applets {
		p := path.Clean("/" + a)
		if p == "/bin/busybox" || p == "/" || (p == WgetPath && in.Wget != nil) {
			continue
		}
		files = append(files, oci.File{Path: p, Link: "/bin/busybox"})
	}
	return files
}
