package kubectl

// `kubectl proxy`: a local HTTP server forwarding to the apiserver, with
// kubectl's default filter (local hosts only; no exec or attach).

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// kubectl's proxy filter defaults.
const (
	defaultAcceptHosts = `^localhost$,^127\.0\.0\.1$,^\[::1\]$`
	defaultAcceptPaths = `^.*`
	defaultRejectPaths = `^/api/.*/pods/.*/exec,^/api/.*/pods/.*/attach`
	defaultRejectMeths = `^$`
)

// proxyFilter is kubectl's FilterServer: a request passes if its host and
// path are accepted and neither its path nor its method is rejected.
type proxyFilter struct {
	acceptHosts, acceptPaths, rejectPaths, rejectMethods []*regexp.Regexp
}

func compileList(s string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, p := range strings.Split(s, ",") {
		if p == "" {
			continue
		}
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, err
		}
		out = append(out, re)
	}
	return out, nil
}

func matchesAny(s string, res []*regexp.Regexp) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// accept says whether the filter lets a request through.
func (f *proxyFilter) accept(method, path, hostPort string) bool {
	host, _, err := net.SplitHostPort(hostPort)
	if err != nil {
		host = hostPort
	}
	return matchesAny(path, f.acceptPaths) && !matchesAny(path, f.rejectPaths) &&
		matchesAny(host, f.acceptHosts) && !matchesAny(method, f.rejectMethods)
}

// newProxyHandler forwards what filter accepts (all if nil) under prefix
// to the apiserver at server through rt (the client's transport: its TLS
// and credentials; nil: Go's default), and answers 403 Forbidden to the rest.
func newProxyHandler(server, prefix string, filter *proxyFilter, rt http.RoundTripper) (http.Handler, error) {
	target, err := url.Parse(server)
	if err != nil {
		return nil, err
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = target.Host
		},
		FlushInterval: -1, // watches and logs stream
		Transport:     rt,
	}
	var h http.Handler = rp
	if prefix != "/" {
		h = http.StripPrefix(strings.TrimSuffix(prefix, "/"), rp)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if filter != nil && !filter.accept(r.Method, r.URL.Path, r.Host) {
			http.Error(w, http.StatusText(http.StatusForbidden), http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	}), nil
}

func newProxyCommand(o *options) *cobra.Command {
	var port int
	var address, prefix, acceptHosts, acceptPaths, rejectPaths, rejectMethods string
	var disableFilter bool
	cmd := &cobra.Command{
		Use:   "proxy [--port=PORT] [--address=ADDRESS] [--api-prefix=prefix]",
		Short: "Run a proxy to the Kubernetes API server",
		Example: "  kubectl proxy --port=8011\n" +
			"  curl http://localhost:8011/api/v1/namespaces/default/services/web:80/proxy/",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client()
			if err != nil {
				return err
			}
			var filter *proxyFilter
			if !disableFilter {
				filter = &proxyFilter{}
				for _, l := range []struct {
					s   string
					dst *[]*regexp.Regexp
				}{{acceptHosts, &filter.acceptHosts}, {acceptPaths, &filter.acceptPaths}, {rejectPaths, &filter.rejectPaths}, {rejectMethods, &filter.rejectMethods}} {
					if *l.dst, err = compileList(l.s); err != nil {
						return err
					}
				}
			}
			if !strings.HasPrefix(prefix, "/") {
				prefix = "/" + prefix
			}
			h, err := newProxyHandler(c.Server(), prefix, filter, c.Transport())
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", net.JoinHostPort(address, strconv.Itoa(port)))
			if err != nil {
				return err
			}
			fmt.Fprintf(o.out, "Starting to serve on %s\n", ln.Addr().String())
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
			ctx := cmd.Context() // set by Execute (Background when none was given)
			go func() {
				<-ctx.Done()
				_ = srv.Close()
			}()
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVarP(&port, "port", "p", 8001, "The port on which to run the proxy. Set to 0 to pick a random port.")
	f.StringVar(&address, "address", "127.0.0.1", "The IP address on which to serve on.")
	f.StringVar(&prefix, "api-prefix", "/", "Prefix to serve the proxied API under.")
	f.StringVar(&acceptHosts, "accept-hosts", defaultAcceptHosts, "Regular expression for hosts that the proxy should accept.")
	f.StringVar(&acceptPaths, "accept-paths", defaultAcceptPaths, "Regular expression for paths that the proxy should accept.")
	f.StringVar(&rejectPaths, "reject-paths", defaultRejectPaths, "Regular expression for paths that the proxy should reject. Paths specified here will be rejected even accepted by --accept-paths.")
	f.StringVar(&rejectMethods, "reject-methods", defaultRejectMeths, "Regular expression for HTTP methods that the proxy should reject (example --reject-methods='POST,PUT,PATCH'). ")
	f.BoolVar(&disableFilter, "disable-filter", false, "If true, disable request filtering in the proxy. This is dangerous, and can leave you vulnerable to XSRF attacks, when used with an accessible port.")
	return cmd
}
