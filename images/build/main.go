// Command build writes minik8s's offline images as OCI image-layout tarballs:
//
//	docker.io/minik8s/pause:3.9          pause.tar
//	docker.io/minik8s/tools:latest       tools.tar
//	docker.io/minik8s/testserver:latest  testserver.tar
//	docker.io/minik8s/minik8s:latest     minik8s.tar (with -minik8s: the add-on image)
//
// from prebuilt static binaries (scripts/images.sh builds them: pause,
// testserver and images/wget) and Debian's static busybox. It also writes images.txt: one "NAME DIGEST FILE" line per
// image, DIGEST being the manifest digest `ctr images ls` shows, so that the
// import step can skip images that are already there.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"minik8s/images/oci"
)

func main() {
	out := flag.String("out", ".lab/images", "output directory")
	pause := flag.String("pause", "", "static pause binary")
	testserver := flag.String("testserver", "", "static testserver binary")
	busybox := flag.String("busybox", "/bin/busybox", "static busybox binary (Debian's busybox-static)")
	minik8s := flag.String("minik8s", "", "static cmd/minik8s binary of the add-on image docker.io/minik8s/minik8s (empty: no add-on image)")
	wget := flag.String("wget", "", "static images/wget binary, installed as /usr/bin/wget (empty: busybox's applet, whose -T crashes)")
	arch := flag.String("arch", runtime.GOARCH, "image architecture")
	flag.Parse()
	if err := run(*out, *pause, *testserver, *busybox, *wget, *minik8s, *arch); err != nil {
		fmt.Fprintln(os.Stderr, "images/build:", err)
		os.Exit(1)
	}
}

func run(out, pausePath, testserverPath, busyboxPath, wgetPath, minik8sPath, arch string) error {
	if pausePath == "" || testserverPath == "" {
		return fmt.Errorf("-pause and -testserver are required")
	}
	var in Inputs
	var err error
	if in.Pause, err = os.ReadFile(pausePath); err != nil {
		return fmt.Errorf("read pause binary: %w", err)
	}
	if in.Testserver, err = os.ReadFile(testserverPath); err != nil {
		return fmt.Errorf("read testserver binary: %w", err)
	}
	if in.Busybox, err = os.ReadFile(busyboxPath); err != nil {
		return fmt.Errorf("read busybox (apt-get install busybox-static): %w", err)
	}
	if wgetPath != "" {
		if in.Wget, err = os.ReadFile(wgetPath); err != nil {
			return fmt.Errorf("read wget binary: %w", err)
		}
	}
	if minik8sPath != "" {
		if in.Minik8s, err = os.ReadFile(minik8sPath); err != nil {
			return fmt.Errorf("read minik8s binary: %w", err)
		}
	}
	if in.Applets, err = busyboxApplets(busyboxPath); err != nil {
		return err
	}
	in.Arch = arch

	var index strings.Builder
	for _, s := range Specs(in) {
		built, err := oci.Build(s.Image)
		if err != nil {
			return err
		}
		file := filepath.Join(out, s.File)
		if err := oci.WriteFile(file, built); err != nil {
			return err
		}
		fmt.Fprintf(&index, "%s %s %s\n", s.Image.Name, built.Manifest.Digest, s.File)
		fmt.Printf("%-40s %s %s\n", s.Image.Name, built.Manifest.Digest, file)
	}
	if err := os.WriteFile(filepath.Join(out, "images.txt"), []byte(index.String()), 0o644); err != nil {
		return fmt.Errorf("write images.txt: %w", err)
	}
	return nil
}

// busyboxApplets asks busybox for its applets' install paths
// ("bin/sh", "usr/bin/wget", …).
func busyboxApplets(busybox string) ([]string, error) {
	out, err := exec.Command(busybox, "--list-full").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --list-full: %w", busybox, err)
	}
	return strings.Fields(string(out)), nil
}
