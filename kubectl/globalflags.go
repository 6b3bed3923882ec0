package kubectl

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/spf13/pflag"

	"minik8s/pkg/client"
)

// addSelectionFlags registers the global --context, --cluster, --user
// (which pick a kubeconfig context, cluster or user for one command) and
// -v (request logging, verbose.go).
func addSelectionFlags(pf *pflag.FlagSet, o *options) {
	pf.StringVar(&o.selection.Context, "context", "", "The name of the kubeconfig context to use")
	pf.StringVar(&o.selection.Cluster, "cluster", "", "The name of the kubeconfig cluster to use")
	pf.StringVar(&o.selection.User, "user", "", "The name of the kubeconfig user to use")
	pf.IntVarP(&o.verbosity, "v", "v", 0, "number for the log level verbosity")
}

// configError is how kubectl reports a kubeconfig that cannot serve the
// command: a missing --context as "Error in configuration: ...".
func configError(o *options, err error) error {
	if errors.Is(err, client.ErrContextNotFound) && o.err != nil {
		fmt.Fprintf(o.err, "Error in configuration: %v\n", err)
		return &reportedError{err: err}
	}
	return err
}

// verbose sets up -v=N request logging to stderr (6 and above), with
// kubectl's "Config loaded from file" line first.
func (o *options) verbose(cfg *client.Config) {
	if o.verbosity < 6 || o.err == nil {
		return
	}
	vt := &client.VerboseTransport{Level: o.verbosity, Out: o.err}
	if cfg.Source != "" && cfg.Source != "--server" && cfg.Source != "default" {
		vt.Logf("loader.go:402", "Config loaded from file:  %s", cfg.Source)
	}
	cfg.WrapTransport = func(next http.RoundTripper) http.RoundTripper {
		vt.Next = next
		return vt
	}
}
