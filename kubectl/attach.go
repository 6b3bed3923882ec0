package kubectl

// `kubectl attach POD [-c C] [-i] [-t]` and the attaching half of
// `kubectl run -i/--attach`, as kubectl's attach.go and run.go do it.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/remotecommand"
)

// attachURL is the pods/attach URL of an attach request.
func attachURL(server, ns, pod string, o remotecommand.Options) string {
	q := o.Query()
	q.Del("command")
	return strings.TrimRight(server, "/") + "/api/v1/namespaces/" + url.PathEscape(ns) + "/pods/" + url.PathEscape(pod) +
		"/attach?" + q.Encode()
}

// attachOptions are the flags of an attach (kubectl's AttachOptions).
type attachOptions struct {
	container string
	stdin     bool
	tty       bool
	quiet     bool
	timeout   time.Duration
}

// attachTo attaches to the pod's container: it picks the container (with
// kubectl's notice), settles the TTY (only if the container has one, and
// always if it has), prints kubectl's prompt hint and streams.
func attachTo(ctx context.Context, o *options, c *client.Client, pod *api.Pod, ao attachOptions) error {
	name, notice, err := execContainer(pod, ao.container)
	if err != nil {
		return err
	}
	if notice != "" && !ao.quiet {
		fmt.Fprintln(o.err, notice)
	}
	var spec *api.Container
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			spec = &pod.Spec.Containers[i]
		}
	}
	if spec == nil {
		return fmt.Errorf("cannot attach to the container: container %s not found in pod %s", name, pod.Name)
	}
	tty := ao.tty
	if tty && !spec.TTY {
		tty = false
		if !ao.quiet {
			fmt.Fprintf(o.err, "error: Unable to use a TTY - container %s did not allocate one\n", name)
		}
	} else if !tty && spec.TTY {
		tty = true
	}
	raw := false
	sopts := remotecommand.StreamOptions{Stdout: o.out, Stderr: o.err, Header: c.UpgradeHeader(), TLSClientConfig: c.TLSClientConfig()}
	if tty {
		if f, ok := o.in.(*os.File); ok && isTerminal(f) {
			raw = true
		} else if !ao.quiet {
			fmt.Fprintln(o.err, "Unable to use a TTY - input is not a terminal or the right kind of file")
		}
	}
	if ao.stdin {
		sopts.Stdin = o.in
	}
	if raw {
		sopts.Stderr = nil
		restore, sizes, err := startTerminal(ctx, o.in.(*os.File))
		if err != nil {
			return err
		}
		defer restore()
		sopts.Resize = sizes
	}
	if !ao.quiet {
		fmt.Fprintln(o.err, "If you don't see a command prompt, try pressing enter.")
	}
	aopts := remotecommand.Options{Container: name, Stdin: ao.stdin, Stdout: true, Stderr: !raw, TTY: raw}
	if err := remotecommand.Stream(ctx, attachURL(c.CurrentServer(), pod.Namespace, pod.Name, aopts), sopts); err != nil {
		return execError(o.err, err)
	}
	if !ao.quiet && ao.stdin && raw {
		fmt.Fprintf(o.out, "Session ended, resume using 'kubectl attach %s -c %s -n %s -i -t' command\n", pod.Name, name, pod.Namespace)
	}
	return nil
}

// podPhaseDone says whether a pod has run to completion.
func podPhaseDone(p *api.Pod) bool {
	return p.Status.Phase == api.PodSucceeded || p.Status.Phase == api.PodFailed
}

// podRunningAndReady is kubectl run's wait condition before attaching.
func podRunningAndReady(p *api.Pod) bool {
	if p.Status.Phase != api.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == "Ready" && c.Status == "True" {
			return true
		}
	}
	return false
}

// waitForPod polls the pod until cond or timeout (0: none); a deleted pod
// is NotFound.
func waitForPod(ctx context.Context, c *client.Client, ns, name string, timeout time.Duration, cond func(*api.Pod) bool) (*api.Pod, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	for {
		p, err := c.Pods(ns).Get(ctx, name)
		if err != nil {
			if ctx.Err() != nil {
				return nil, errors.New("timed out waiting for the condition")
			}
			return nil, err
		}
		if cond(p) {
			return p, nil
		}
		select {
		case <-ctx.Done():
			return p, errors.New("timed out waiting for the condition")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func newAttachCommand(o *options) *cobra.Command {
	var ao attachOptions
	cmd := &cobra.Command{
		Use:   "attach (POD | TYPE/NAME) -c CONTAINER",
		Short: "Attach to a running container",
		Example: "  kubectl attach mypod\n" +
			"  kubectl attach mypod -c ruby-container\n" +
			"  kubectl attach mypod -c ruby-container -i -t",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return errors.New("at least 1 argument is required for attach")
			}
			if len(args) > 2 {
				return fmt.Errorf("expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw %d: %v", len(args), args)
			}
			if ao.timeout <= 0 {
				return errors.New("--pod-running-timeout must be higher than zero")
			}
			name := args[0]
			if len(args) == 2 {
				if k := args[0]; k != "pod" && k != "pods" && k != "po" {
					return fmt.Errorf("attach supports pods only, not %q", k)
				}
				name = args[1]
			} else if k, n, ok := strings.Cut(name, "/"); ok {
				if k != "pod" && k != "pods" && k != "po" {
					return fmt.Errorf("attach supports pods only, not %q", k)
				}
				name = n
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			ctx := cmd.Context() // set by Execute (Background when none was given)
			pod, err := c.Pods(ns).Get(ctx, name)
			if err != nil {
				return err
			}
			if podPhaseDone(pod) {
				return fmt.Errorf("cannot attach a container in a completed pod; current phase is %s", pod.Status.Phase)
			}
			return attachTo(ctx, o, c, pod, ao)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&ao.container, "container", "c", "", "Container name. If omitted, use the kubectl.kubernetes.io/default-container annotation for selecting the container to be attached or the first container in the pod will be chosen")
	f.BoolVarP(&ao.stdin, "stdin", "i", false, "Pass stdin to the container")
	f.BoolVarP(&ao.tty, "tty", "t", false, "Stdin is a TTY")
	f.BoolVarP(&ao.quiet, "quiet", "q", false, "Only print output from the remote session")
	f.DurationVar(&ao.timeout, "pod-running-timeout", time.Minute, "The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running")
	return cmd
}
