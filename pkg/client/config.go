package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// DefaultServer is where the local cluster's apiserver listens.
const DefaultServer = "http://127.0.0.1:6443"

// SystemKubeconfig is the kubeconfig the set-up command writes for the local cluster.
const SystemKubeconfig = "/var/lib/minik8s/admin.kubeconfig"

// Config says how to reach an apiserver.
type Config struct {
	Server string // base URL, e.g. http://127.0.0.1:6443
	// Servers are other apiservers of the same cluster (base URLs, same
	// scheme as Server): the client fails over to them in this order when
	// the current one cannot be reached (failover.go, docs/ha.md).
	Servers []string
	// FailoverLogf, if set, logs each move to another apiserver
	// (components log them; kubectl stays quiet).
	FailoverLogf func(format string, args ...any)
	Timeout      time.Duration // per request (not for watches); 0 means none
	Namespace    string        // the context's namespace ("" if unset)
	UserAgent    string
	// Source names where Server came from (a file path, "--server", "default").
	Source string
	// WrapTransport, if set, wraps the HTTP transport (kubectl -v=N logging).
	WrapTransport func(http.RoundTripper) http.RoundTripper

	// TLS and credentials (from a kubeconfig's cluster and user, or the
	// in-cluster service account files).
	TLS TLSConfig
	// BearerToken is sent as "Authorization: Bearer …".
	BearerToken string
	// BearerTokenFile is re-read periodically (projected service account
	// tokens rotate); it wins over BearerToken.
	BearerTokenFile string
}

// TLSConfig is how a client trusts the apiserver and proves who it is
// (client-go's rest.TLSClientConfig). Data fields win over files.
type TLSConfig struct {
	CAFile, CertFile, KeyFile string
	CAData, CertData, KeyData []byte
	ServerName                string
	Insecure                  bool // insecure-skip-tls-verify
}

// Kubeconfig is the standard kubeconfig file format (kind: Config). minik8s
// uses only cluster.server and context.namespace but keeps the other common
// fields so that files written for real clusters round-trip.
type Kubeconfig struct {
	APIVersion     string         `json:"apiVersion"`
	Kind           string         `json:"kind"`
	Clusters       []NamedCluster `json:"clusters"`
	Contexts       []NamedContext `json:"contexts"`
	CurrentContext string         `json:"current-context"`
	Preferences    map[string]any `json:"preferences"`
	Users          []NamedUser    `json:"users"`
}

// NamedCluster is one entry of clusters.
type NamedCluster struct {
	Name    string  `json:"name"`
	Cluster Cluster `json:"cluster"`
}

// Cluster is where a cluster's apiserver is.
type Cluster struct {
	Server                   string `json:"server"`
	CertificateAuthority     string `json:"certificate-authority,omitempty"`
	CertificateAuthorityData string `json:"certificate-authority-data,omitempty"`
	InsecureSkipTLSVerify    bool   `json:"insecure-skip-tls-verify,omitempty"`
	TLSServerName            string `json:"tls-server-name,omitempty"`
	// Extensions are kept verbatim; minik8s reads EndpointsExtension.
	Extensions []NamedExtension `json:"extensions,omitempty"`
}

// NamedExtension is one entry of a cluster's extensions (kubeconfig's
// NamedExtension; other tools' entries round-trip untouched).
type NamedExtension struct {
	Name      string         `json:"name"`
	Extension map[string]any `json:"extension"`
}

// EndpointsExtension names the cluster extension that lists every
// apiserver of an HA cluster (docs/ha.md):
//
//	extensions:
//	- name: minik8s.io/apiserver-endpoints
//	  extension:
//	    servers: [https://192.168.77.1:6443, https://192.168.77.1:6444]
//
// The real kubectl ignores it and uses server; minik8s clients fail over
// between the servers.
const EndpointsExtension = "minik8s.io/apiserver-endpoints"

