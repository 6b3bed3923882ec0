package containerd

// The container logger: containerd's shim starts it for a task created
// with cio.BinaryIO (binary://<minik8s>?container-logger=<path>) as
// `minik8s container-logger PATH`, with the task's stdout and stderr on
// fds 3 and 4, and it writes them to PATH in the CRI log format the
// kubelet reads ("<RFC3339Nano time> stdout|stderr F|P <line>"), so that
// pods/log can honour sinceSeconds, sinceTime and timestamps. It runs
// under the shim, so logs keep flowing across kubelet restarts.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/containerd/containerd/cio"
	"github.com/containerd/containerd/runtime/v2/logging"
	"github.com/spf13/cobra"
)

// LoggerCommandName is the subcommand of the minik8s binary the shim runs.
const LoggerCommandName = "container-logger"

// maxLogLine is the longest message of one CRI line; longer lines are
// split into partial (P) lines, as containerd's CRI plugin does (16 KiB).
const maxLogLine = 16 * 1024

// NewLoggerCommand is the hidden `minik8s container-logger PATH`.
func NewLoggerCommand() *cobra.Command {
	return &cobra.Command{
		Use:    LoggerCommandName + " PATH",
		Short:  "Write a container's output to PATH in the CRI log format (run by containerd's shim)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			logging.Run(func(_ context.Context, cfg *logging.Config, ready func() error) error {
				return runLogger(args[0], cfg.Stdout, cfg.Stderr, ready)
			})
			return nil
		},
	}
}

// runLogger appends both streams to path until both end (the task exits).
func runLogger(path string, stdout, stderr io.Reader, ready func() error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("log dir: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	defer f.Close()
	w := &syncWriter{w: f}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, s := range []struct {
		name string
		r    io.Reader
	}{{"stdout", stdout}, {"stderr", stderr}} {
		if s.r == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = copyCRI(w, s.name, s.r, time.Now)
		}()
	}
	if err := ready(); err != nil {
		return fmt.Errorf("signal ready: %w", err)
	}
	wg.Wait()
	return errors.Join(errs...)
}

type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// copyCRI writes each line of r to w as one CRI log line of stream (one
// Write each); a line longer than maxLogLine, or the unterminated end of
// the stream, is written as partial lines.
func copyCRI(w io.Writer, stream string, r io.Reader, now func() time.Time) error {
	br := bufio.NewReaderSize(r, maxLogLine)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			tag, msg := "P", line
			if line[len(line)-1] == '\n' {
				tag, msg = "F", line[:len(line)-1]
			}
			out := make([]byte, 0, len(msg)+48)
			out = now().UTC().AppendFormat(out, time.RFC3339Nano)
			out = append(out, ' ')
			out = append(out, stream...)
			out = append(out, ' ')
			out = append(out, tag...)
			out = append(out, ' ')
			out = append(out, msg...)
			out = append(out, '\n')
			if _, werr := w.Write(out); werr != nil {
				return werr
			}
		}
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
		case errors.Is(err, io.EOF), errors.Is(err, os.ErrClosed):
			return nil
		default:
			return err
		}
	}
}

// defaultLoggerBinary is this process's executable if it is the minik8s
// multi-call binary (which has the container-logger command), else "".
func defaultLoggerBinary() string {
	exe, err := os.Executable()
	if err != nil || filepath.Base(exe) != "minik8s" {
		return ""
	}
	return exe
}

// logIO is the task IO writing to the log file at path: through the CRI
// logger when there is one, else plain text.
func logIO(logger, path string) cio.Creator {
	if logger == "" {
		return cio.LogFile(path)
	}
	return cio.BinaryIO(logger, map[string]string{LoggerCommandName: path})
}
