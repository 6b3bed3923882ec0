package kubelet

import (
	"bufio"
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

// serveLogs serves GET /containerLogs/{ns}/{pod}/{container}?follow=&tailLines=&previous=
// from the container's log file (plain text, as the runtime writes it).
func (k *Kubelet) serveLogs(w http.ResponseWriter, r *http.Request) {
	ns, name, container := r.PathValue("ns"), r.PathValue("pod"), r.PathValue("container")
	obj, ok := k.informer.Store().GetByName(ns, name)
	if !ok {
		http.Error(w, fmt.Sprintf("pod %s/%s not found on this node", ns, name), http.StatusNotFound)
		return
	}
	pod := obj.(*api.Pod)
	q := r.URL.Query()
	path, err := k.containerLogPath(r.Context(), pod, container, queryTrue(q.Get("previous")))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	tail := -1
	if v := q.Get("tailLines"); v != "" {
		if tail, err = strconv.Atoi(v); err != nil {
			http.Error(w, "invalid tailLines", http.StatusBadRequest)
			return
		}
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
	w.Header().Set("Content-Type", "text/plain")
	if _, err := w.Write(tailLines(data, tail)); err != nil || !queryTrue(q.Get("follow")) {
		return
	}
	// Follow: stream what is appended until the client goes or the
	// container is no longer the running one.
	fl, _ := w.(http.Flusher)
	rd := bufio.NewReader(f)
	buf := make([]byte, 32<<10)
	idle := time.NewTicker(200 * time.Millisecond)
	defer idle.Stop()
	for {
		n, _ := rd.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				return
			}
			if fl != nil {
				fl.Flush()
			}
			continue
		}
		if fl != nil {
			fl.Flush()
		}
		select {
		case <-r.Context().Done():
			return
		case <-idle.C:
		}
		if cur, err := k.containerLogPath(r.Context(), pod, container, false); err != nil || cur != path || !k.running(r.Context(), pod, container) {
			rest, _ := io.ReadAll(rd)
			_, _ = w.Write(rest)
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
