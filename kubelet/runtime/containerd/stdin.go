package containerd

// Stdin of containers created with stdin: true: the shim reads a FIFO that
// the runtime keeps open for writing, so that attach can forward a
// client's input; the output still goes to the log file as plain text
// (file://, as cio.LogFile): the shim copies stdin only for fifo and file
// outputs, not for a binary:// logger, so these containers' logs have no
// CRI timestamps. The writer lives in this process: after a kubelet restart
// the container's stdin is at EOF.

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/containerd/containerd/cio"
	"github.com/containerd/fifo"
)

// LabelStdin marks a container created with stdin: true.
const LabelStdin = "io.minik8s.stdin"

// stdinFIFOs holds the write ends of the containers' stdin FIFOs.
type stdinFIFOs struct {
	mu sync.Mutex
	w  map[string]io.WriteCloser
}

func (s *stdinFIFOs) put(id string, w io.WriteCloser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.w == nil {
		s.w = map[string]io.WriteCloser{}
	}
	s.w[id] = w
}

func (s *stdinFIFOs) get(id string) io.WriteCloser {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w[id]
}

// drop closes and forgets a container's writer.
func (s *stdinFIFOs) drop(id string) {
	s.mu.Lock()
	w := s.w[id]
	delete(s.w, id)
	s.mu.Unlock()
	if w != nil {
		_ = w.Close()
	}
}

func (r *Runtime) stdinPath(id string) string { return filepath.Join(r.opts.RootDir, "stdin", id) }

// stdinIO is a cio.IO whose configuration is a stdin FIFO plus the log
// file as stdout and stderr; the shim does the copying.
type stdinIO struct{ cfg cio.Config }

func (s *stdinIO) Config() cio.Config { return s.cfg }
func (s *stdinIO) Cancel()            {}
func (s *stdinIO) Wait()              {}
func (s *stdinIO) Close() error       { return nil }

// stdinCreator makes the stdin FIFO of container id, opens its write end
// (the open completes once the shim opens the read end) and returns the
// IO creator of the task.
func (r *Runtime) stdinCreator(ctx context.Context, id, logPath string) (cio.Creator, error) {
	p := r.stdinPath(id)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, fmt.Errorf("stdin dir of %s: %w", id, err)
	}
	_ = os.Remove(p)
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		return nil, fmt.Errorf("stdin fifo of %s: %w", id, err)
	}
	w, err := fifo.OpenFifo(context.WithoutCancel(ctx), p, syscall.O_WRONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("open stdin fifo of %s: %w", id, err)
	}
	r.stdins.put(id, w)
	cfg := cio.Config{Stdin: p}
	if logPath != "" {
		cfg.Stdout, cfg.Stderr = "file://"+logPath, "file://"+logPath
	}
	return func(string) (cio.IO, error) { return &stdinIO{cfg: cfg}, nil }, nil
}

// ContainerStdin implements runtime.Runtime.
func (r *Runtime) ContainerStdin(_ context.Context, id string) (io.WriteCloser, error) {
	w := r.stdins.get(id)
	if w == nil {
		return nil, nil
	}
	return &stdinCloser{WriteCloser: w, close: func() { r.stdins.drop(id) }}, nil
}

// stdinCloser closes the container's stdin for good.
type stdinCloser struct {
	io.WriteCloser
	close func()
}

func (s *stdinCloser) Close() error { s.close(); return nil }

// removeStdin forgets a removed container's stdin.
func (r *Runtime) removeStdin(id string) {
	r.stdins.drop(id)
	_ = os.Remove(r.stdinPath(id))
}
