package kubelet

import (
	"context"
	"fmt"
	"net/http"

	"minik8s/kubelet/runtime"
	"minik8s/pkg/api"
	"minik8s/pkg/remotecommand"
)

// serveExec serves /exec/{ns}/{pod}/{container}?command=...&stdin=&stdout=&stderr=&tty=
// with the Kubernetes WebSocket streaming protocol (v5.channel.k8s.io):
// the command runs in the container's running instance, its streams are
// the WebSocket channels and its exit code goes back on the error channel.
// The apiserver proxies pods/{name}/exec here.
func (k *Kubelet) serveExec(w http.ResponseWriter, r *http.Request) {
	container := r.PathValue("container")
	pod, ok := k.requestPod(w, r)
	if !ok {
		return
	}
	opts, err := remotecommand.ParseOptions(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, err := k.runningContainer(r.Context(), pod, container)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	remotecommand.Serve(w, r, opts, func(ctx context.Context, s remotecommand.Streams) (int, error) {
		// The runtime has no terminal resize: sizes are dropped.
		return k.rt.Exec(ctx, id, runtime.ExecOptions{
			Cmd: opts.Command, Stdin: s.Stdin, Stdout: s.Stdout, Stderr: s.Stderr, TTY: opts.TTY,
		})
	})
}

// runningContainer is the runtime ID of the running instance of a pod's container.
func (k *Kubelet) runningContainer(ctx context.Context, pod *api.Pod, container string) (string, error) {
	known := false
	for _, c := range allContainers(pod) {
		known = known || c.Name == container
	}
	if !known {
		return "", fmt.Errorf("container %s is not valid for pod %s", container, pod.Name)
	}
	prt, err := k.podRuntime(ctx, pod.UID)
	if err != nil {
		return "", err
	}
	c := prt.latest(container)
	if c == nil || exited(c) {
		return "", fmt.Errorf("container %q in pod %q is not running", container, pod.Name)
	}
	return c.ID, nil
}