// APIServerEndpoints is the server list of the cluster's
// EndpointsExtension (nil without one).
func (c Cluster) APIServerEndpoints() ([]string, error) {
	for _, e := range c.Extensions {
		if e.Name != EndpointsExtension {
			continue
		}
		raw, ok := e.Extension["servers"]
		list, isList := raw.([]any)
		if !ok || !isList {
			return nil, fmt.Errorf("extension %s: want servers: a list of URLs", EndpointsExtension)
		}
		out := make([]string, 0, len(list))
		for _, v := range list {
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, fmt.Errorf("extension %s: server %v is not a URL", EndpointsExtension, v)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, nil
}

// WithAPIServerEndpoints is c with its EndpointsExtension set to servers
// (removed when servers is empty).
func (c Cluster) WithAPIServerEndpoints(servers []string) Cluster {
	var ext []NamedExtension
	for _, e := range c.Extensions {
		if e.Name != EndpointsExtension {
			ext = append(ext, e)
		}
	}
	if len(servers) > 0 {
		list := make([]any, len(servers))
		for i, s := range servers {
			list[i] = s
		}
		ext = append(ext, NamedExtension{Name: EndpointsExtension, Extension: map[string]any{"servers": list}})
	}
	c.Extensions = ext
	return c
}

// NamedContext is one entry of contexts.
type NamedContext struct {
	Name    string  `json:"name"`
	Context Context `json:"context"`
}

// Context ties a cluster to a user and a default namespace.
type Context struct {
	Cluster   string `json:"cluster"`
	User      string `json:"user"`
	Namespace string `json:"namespace,omitempty"`
}

// NamedUser is one entry of users. The user's fields are kept verbatim
// (files written for real clusters round-trip); AuthInfo reads the ones
// minik8s uses.
type NamedUser struct {
	Name string         `json:"name"`
	User map[string]any `json:"user"`
}

// AuthInfo is how a kubeconfig user proves who it is: a client
// certificate (files or base64 *-data) or a bearer token.
type AuthInfo struct {
	ClientCertificate     string `json:"client-certificate,omitempty"`
	ClientCertificateData string `json:"client-certificate-data,omitempty"`
	ClientKey             string `json:"client-key,omitempty"`
	ClientKeyData         string `json:"client-key-data,omitempty"`
	Token                 string `json:"token,omitempty"`
	TokenFile             string `json:"tokenFile,omitempty"`
}

// AuthInfo decodes the user's credentials.
func (u NamedUser) AuthInfo() (AuthInfo, error) {
	var ai AuthInfo
	if len(u.User) == 0 {
		return ai, nil
	}
	b, err := json.Marshal(u.User)
	if err == nil {
		err = json.Unmarshal(b, &ai)
	}
	if err != nil {
		return ai, fmt.Errorf("user %q: %w", u.Name, err)
	}
	return ai, nil
}

// ParseKubeconfig parses a kubeconfig file's contents.
func ParseKubeconfig(data []byte) (*Kubeconfig, error) {
	var kc Kubeconfig
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return nil, fmt.Errorf("parse kubeconfig: %w", err)
	}
	if kc.Kind != "" && kc.Kind != "Config" {
		return nil, fmt.Errorf("parse kubeconfig: kind is %q, want Config", kc.Kind)
	}
	return &kc, nil
}

// Current returns the server and namespace of the current context (or, when
// there is no current context, of the only cluster).
func (kc *Kubeconfig) Current() (server, namespace string, err error) {
	return kc.Select(Selection{})
}

// Selection overrides the kubeconfig's choice for one command, as
// kubectl's --context, --cluster and --user do.
type Selection struct {
	Context, Cluster, User string
}

// ErrContextNotFound is the error of a --context the kubeconfig lacks.
var ErrContextNotFound = errors.New("context was not found for specified context")

// Select returns the server and namespace of the selected (else the
// current) context, with its cluster or user replaced when sel says so.
func (kc *Kubeconfig) Select(sel Selection) (server, namespace string, err error) {
	r, err := kc.Resolve(sel)
	if err != nil {
		return "", "", err
	}
	return r.Cluster.Server, r.Namespace, nil
}

// Resolved is what a selection picks from a kubeconfig.
type Resolved struct {
	ClusterName, UserName string
	Cluster               Cluster
	User                  AuthInfo
	Namespace             string
}

// Resolve returns the cluster, user and namespace of the selected (else
// the current) context, with its cluster or user replaced when sel says so.
func (kc *Kubeconfig) Resolve(sel Selection) (*Resolved, error) {
	r := &Resolved{}
	name := kc.CurrentContext
	if sel.Context != "" {
		name = sel.Context
	}
	if name != "" {
		found := false
		for _, c := range kc.Contexts {
			if c.Name == name {
				r.ClusterName, r.UserName, r.Namespace, found = c.Context.Cluster, c.Context.User, c.Context.Namespace, true
				break
			}
		}
		switch {
		case !found && sel.Context != "":
			return nil, fmt.Errorf("%w: %s", ErrContextNotFound, name)
		case !found && sel.Cluster == "":
			return nil, fmt.Errorf("context %q not found in kubeconfig", name)
		}
	} else if len(kc.Clusters) == 1 {
		r.ClusterName = kc.Clusters[0].Name
	} else if sel.Cluster == "" {
		return nil, errors.New("kubeconfig has no current-context")
	}
	if sel.User != "" {
		r.UserName = sel.User
		found := false
		for _, u := range kc.Users {
			found = found || u.Name == r.UserName
		}
		if !found {
			return nil, fmt.Errorf("auth info %q does not exist", r.UserName)
		}
	}
	for _, u := range kc.Users {
		if u.Name == r.UserName && r.UserName != "" {
			ai, err := u.AuthInfo()
			if err != nil {
				return nil, err
			}
			r.User = ai
			break
		}
	}
	if sel.Cluster != "" {
		r.ClusterName = sel.Cluster
		for _, c := range kc.Clusters {
			if c.Name == r.ClusterName && c.Cluster.Server != "" {
				r.Cluster = c.Cluster
				return r, nil
			}
		}
		return nil, fmt.Errorf("no server found for cluster %q", r.ClusterName)
	}
	for _, c := range kc.Clusters {
		if c.Name == r.ClusterName {
			if c.Cluster.Server == "" {
				return nil, fmt.Errorf("cluster %q has no server", r.ClusterName)
			}
			r.Cluster = c.Cluster
			return r, nil
		}
	}
	return nil, fmt.Errorf("cluster %q not found in kubeconfig", r.ClusterName)
}

// NewKubeconfig is the standard kubeconfig of a minik8s cluster at server:
// one cluster "minik8s", one user "admin" and one context "minik8s".
func NewKubeconfig(server, namespace string) *Kubeconfig {
	return &Kubeconfig{
		APIVersion:     "v1",
		Kind:           "Config",
		Clusters:       []NamedCluster{{Name: "minik8s", Cluster: Cluster{Server: server}}},
		Contexts:       []NamedContext{{Name: "minik8s", Context: Context{Cluster: "minik8s", User: "admin", Namespace: namespace}}},
		CurrentContext: "minik8s",
		Preferences:    map[string]any{},
		Users:          []NamedUser{{Name: "admin", User: map[string]any{}}},
	}
}

// YAML renders the kubeconfig as YAML.
func (kc *Kubeconfig) YAML() ([]byte, error) {
	return yaml.Marshal(kc)
}

// LoadOptions are the inputs that select a cluster. Zero fields mean "not
// given"; Getenv, Home and SystemPath default to the real environment.
type LoadOptions struct {
	Server     string // --server
	Kubeconfig string // --kubeconfig
	Namespace  string // --namespace (only reported back; see Config.Namespace)
	Selection         // --context, --cluster, --user

	Getenv     func(string) string
	Home       string // home directory; "" means os.UserHomeDir
	SystemPath string // "" means SystemKubeconfig
}

// LoadConfig resolves the cluster to talk to, in this precedence:
// explicit --server > --kubeconfig > $KUBECONFIG (first existing file of the
// list) > ~/.kube/config if it exists > /var/lib/minik8s/admin.kubeconfig if
// it exists > http://127.0.0.1:6443. A kubeconfig file named explicitly
// (flag or env) must exist and parse. With --server the context's namespace
// of the kubeconfig that would have been used still applies.
func LoadConfig(o LoadOptions) (*Config, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	cfg := &Config{}
	path, explicit, err := findKubeconfig(o, getenv)
	if err != nil {
		return nil, err
	}
	if path != "" {
		data, err := os.ReadFile(path)
		switch {
		case err != nil && explicit:
			return nil, fmt.Errorf("load kubeconfig: %w", err)
		case err == nil:
			kc, err := ParseKubeconfig(data)
			if err != nil {
				return nil, fmt.Errorf("load kubeconfig %s: %w", path, err)
			}
			r, err := kc.Resolve(o.Selection)
			if err != nil && o.Selection != (Selection{}) {
				return nil, err // kubectl's own words for a bad --context|--cluster|--user
			}
			if err != nil && o.Server == "" {
				return nil, fmt.Errorf("load kubeconfig %s: %w", path, err)
			}
			if r != nil {
				cfg.Server, cfg.Namespace, cfg.Source = r.Cluster.Server, r.Namespace, path
				if err := r.credentials(cfg, filepath.Dir(path)); err != nil {
					return nil, err
				}
				if cfg.Servers, err = r.Cluster.APIServerEndpoints(); err != nil {
					return nil, fmt.Errorf("load kubeconfig %s: cluster %q: %w", path, r.ClusterName, err)
				}
			}
		}
	}
	if o.Server != "" {
		// An explicit server is the only one (no failover list).
		cfg.Server, cfg.Source, cfg.Servers = o.Server, "--server", nil
	}
	if cfg.Server == "" {
		cfg.Server, cfg.Source = DefaultServer, "default"
	}
	cfg.Server = normalizeServer(cfg.Server)
	return cfg, nil
}

// FindKubeconfig returns the kubeconfig file LoadConfig reads ("" for
// none: the default cluster) and whether the user named it explicitly;
// kubectl config edits that file. --server does not change the file.
func FindKubeconfig(o LoadOptions) (path string, explicit bool, err error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	return findKubeconfig(o, getenv)
}

// findKubeconfig returns the kubeconfig path to use ("" for none) and whether
// the user named it explicitly.
func findKubeconfig(o LoadOptions, getenv func(string) string) (string, bool, error) {
	if o.Kubeconfig != "" {
		return o.Kubeconfig, true, nil
	}
	if env := getenv("KUBECONFIG"); env != "" {
		var first string
		for _, p := range filepath.SplitList(env) {
			if p == "" {
				continue
			}
			if first == "" {
				first = p
			}
			if fileExists(p) {
				return p, true, nil
			}
		}
		if first != "" {
			return "", false, fmt.Errorf("load kubeconfig: KUBECONFIG=%s: %w", env, fs.ErrNotExist)
		}
	}
	home := o.Home
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if home != "" {
		if p := filepath.Join(home, ".kube", "config"); fileExists(p) {
			return p, false, nil
		}
	}
	sys := o.SystemPath
	if sys == "" {
		sys = SystemKubeconfig
	}
	if fileExists(sys) {
		return sys, false, nil
	}
	return "", false, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// normalizeServer adds a scheme to a bare host:port and drops a trailing slash.
func normalizeServer(s string) string {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	return strings.TrimRight(s, "/")
}
