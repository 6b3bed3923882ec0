package kubectl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"minik8s/pkg/client"
)

// Version is the client version kubectl reports.
const Version = "v0.1.0"

// options are the global flags and what they resolve to.
type options struct {
	server         string
	kubeconfig     string
	namespace      string
	requestTimeout string
	selection      client.Selection // --context, --cluster, --user
	auth           authFlags        // --token, --as, --as-group, --as-uid (globalflags.go)
	verbosity      int              // -v

	cfg *client.Config
	c   *client.Client

	// getenv is os.Getenv unless a test replaces it.
	getenv func(string) string

	in       io.Reader
	out, err io.Writer
}

// config resolves the cluster once.
func (o *options) config() (*client.Config, error) {
	if o.cfg != nil {
		return o.cfg, nil
	}
	cfg, err := client.LoadConfig(client.LoadOptions{Server: o.server, Kubeconfig: o.kubeconfig, Getenv: o.getenv, Selection: o.selection})
	if err != nil {
		return nil, configError(o, err)
	}
	t, err := parseTimeout(o.requestTimeout)
	if err != nil {
		return nil, err
	}
	cfg.Timeout = t
	cfg.UserAgent = "kubectl/" + Version + " (minik8s)"
	o.verbose(cfg)
	if err := o.applyAuthFlags(cfg); err != nil {
		return nil, err
	}
	o.printWarnings(cfg) // warnings.go
	o.cfg = cfg
	return cfg, nil
}

// client returns the REST client of the resolved cluster.
func (o *options) client() (*client.Client, error) {
	if o.c != nil {
		return o.c, nil
	}
	cfg, err := o.config()
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg)
	if err != nil {
		return nil, err
	}
	o.c = c
	return c, nil
}

// clientNS is the client and the namespace every namespaced command needs.
func (o *options) clientNS() (*client.Client, string, error) {
	c, err := o.client()
	if err != nil {
		return nil, "", err
	}
	ns, err := o.ns()
	if err != nil {
		return nil, "", err
	}
	return c, ns, nil
}

// ns is the namespace to work in: -n, else the context's, else "default".
func (o *options) ns() (string, error) {
	if o.namespace != "" {
		return o.namespace, nil
	}
	cfg, err := o.config()
	if err != nil {
		return "", err
	}
	if cfg.Namespace != "" {
		return cfg.Namespace, nil
	}
	return "default", nil
}

// parseTimeout reads --request-timeout: "0" (none), "30" (seconds) or "1m".
func parseTimeout(s string) (time.Duration, error) {
	if s == "" || s == "0" {
		return 0, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, errors.New("Invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a corresponding time unit (e.g. 1s | 2m | 3h)")
	}
	return d, nil
}

// NewCommand returns the root "kubectl" command.
func NewCommand() *cobra.Command { return newCommand(&options{}) }

func newCommand(o *options) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl",
		Short: "kubectl controls the minik8s cluster manager",
		Long: "kubectl controls the minik8s cluster manager.\n\n" +
			"It finds the local cluster without flags; --server, --kubeconfig or\n" +
			"KUBECONFIG select another.",
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return unknownCommand(cmd, args[0])
			}
			return cmd.Help()
		},
		PersistentPreRun: func(cmd *cobra.Command, _ []string) {
			o.in, o.out, o.err = cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr()
		},
	}
	pf := root.PersistentFlags()
	pf.StringVarP(&o.server, "server", "s", "", "The address and port of the Kubernetes API server")
	pf.StringVar(&o.kubeconfig, "kubeconfig", "", "Path to the kubeconfig file to use for CLI requests")
	pf.StringVarP(&o.namespace, "namespace", "n", "", "If present, the namespace scope for this CLI request")
	pf.StringVar(&o.requestTimeout, "request-timeout", "0", "The length of time to wait before giving up on a single server request (0 = no timeout)")
	addSelectionFlags(pf, o)

	root.AddCommand(
		newApplyCommand(o), newCreateCommand(o), newGetCommand(o), newDescribeCommand(o),
		newDeleteCommand(o), newConfigCommand(o), newAPIResourcesCommand(o), newVersionCommand(o),
		newWaitCommand(o), newLabelCommand(o), newScaleCommand(o), newLogsCommand(o),
		newExecCommand(o), newEventsCommand(o), newRunCommand(o), newExposeCommand(o),
		newRolloutCommand(o), newSetCommand(o), newAutoscaleCommand(o),
		newCordonCommand(o, true), newCordonCommand(o, false), newDrainCommand(o),
		newTopCommand(o), newExplainCommand(o), newAnnotateCommand(o),
		newAPIVersionsCommand(o), newClusterInfoCommand(o), newTraceCommand(o),
	)
	root.AddCommand(newAuthCommand(o))
	root.AddCommand(subresourceCommands(o)...)
	root.AddCommand(newPatchCommand(o), newReplaceCommand(o), newDiffCommand(o), newEditCommand(o))
	root.AddCommand(unsupportedCommands()...)
	root.SetFlagErrorFunc(flagError)
	wrapErrors(root)
	return root
}

// reportedError is an error already printed to stderr; the command fails
// (exit code 1) without printing it again.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// errFailed is returned after per-object errors were printed one by one.
var errFailed = errors.New("one or more operations failed")

// formatError renders err as kubectl does.
func formatError(err error) string {
	if st, ok := client.AsStatus(err); ok {
		msg := st.Message
		if msg == "" {
			msg = err.Error()
		}
		switch {
		case st.Reason == "Unauthorized":
			return fmt.Sprintf("error: You must be logged in to the server (%s)", msg)
		case st.Reason == client.ReasonInvalid:
			return invalidMessage(st)
		case st.Reason != "":
			return fmt.Sprintf("Error from server (%s): %s", st.Reason, msg)
		default:
			return "Error from server: " + msg
		}
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		host := uerr.URL
		if u, perr := url.Parse(uerr.URL); perr == nil {
			host = u.Host
		}
		if errors.Is(err, syscall.ECONNREFUSED) {
			return fmt.Sprintf("The connection to the server %s was refused - did you specify the right host or port?", host)
		}
		var nerr net.Error
		if errors.As(err, &nerr) && nerr.Timeout() {
			return fmt.Sprintf("Unable to connect to the server: %s: i/o timeout (request timed out)", host)
		}
		return fmt.Sprintf("Unable to connect to the server: %v", uerr.Err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "error: timed out waiting for the condition"
	}
	return "error: " + err.Error()
}
