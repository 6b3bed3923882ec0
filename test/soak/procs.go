package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Sample is one reading of one process.
type Sample struct {
	PID   int
	RSSKB int64
	FDs   int
	Err   error // the process is gone or unreadable
}

// readPID reads a pid file.
func readPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pid file %s holds %q, not a pid", path, strings.TrimSpace(string(b)))
	}
	return pid, nil
}

// sample reads a component's pid file, then its process's VmRSS and
// number of open file descriptors.
func sample(c Component) Sample {
	pid, err := readPID(c.PIDFile)
	if err != nil {
		return Sample{Err: err}
	}
	s := Sample{PID: pid}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		s.Err = fmt.Errorf("%s (pid %d): %w", c.Name, pid, err)
		return s
	}
	if s.RSSKB, err = ParseVmRSS(string(status)); err != nil {
		s.Err = fmt.Errorf("%s (pid %d): %w", c.Name, pid, err)
		return s
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		s.Err = fmt.Errorf("%s (pid %d) fds: %w", c.Name, pid, err)
		return s
	}
	s.FDs = len(fds)
	return s
}

// components lists the watched processes of the lab whose pid files are in
// runDir, and keeps those that are alive now.
func components(runDir string) ([]Component, error) {
	files, err := filepath.Glob(filepath.Join(runDir, "*.pid"))
	if err != nil {
		return nil, err
	}
	var out []Component
	for _, c := range SelectComponents(files) {
		if s := sample(c); s.Err == nil {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no running minik8s process has a pid file in %s: is the lab up (make up)?", runDir)
	}
	return out, nil
}
