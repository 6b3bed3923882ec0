package ingress

import (
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"minik8s/pkg/api"
)

// Backend is where matching requests go: a Service port and its targets
// ("ip:port" of its ready endpoints), resolved when the table is built.
// Routes to the same Service port share one Backend, so round-robin spans
// them.
type Backend struct {
	Namespace string
	Service   string
	Port      api.ServiceBackendPort
	// Targets are the ready endpoints; empty: the backend answers 503.
	Targets []string
	// Reason says why Targets is empty (logged and used in tests).
	Reason string

	next atomic.Uint64 // round-robin position
}

// Key identifies the Service port: "ns/name:80" or "ns/name:http".
func (b *Backend) Key() string { return backendKey(b.Namespace, b.Service, b.Port) }

func backendKey(ns, name string, p api.ServiceBackendPort) string {
	if p.Name != "" {
		return ns + "/" + name + ":" + p.Name
	}
	return ns + "/" + name + ":" + strconv.Itoa(int(p.Number))
}

// pick returns the next target, round-robin; "" when there is none.
func (b *Backend) pick() string {
	n := len(b.Targets)
	if n == 0 {
		return ""
	}
	if n == 1 {
		return b.Targets[0]
	}
	return b.Targets[(b.next.Add(1)-1)%uint64(n)]
}

// pathRoute is one path of a host. path is normalised: a Prefix path has
// no trailing slash ("/" becomes ""), so matching by element is a prefix
// test followed by "/" or the end.
type pathRoute struct {
	path    string
	exact   bool
	backend *Backend
}

func (r *pathRoute) matches(p string) bool {
	if r.exact {
		return p == r.path
	}
	if len(p) < len(r.path) || p[:len(r.path)] != r.path {
		return false
	}
	return len(p) == len(r.path) || p[len(r.path)] == '/'
}

// pathRoutes are sorted so that the first match is the one Kubernetes
// picks: the longest path, and Exact before Prefix of the same length.
type pathRoutes []pathRoute

func (rs pathRoutes) match(p string) *Backend {
	for i := range rs {
		if rs[i].matches(p) {
			return rs[i].backend
		}
	}
	return nil
}

// Table is an immutable routing table: requests are matched against the
// rules of the exact host, then of the "*." wildcard covering it, then of
// the rules without a host; what matches none goes to the default backend
// (the oldest Ingress's defaultBackend), or nowhere (404).
type Table struct {
	exact          map[string]pathRoutes
	wildcard       map[string]pathRoutes // by the suffix after "*."
	anyHost        pathRoutes
	defaultBackend *Backend
	backends       map[string]*Backend // by Key
}

// Resolver finds the targets of a Service port backend (backends.go).
type Resolver func(namespace string, svc *api.IngressServiceBackend) (targets []string, reason string)

// BuildTable builds the table of ings (the Ingresses of our class). Older
// Ingresses win conflicts: the same host, path and type in two Ingresses
// goes to the older one, as does the default backend. Resource backends are
// not supported: they answer 503.
func BuildTable(ings []*api.Ingress, resolve Resolver) *Table {
	ings = append([]*api.Ingress(nil), ings...)
	sort.SliceStable(ings, func(i, j int) bool { return olderIngress(ings[i], ings[j]) })
	t := &Table{exact: map[string]pathRoutes{}, wildcard: map[string]pathRoutes{}, backends: map[string]*Backend{}}
	type routeKey struct {
		host, path string
		exact      bool
	}
	seen := map[routeKey]bool{}
	for _, ing := range ings {
		if t.defaultBackend == nil && ing.Spec.DefaultBackend != nil {
			t.defaultBackend = t.backend(ing.Namespace, ing.Spec.DefaultBackend, resolve)
		}
		for _, rule := range ing.Spec.Rules {
			if rule.HTTP == nil {
				continue
			}
			for i := range rule.HTTP.Paths {
				hp := &rule.HTTP.Paths[i]
				r := pathRoute{exact: hp.PathType != nil && *hp.PathType == api.PathTypeExact, path: hp.Path}
				if !r.exact {
					r.path = strings.TrimRight(r.path, "/")
				}
				k := routeKey{rule.Host, r.path, r.exact}
				if seen[k] {
					continue
				}
				seen[k] = true
				r.backend = t.backend(ing.Namespace, &hp.Backend, resolve)
				switch {
				case rule.Host == "":
					t.anyHost = append(t.anyHost, r)
				case strings.HasPrefix(rule.Host, "*."):
					t.wildcard[rule.Host[2:]] = append(t.wildcard[rule.Host[2:]], r)
				default:
					t.exact[rule.Host] = append(t.exact[rule.Host], r)
				}
			}
		}
	}
	sortRoutes(t.anyHost)
	for _, rs := range t.exact {
		sortRoutes(rs)
	}
	for _, rs := range t.wildcard {
		sortRoutes(rs)
	}
	return t
}

func sortRoutes(rs pathRoutes) {
	sort.SliceStable(rs, func(i, j int) bool {
		if len(rs[i].path) != len(rs[j].path) {
			return len(rs[i].path) > len(rs[j].path)
		}
		return rs[i].exact && !rs[j].exact
	})
}

// olderIngress orders by creation time, then namespace/name.
func olderIngress(a, b *api.Ingress) bool {
	ta, tb := a.CreationTimestamp.Time, b.CreationTimestamp.Time
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}

// backend returns the shared Backend of b's Service port.
func (t *Table) backend(ns string, b *api.IngressBackend, resolve Resolver) *Backend {
	if b.Service == nil {
		name := ""
		if b.Resource != nil {
			name = b.Resource.Kind + "/" + b.Resource.Name
		}
		return &Backend{Namespace: ns, Service: name, Reason: "resource backends are not supported"}
	}
	key := backendKey(ns, b.Service.Name, b.Service.Port)
	if be, ok := t.backends[key]; ok {
		return be
	}
	be := &Backend{Namespace: ns, Service: b.Service.Name, Port: b.Service.Port}
	if resolve != nil {
		be.Targets, be.Reason = resolve(ns, b.Service)
	}
	t.backends[key] = be
	return be
}

// Backends lists the table's Service backends by key.
func (t *Table) Backends() map[string]*Backend { return t.backends }

// Match returns the backend of a request's Host header and URL path, nil
// when nothing matches (404). The host's port and a trailing dot are
// ignored, and so is its case.
func (t *Table) Match(host, path string) *Backend {
	if t == nil {
		return nil
	}
	host = normalizeHost(host)
	if path == "" {
		path = "/"
	}
	if rs, ok := t.exact[host]; ok {
		if b := rs.match(path); b != nil {
			return b
		}
	}
	if i := strings.IndexByte(host, '.'); i > 0 {
		if rs, ok := t.wildcard[host[i+1:]]; ok {
			if b := rs.match(path); b != nil {
				return b
			}
		}
	}
	if b := t.anyHost.match(path); b != nil {
		return b
	}
	return t.defaultBackend
}

// normalizeHost drops the port and a trailing dot and lower-cases the host,
// allocating only when it must lower-case.
func normalizeHost(h string) string {
	if i := strings.LastIndexByte(h, ':'); i >= 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	h = strings.TrimSuffix(h, ".")
	for i := 0; i < len(h); i++ {
		if c := h[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(h)
		}
	}
	return h
}
