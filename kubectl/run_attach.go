package kubectl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
)

// validateRunAttach checks the attach flags of `kubectl run` as kubectl's
// RunOptions.Validate does.
func validateRunAttach(f *runFlags) error {
	if f.tty && !f.stdin {
		return errors.New("-i/--stdin is required for containers with -t/--tty=true")
	}
	if !f.attach && f.rm {
		return errors.New("--rm should only be used for attached containers")
	}
	if f.attach && f.dryRun != "none" && f.dryRun != "" {
		return errors.New("--dry-run=[server|client] can't be used with attached containers options (--attach, --stdin, or --tty)")
	}
	return nil
}

// runAttached creates the pod, attaches to it (or prints its logs if it
// already finished), waits for its end when the restart policy lets it
// end, and with --rm deletes it, printing what kubectl prints.
func runAttached(ctx context.Context, o *options, f *runFlags, pod *api.Pod) (err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	c, ns, err := o.clientNS()
	if err != nil {
		return err
	}
	if o.namespace != "" {
		pod.Namespace = ns
	}
	created, err := c.Pods(ns).Create(ctx, pod)
	if err != nil {
		return err
	}
	if f.rm {
		defer func() {
			derr := c.Pods(ns).Delete(context.WithoutCancel(ctx), created.Name, nil)
			switch {
			case derr == nil:
				if !f.quiet {
					fmt.Fprintf(o.out, "pod %q deleted\n", created.Name)
				}
			case client.IsNotFound(derr):
			case err == nil:
				err = derr
			}
		}()
	}
	ao := attachOptions{stdin: f.stdin, tty: f.tty, quiet: f.quiet, timeout: f.timeout}
	if err := attachOrLogs(ctx, o, c, ns, created.Name, ao); err != nil {
		return err
	}
	if f.leaveStdinOpen || (f.restart != "Never" && f.restart != "OnFailure") {
		return nil
	}
	done := podPhaseDone
	if f.restart == "OnFailure" {
		done = func(p *api.Pod) bool { return p.Status.Phase == api.PodSucceeded }
	}
	p, err := waitForPod(ctx, c, ns, created.Name, f.timeout, done)
	if err != nil {
		return err
	}
	var ece *exitCodeError
	if err := runExitError(p); errors.As(err, &ece) {
		// Printed as kubectl prints an exit error: without "error: ".
		msg := ece.msg
		if !strings.HasSuffix(msg, "\n") {
			msg += "\n"
		}
		fmt.Fprint(o.err, msg)
		return &reportedError{err: ece}
	} else if err != nil {
		return err
	}
	return nil
}

// exitCodeError is a pod's failure with its container's exit code, which
// kubectl exits with.
type exitCodeError struct {
	code int
	msg  string
}

func (e *exitCodeError) Error() string { return e.msg }
func (e *exitCodeError) ExitCode() int { return e.code }

// attachOrLogs is kubectl run's handleAttachPod: wait until the pod runs
// and is ready (or finished), then attach; a finished pod, or a failed
// attach, gets its logs printed instead.
func attachOrLogs(ctx context.Context, o *options, c *client.Client, ns, name string, ao attachOptions) error {
	pod, err := waitForPod(ctx, c, ns, name, ao.timeout, func(p *api.Pod) bool { return podPhaseDone(p) || podRunningAndReady(p) })
	if err != nil {
		return err
	}
	if !podPhaseDone(pod) {
		err := attachTo(ctx, o, c, pod, ao)
		if err == nil {
			return nil
		}
		fmt.Fprintf(o.err, "warning: couldn't attach to pod/%s, falling back to streaming logs: %v\n", name, err)
	}
	container, _, err := execContainer(&api.Pod{ObjectMeta: pod.ObjectMeta, Spec: pod.Spec}, ao.container)
	if err != nil {
		return err
	}
	return copyLog(ctx, c, ns, o.out, logRequest{pod: name, container: container, opts: podLogOptions{Container: container}}, false)
}

// runExitError is what kubectl run reports for a finished pod: nothing for
// success, the container's exit code for a failure.
func runExitError(p *api.Pod) error {
	switch p.Status.Phase {
	case api.PodSucceeded:
		return nil
	case api.PodFailed:
		unknown := fmt.Errorf("pod %s/%s failed with unknown exit code", p.Namespace, p.Name)
		if len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Terminated == nil {
			return unknown
		}
		t := p.Status.ContainerStatuses[0].State.Terminated
		if t.ExitCode == 0 {
			return unknown
		}
		return &exitCodeError{code: int(t.ExitCode), msg: fmt.Sprintf("pod %s/%s terminated (%s)\n%s", p.Namespace, p.Name, t.Reason, t.Message)}
	default:
		return fmt.Errorf("pod %s/%s left in phase %s", p.Namespace, p.Name, p.Status.Phase)
	}
}
