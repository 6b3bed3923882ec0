package main

import (
	"strings"
	"testing"

	"minik8s/images/oci"
)

func testInputs() Inputs {
	return Inputs{
		Pause: []byte("pause"), Testserver: []byte("ts"), Busybox: []byte("bb"),
		Applets: []string{"usr/bin/wget", "bin/sh", "bin/busybox", "sbin/ip", "usr/bin/nc"},
		Arch:    "amd64",
	}
}

func files(img oci.Image) map[string]oci.File {
	m := map[string]oci.File{}
	for _, f := range img.Files {
		m[strings.TrimPrefix(f.Path, "/")] = f
	}
	return m
}

func TestSpecs(t *testing.T) {
	specs := Specs(testInputs())
	byName := map[string]Spec{}
	for _, s := range specs {
		byName[s.Image.Name] = s
	}
	if len(byName) != 3 {
		t.Fatalf("got %d images, want 3", len(specs))
	}

	pause := byName[PauseImage]
	if pause.File != "pause.tar" || strings.Join(pause.Image.Config.Entrypoint, " ") != "/pause" {
		t.Errorf("pause spec %+v", pause)
	}
	if f := files(pause.Image)["pause"]; string(f.Data) != "pause" || f.Mode != 0o755 {
		t.Errorf("pause binary %+v", f)
	}

	tools := files(byName[ToolsImage].Image)
	for _, p := range []string{"bin/sh", "usr/bin/wget", "sbin/ip", "usr/bin/nc"} {
		if tools[p].Link != "/bin/busybox" {
			t.Errorf("tools %s = %+v, want a link to /bin/busybox", p, tools[p])
		}
	}
	if f := tools["bin/busybox"]; string(f.Data) != "bb" || f.Link != "" {
		t.Errorf("bin/busybox must stay the binary, got %+v", f)
	}
	if !strings.HasPrefix(string(tools["etc/passwd"].Data), "root:x:0:0:") || tools["etc/group"].Data == nil {
		t.Error("tools lacks /etc/passwd or /etc/group")
	}
	if !tools["tmp"].Dir || tools["tmp"].Mode != 0o1777 {
		t.Errorf("tools /tmp = %+v", tools["tmp"])
	}

	ts := byName[TestserverImage]
	tsf := files(ts.Image)
	if string(tsf["testserver"].Data) != "ts" || !tsf["data"].Dir || tsf["bin/sh"].Link == "" {
		t.Errorf("testserver files: %v", tsf)
	}
	cfg := ts.Image.Config
	if strings.Join(cfg.Entrypoint, " ") != "/testserver" || strings.Join(cfg.ExposedPorts, ",") != "8080/tcp" ||
		!strings.Contains(strings.Join(cfg.Env, " "), "PORT=8080") {
		t.Errorf("testserver config %+v", cfg)
	}

	// Every spec must build.
	for _, s := range specs {
		if _, err := oci.Build(s.Image); err != nil {
			t.Errorf("build %s: %v", s.Image.Name, err)
		}
	}
}

func TestSpecsShipOurWget(t *testing.T) {
	in := testInputs()
	in.Wget = []byte("go-wget")
	for _, s := range Specs(in) {
		if s.Image.Name == PauseImage {
			continue
		}
		var found []oci.File
		for _, f := range s.Image.Files {
			if f.Path == WgetPath {
				found = append(found, f)
			}
		}
		if len(found) != 1 || string(found[0].Data) != "go-wget" || found[0].Link != "" || found[0].Mode != 0o755 {
			t.Errorf("%s: %s = %+v, want one executable file with our wget", s.Image.Name, WgetPath, found)
		}
		if _, err := oci.Build(s.Image); err != nil {
			t.Errorf("build %s: %v", s.Image.Name, err)
		}
	}
}

func TestSpecsAddonImage(t *testing.T) {
	in := testInputs()
	in.Minik8s = []byte("multi-call")
	specs := Specs(in)
	if len(specs) != 4 {
		t.Fatalf("got %d images, want 4", len(specs))
	}
	s := specs[3]
	if s.Image.Name != Minik8sImage || s.File != "minik8s.tar" {
		t.Fatalf("add-on spec %s %s", s.Image.Name, s.File)
	}
	f := files(s.Image)
	if string(f["minik8s"].Data) != "multi-call" || f["minik8s"].Mode != 0o755 || f["usr/local/bin/kubectl"].Link != Minik8sPath ||
		f["bin/sh"].Link != "/bin/busybox" {
		t.Errorf("add-on files: %+v %+v %+v", f["minik8s"], f["usr/local/bin/kubectl"], f["bin/sh"])
	}
	// No entrypoint: pods name the subcommand (command: ["/minik8s", "dns"]).
	if cfg := s.Image.Config; len(cfg.Entrypoint) != 0 || len(cfg.Cmd) != 0 || cfg.Env[0] != defaultPath {
		t.Errorf("add-on config %+v", cfg)
	}
	if _, err := oci.Build(s.Image); err != nil {
		t.Errorf("build: %v", err)
	}
}
