package kubectl

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
	"minik8s/pkg/client"
	"minik8s/pkg/remotecommand"
)

// defaultContainerAnnotation names the container kubectl picks when -c is absent.
const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// execURL is the pods/exec URL of an exec request.
func execURL(server, ns, pod string, o remotecommand.Options) string {
	return strings.TrimRight(server, "/") + "/api/v1/namespaces/" + url.PathEscape(ns) + "/pods/" + url.PathEscape(pod) +
		"/exec?" + o.Query().Encode()
}

// execContainer is the container an exec runs in: the named one, else the
// pod's default-container annotation, else the first (with a notice when
// there are several, as kubectl prints it).
func execContainer(pod *api.Pod, name string) (container, notice string, err error) {
	if pod.Status.Phase == api.PodSucceeded || pod.Status.Phase == api.PodFailed {
		return "", "", fmt.Errorf("cannot exec into a container in a completed pod; current phase is %s", pod.Status.Phase)
	}
	if name != "" {
		return name, "", nil
	}
	if len(pod.Spec.Containers) == 0 {
		return "", "", fmt.Errorf("pod %s has no containers", pod.Name)
	}
	if d := pod.Annotations[defaultContainerAnnotation]; d != "" {
		for _, c := range pod.Spec.Containers {
			if c.Name == d {
				return d, "", nil
			}
		}
	}
	first := pod.Spec.Containers[0].Name
	if len(pod.Spec.Containers) == 1 {
		return first, "", nil
	}
	names := make([]string, 0, len(pod.Spec.Containers))
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	return first, fmt.Sprintf("Defaulted container %q out of: %s", first, strings.Join(names, ", ")), nil
}

// execArgs splits `POD -- COMMAND...` as kubectl does (the dash is required).
func execArgs(args []string, dash int) (pod string, command []string, err error) {
	switch {
	case len(args) == 0:
		return "", nil, errors.New("pod, type/name or --filename must be specified")
	case dash == 0:
		return "", nil, errors.New("a pod name is required before --")
	case dash < 0 && len(args) > 1:
		return "", nil, errors.New("exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead")
	case dash > 1:
		return "", nil, fmt.Errorf("exactly one pod is expected before --, got %d", dash)
	case len(args) < 2:
		return "", nil, errors.New("you must specify at least one command for the container")
	}
	pod = args[0]
	if kind, name, ok := strings.Cut(pod, "/"); ok {
		if kind != "pod" && kind != "pods" && kind != "po" {
			return "", nil, fmt.Errorf("exec supports pods only, not %q", kind)
		}
		pod = name
	}
	return pod, args[1:], nil
}

func newExecCommand(o *options) *cobra.Command {
	var container string
	var stdin, tty, quiet bool
	cmd := &cobra.Command{
		Use:   "exec POD [-c CONTAINER] [-i] [-t] -- COMMAND [args...]",
		Short: "Execute a command in a container",
		Example: "  kubectl exec web -- date\n" +
			"  kubectl exec web -c server -- cat /data/index.html\n" +
			"  echo hi | kubectl exec -i web -- cat\n" +
			"  kubectl exec -it web -- sh",
		RunE: func(cmd *cobra.Command, args []string) error {
			podName, command, err := execArgs(args, cmd.ArgsLenAtDash())
			if err != nil {
				return err
			}
			c, ns, err := o.clientNS()
			if err != nil {
				return err
			}
			ctx := cmd.Context() // set by Execute (Background when none was given)
			pod, err := c.Pods(ns).Get(ctx, podName)
			if err != nil {
				return err
			}
			name, notice, err := execContainer(pod, container)
			if err != nil {
				return err
			}
			if notice != "" && !quiet {
				fmt.Fprintln(o.err, notice)
			}
			sopts := remotecommand.StreamOptions{Stdout: o.out, Header: c.UpgradeHeader(), TLSClientConfig: c.TLSClientConfig()}
			useTTY := false
			if stdin {
				sopts.Stdin = o.in
				if tty {
					if f, ok := o.in.(*os.File); ok && isTerminal(f) {
						useTTY = true
					} else if !quiet {
						fmt.Fprintln(o.err, "Unable to use a TTY - input is not a terminal or the right kind of file")
					}
				}
			}
			if !useTTY {
				sopts.Stderr = o.err
			}
			eopts := remotecommand.Options{Command: command, Container: name, Stdin: stdin, Stdout: true, Stderr: !useTTY, TTY: useTTY}
			if useTTY {
				restore, sizes, err := startTerminal(ctx, o.in.(*os.File))
				if err != nil {
					return err
				}
				defer restore()
				sopts.Resize = sizes
			}
			err = remotecommand.Stream(ctx, execURL(c.CurrentServer(), ns, pod.Name, eopts), sopts)
			return execError(o.err, err)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&container, "container", "c", "", "Container name. If omitted, the kubectl.kubernetes.io/default-container annotation or the first container is chosen")
	f.BoolVarP(&stdin, "stdin", "i", false, "Pass stdin to the container")
	f.BoolVarP(&tty, "tty", "t", false, "Stdin is a TTY")
	f.BoolVarP(&quiet, "quiet", "q", false, "Only print output from the remote session")
	return cmd
}

// execError reports an exec's end as kubectl does: a non-zero exit code as
// "command terminated with exit code N" (and the process exits with N), a
// refused upgrade with the server's message.
func execError(stderr io.Writer, err error) error {
	var ee *remotecommand.ExitError
	var he *remotecommand.HandshakeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ee):
		fmt.Fprintln(stderr, ee.Error())
		return &reportedError{err: ee}
	case errors.As(err, &he):
		st := client.NewStatusError(he.StatusCode, he.Body)
		return fmt.Errorf("unable to upgrade connection: %s", st.Status.Message)
	default:
		return err
	}
}
