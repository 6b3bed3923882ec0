package kubelet

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"minik8s/pkg/api"
	"minik8s/pkg/remotecommand"
)

// attachPoll is how often an attach looks for new output and for the
// container's exit.
const attachPoll = 100 * time.Millisecond

// serveAttach serves /attach/{ns}/{pod}/{container}?stdin=&stdout=&stderr=&tty=
// with the exec streaming protocol (remotecommand): the client's stdin goes
// to the container's stdin (if it was created with stdin: true; with
// stdinOnce it is closed when the client's ends) and the container's output
// comes back from its log file until the container exits or the client
// goes. The apiserver proxies pods/{name}/attach here.
func (k *Kubelet) serveAttach(w http.ResponseWriter, r *http.Request) {
	container := r.PathValue("container")
	pod, ok := k.requestPod(w, r)
	if !ok {
		return
	}
	opts, err := remotecommand.ParseAttachOptions(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, err := k.runningContainer(r.Context(), pod, container)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	logPath, err := k.containerLogPath(r.Context(), pod, container, false)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	stdinOnce := false
	for _, c := range allContainers(pod) {
		if c.Name == container {
			stdinOnce = c.StdinOnce
		}
	}
	remotecommand.Serve(w, r, opts, func(ctx context.Context, s remotecommand.Streams) (int, error) {
		return 0, k.attach(ctx, attachTarget{pod: pod, container: container, id: id, logPath: logPath, stdinOnce: stdinOnce}, s)
	})
}

// requestPod is the pod a streaming request's path names ({ns}, {pod});
// a pod this node does not run is answered 404.
func (k *Kubelet) requestPod(w http.ResponseWriter, r *http.Request) (*api.Pod, bool) {
	ns, name := r.PathValue("ns"), r.PathValue("pod")
	obj, ok := k.informer.Store().GetByName(ns, name)
	if !ok {
		http.Error(w, fmt.Sprintf("pod %s/%s not found on this node", ns, name), http.StatusNotFound)
		return nil, false
	}
	return obj.(*api.Pod), true
}

// attachTarget is the running container an attach is for.
type attachTarget struct {
	pod       *api.Pod
	container string
	id        string
	logPath   string
	stdinOnce bool
}

// attach forwards stdin and streams output until the container instance
// is no longer running or ctx ends. Output starts at the end of the log,
// except for the first attach to a stdinOnce container's stdin (kubectl
// run -i), which gets the log from its start: what the command printed
// before the client got there is not lost.
func (k *Kubelet) attach(ctx context.Context, t attachTarget, s remotecommand.Streams) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fromStart := false
	if s.Stdin != nil {
		in, err := k.rt.ContainerStdin(ctx, t.id)
		if err != nil {
			return fmt.Errorf("stdin of container %s: %w", t.container, err)
		}
		fromStart = in != nil && t.stdinOnce
		go forwardStdin(s.Stdin, in, t.stdinOnce)
	}
	out := s.Stdout
	if out == nil {
		out = s.Stderr
	}
	if out == nil {
		out = io.Discard
	}
	f, err := os.Open(t.logPath)
	if err != nil {
		return fmt.Errorf("log of container %s: %w", t.container, err)
	}
	defer f.Close()
	if !fromStart {
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			return fmt.Errorf("log of container %s: %w", t.container, err)
		}
	}
	// The log file holds CRI lines (kubelet/logformat.go): the client gets
	// their messages, as kubectl logs would show them.
	lines := &lineSplitter{line: newLogWriter(out, logOptions{}).writeLine}
	err = followLog(ctx, f, lines, func() bool { return k.runningInstance(ctx, t) })
	if ferr := lines.flush(); err == nil && ferr != nil && ferr != errMaximumWrite {
		err = ferr
	}
	return err
}

// lineSplitter is a writer that hands each complete line written to it to
// line; flush hands over what is left after the last newline.
type lineSplitter struct {
	line func([]byte) error
	buf  []byte
}

func (l *lineSplitter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := l.buf[:i+1]
		if err := l.line(line); err != nil {
			return len(p), err
		}
		l.buf = l.buf[i+1:]
	}
}

func (l *lineSplitter) flush() error {
	if len(l.buf) == 0 {
		return nil
	}
	rest := l.buf
	l.buf = nil
	return l.line(rest)
}

// forwardStdin copies the client's stdin to the container's (or drops it
// if the container has none); with stdinOnce the container's stdin is
// closed when the client's ends.
func forwardStdin(client io.Reader, container io.WriteCloser, once bool) {
	if container == nil {
		_, _ = io.Copy(io.Discard, client)
		return
	}
	_, _ = io.Copy(container, client)
	if once {
		_ = container.Close()
	}
}

// followLog copies f to w as it grows, until running says the writer is
// gone (then the rest is copied) or ctx ends.
func followLog(ctx context.Context, f io.Reader, w io.Writer, running func() bool) error {
	buf := make([]byte, 32<<10)
	tk := time.NewTicker(attachPoll)
	defer tk.Stop()
	for {
		n, err := f.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return nil // the client is gone
			}
			continue
		}
		if err != nil && err != io.EOF {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tk.C:
		}
		if !running() {
			_, _ = io.Copy(w, f)
			return nil
		}
	}
}

// runningInstance says whether the attached container instance still runs.
func (k *Kubelet) runningInstance(ctx context.Context, t attachTarget) bool {
	prt, err := k.podRuntime(ctx, t.pod.UID)
	if err != nil {
		return false
	}
	c := prt.latest(t.container)
	return c != nil && c.ID == t.id && !exited(c)
}
