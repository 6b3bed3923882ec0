package kubectl

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/api"
)

// `kubectl run NAME --image=IMAGE`: one pod, as kubectl's BasicPod
// generator makes it (label run=NAME unless --labels, dnsPolicy
// ClusterFirst, restartPolicy from --restart). With -i or --attach it
// waits for the pod, attaches (or prints the logs of a pod that already
// finished), waits for the exit code (restart Never/OnFailure) and with
// --rm deletes the pod, as kubectl's run.go.

type runFlags struct {
	createFlags
	image, labels, restart string
	port                   int32
	env                    []string
	command                bool
	stdin, tty, rm, attach bool
	quiet, leaveStdinOpen  bool
	timeout                time.Duration
}

func newRunCommand(o *options) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run NAME --image=image [--env=\"key=value\"] [--port=port] [--dry-run=server|client] [--command] -- [COMMAND] [args...]",
		Short: "Run a particular image in a pod",
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.image == "" {
				return requiredFlag("image")
			}
			if len(args) == 0 {
				return usageError(cmd, "NAME is required for run")
			}
			if !cmd.Flags().Changed("attach") && f.stdin {
				f.attach = true
			}
			if !cmd.Flags().Changed("restart") {
				f.restart = "Always"
				if f.stdin {
					f.restart = "OnFailure"
				}
			}
			if err := validateRunAttach(&f); err != nil {
				return usageError(cmd, "%v", err)
			}
			pod, err := newRunPod(args[0], args[1:], &f)
			if err != nil {
				return usageError(cmd, "%v", err)
			}
			if f.attach {
				return runAttached(cmd.Context(), o, &f, pod)
			}
			return createObject(cmd.Context(), o, &f.createFlags, pod)
		},
	}
	f.add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.image, "image", "", "The image for the container to run")
	fl.StringVarP(&f.labels, "labels", "l", "", "Comma separated labels to apply to the pod(s). Will override previous values")
	fl.StringVar(&f.restart, "restart", "Always", "The restart policy for this Pod. Legal values [Always, OnFailure, Never]")
	fl.Int32Var(&f.port, "port", -1, "The port that this container exposes")
	fl.StringArrayVar(&f.env, "env", nil, "Environment variables to set in the container")
	fl.BoolVar(&f.command, "command", false, "If true and extra arguments are present, use them as the 'command' field in the container, rather than the 'args' field which is the default")
	fl.BoolVarP(&f.stdin, "stdin", "i", false, "Keep stdin open on the container in the pod, even if nothing is attached")
	fl.BoolVarP(&f.tty, "tty", "t", false, "Allocate a TTY for the container in the pod")
	fl.BoolVar(&f.rm, "rm", false, "If true, delete the pod after it exits.  Only valid when attaching to the container, e.g. with '--attach' or with '-i/--stdin'")
	fl.BoolVar(&f.attach, "attach", false, "If true, wait for the Pod to start running, and then attach to the Pod as if 'kubectl attach ...' were called.  Default false, unless '-i/--stdin' is set, in which case the default is true")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "If true, suppress prompt messages")
	fl.BoolVar(&f.leaveStdinOpen, "leave-stdin-open", false, "If the pod is started in interactive mode or with stdin, leave stdin open after the first attach completes")
	fl.DurationVar(&f.timeout, "pod-running-timeout", time.Minute, "The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at least one pod is running")
	return cmd
}

// newRunPod is the pod of `kubectl run`.
func newRunPod(name string, args []string, f *runFlags) (*api.Pod, error) {
	switch f.restart {
	case "Always", "OnFailure", "Never":
	default:
		return nil, fmt.Errorf("invalid restart policy: %s", f.restart)
	}
	labels := map[string]string{"run": name}
	if f.labels != "" {
		labels = map[string]string{}
		for _, kv := range strings.Split(f.labels, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return nil, fmt.Errorf("invalid label spec: %s", kv)
			}
			labels[k] = v
		}
	}
	c := api.Container{Name: name, Image: f.image, Stdin: f.stdin, StdinOnce: f.stdin && !f.leaveStdinOpen, TTY: f.tty}
	if len(args) > 0 {
		if f.command {
			c.Command = args
		} else {
			c.Args = args
		}
	}
	for _, e := range f.env {
		k, v, ok := strings.Cut(e, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("invalid env: %s", e)
		}
		c.Env = append(c.Env, api.EnvVar{Name: k, Value: v})
	}
	if f.port >= 0 {
		c.Ports = []api.ContainerPort{{ContainerPort: f.port}}
	}
	return &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Labels: labels},
		Spec: api.PodSpec{
			Containers:    []api.Container{c},
			DNSPolicy:     "ClusterFirst",
			RestartPolicy: f.restart,
		},
	}, nil
}
