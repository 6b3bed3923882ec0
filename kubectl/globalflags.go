package kubectl

import (
	"errors"
	"fmt"
	"net/http"
	"os"

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
	pf.StringVar(&o.auth.token, "token", "", "Bearer token for authentication to the API server")
	pf.StringVar(&o.auth.as, "as", "", "Username to impersonate for the operation. User could be a regular user or a service account in a namespace.")
	pf.StringArrayVar(&o.auth.asGroups, "as-group", nil, "Group to impersonate for the operation, this flag can be repeated to specify multiple groups.")
	pf.StringVar(&o.auth.asUID, "as-uid", "", "UID to impersonate for the operation.")
}

// authFlags are the global credential and impersonation flags.
type authFlags struct {
	token    string   // --token: wins over the kubeconfig's token and token file
	as       string   // --as: Impersonate-User
	asGroups []string // --as-group: Impersonate-Group, repeatable
	asUID    string   // --as-uid: Impersonate-Uid
}

// headers are the impersonation headers the flags ask for (client-go's
// ImpersonatingRoundTripper).
func (f authFlags) headers() http.Header {
	h := http.Header{}
	if f.as != "" {
		h.Set("Impersonate-User", f.as)
	}
	if f.asUID != "" {
		h.Set("Impersonate-Uid", f.asUID)
	}
	for _, g := range f.asGroups {
		h.Add("Impersonate-Group", g)
	}
	return h
}

// applyAuthFlags puts --token into the config (the transport sends it,
// over HTTPS only, as client-go) and adds the impersonation headers to
// every request, outermost so that -v logging shows them. Groups or a uid
// without --as are client-go's error.
func (o *options) applyAuthFlags(cfg *client.Config) error {
	if o.auth.as == "" && (len(o.auth.asGroups) > 0 || o.auth.asUID != "") {
		return fmt.Errorf("requesting uid, groups or user-extra for %s without impersonating a user", o.authInfoName())
	}
	if o.auth.token != "" {
		cfg.BearerToken, cfg.BearerTokenFile = o.auth.token, ""
	}
	h := o.auth.headers()
	token := o.auth.token
	if len(h) == 0 && token == "" {
		return nil
	}
	prev := cfg.WrapTransport
	cfg.WrapTransport = func(next http.RoundTripper) http.RoundTripper {
		if prev != nil {
			next = prev(next)
		}
		return authRoundTripper{next: next, headers: h, token: token}
	}
	return nil
}

// authRoundTripper adds the impersonation headers, and the --token bearer
// token on HTTPS requests that carry no Authorization yet.
type authRoundTripper struct {
	next    http.RoundTripper
	headers http.Header
	token   string
}

func (rt authRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range rt.headers {
		r.Header[k] = v
	}
	if rt.token != "" && r.URL.Scheme == "https" && r.Header.Get("Authorization") == "" {
		r.Header.Set("Authorization", "Bearer "+rt.token)
	}
	return rt.next.RoundTrip(r)
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

// authInfoName is the kubeconfig user in use (--user, else the context's),
// which client-go names in kubeconfig errors; "" without a kubeconfig.
func (o *options) authInfoName() string {
	if o.selection.User != "" {
		return o.selection.User
	}
	path, _, err := client.FindKubeconfig(client.LoadOptions{Kubeconfig: o.kubeconfig, Getenv: o.getenv})
	if err != nil || path == "" {
		return ""
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	kc, err := client.ParseKubeconfig(data)
	if err != nil {
		return ""
	}
	name := kc.CurrentContext
	if o.selection.Context != "" {
		name = o.selection.Context
	}
	for _, c := range kc.Contexts {
		if c.Name == name {
			return c.Context.User
		}
	}
	return ""
}
