package kubelet

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	"minik8s/pkg/api"
)

// tailLines returns the last n lines of data (all if n < 0).
func tailLines(data []byte, n int) []byte {
	if n < 0 {
		return data
	}
	if n == 0 {
		return nil
	}
	end := len(data)
	if end > 0 && data[end-1] == '\n' {
		end--
	}
	for i := end - 1; i >= 0; i-- {
		if data[i] == '\n' {
			n--
			if n == 0 {
				return data[i+1:]
			}
		}
	}
	return data
}

// containerLogPath finds the log file of a pod's container: the newest
// attempt, or the one before it with previous.
func (k *Kubelet) containerLogPath(ctx context.Context, pod *api.Pod, container string, previous bool) (string, error) {
	prt, err := k.podRuntime(ctx, pod.UID)
	if err != nil {
		return "", err
	}
	cs := prt.containersNamed(container)
	i := 0
	if previous {
		i = 1
	}
	if len(cs) <= i {
		if previous {
			return "", fmt.Errorf("previous terminated container %q in pod %q not found", container, pod.Name)
		}
		return "", fmt.Errorf("container %q in pod %q is waiting to start", container, pod.Name)
	}
	if cs[i].LogPath != "" {
		return cs[i].LogPath, nil
	}
	return k.dirs.log(pod.UID, container, cs[i].Attempt), nil
}

// serveLogs serves GET /containerLogs/{ns}/{pod}/{container} with the
// PodLogOptions query (follow, previous, tailLines, limitBytes,
// sinceSeconds, sinceTime, timestamps) from the container's log file.
func (k *Kubelet) serveLogs(w http.ResponseWriter, r *http.Request) {
	ns, name, container := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container")
	obj, ok := k.informer.Store().GetByName(ns, name)
	if !ok {
		http.Error(w, fmt.Sprintf("pod %s/%s not found on this node", ns, name), http.StatusNotFound)
		return
	}
	pod := obj.(*api.Pod)
	opts, err := parseLogOptions(r.URL.Query(), time.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	path, err := k.containerLogPath(r.Context(), pod, container, opts.previous)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, fmt.Sprintf("log of %s/%s/%s: %v", ns, name, container, err), http.StatusNotFound)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if opts.needsTimes() && plainText(data) {
		http.Error(w, fmt.Sprintf("log of %s/%s/%s: %v", ns, name, container, errNoTimestamps), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	lw := newLogWriter(w, opts)
	// A partial last line (still being written) waits for its end.
	complete := data
	if opts.follow {
		complete = data[:bytes.LastIndexByte(data, '\n')+1]
	}
	if err := lw.writeLines(tailLines(complete, int(opts.tail))); err != nil || !opts.follow {
		return
	}
	k.followLog(r.Context(), w, lw, f, data[len(complete):], pod, container, path)
}

// followLog streams the lines appended to f until the client goes or the
// container is no longer the running one; pending is the start of a line
// already read.
func (k *Kubelet) followLog(ctx context.Context, w http.ResponseWriter, lw *logWriter, f *os.File, pending []byte, pod *api.Pod, container, path string) {
	fl, _ := w.(http.Flusher)
	rd := bufio.NewReader(f)
	idle := time.NewTicker(200 * time.Millisecond)
	defer idle.Stop()
	line := append([]byte{}, pending...)
	for {
		chunk, err := rd.ReadBytes('\n')
		line = append(line, chunk...)
		if err == nil {
			if lw.writeLine(line) != nil {
				return
			}
			line = line[:0]
			continue
		}
		if fl != nil {
			fl.Flush()
		}
		select {
		case <-ctx.Done():
			return
		case <-idle.C:
		}
		if cur, err := k.containerLogPath(ctx, pod, container, false); err != nil || cur != path || !k.running(ctx, pod, container) {
			rest, _ := io.ReadAll(rd)
			line = append(line, rest...)
			if len(line) > 0 {
				_ = lw.writeLines(line)
			}
			return
		}
	}
}

func (k *Kubelet) running(ctx context.Context, pod *api.Pod, container string) bool {
	prt, err := k.podRuntime(ctx, pod.UID)
	if err != nil {
		return false
	}
	c := prt.latest(container)
	return c != nil && !exited(c)
}

func queryTrue(v string) bool {
	b, err := strconv.ParseBool(v)
	return err == nil && b
}
