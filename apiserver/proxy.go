package apiserver

// pods/proxy and services/proxy: HTTP to a pod, or to a ready endpoint of a
// service, as Kubernetes' ResourceLocation of both picks it.

import (
	"context"
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	"minik8s/pkg/api"
	"minik8s/pkg/netnsdial"
)

// splitSchemeNamePort splits a proxy id "[scheme:]name[:port]" as
// Kubernetes' utilnet.SplitSchemeNamePort: one part is the name, two are
// name:port, three scheme:name:port (scheme http or https).
func splitSchemeNamePort(id string) (scheme, name, port string, ok bool) {
	parts := strings.Split(id, ":")
	switch len(parts) {
	case 1:
		name = parts[0]
	case 2:
		name, port = parts[0], parts[1]
	case 3:
		scheme, name, port = parts[0], parts[1], parts[2]
	default:
		return "", "", "", false
	}
	if len(name) > 0 && (scheme == "" || scheme == "http" || scheme == "https") {
		return scheme, name, port, true
	}
	return "", "", "", false
}

// podProxyLocation is where pods/{id}/proxy goes: the pod IP and the named
// port, else the first declared container port, else no port (80).
func podProxyLocation(pod *api.Pod, scheme, port string, allowLoopback bool) (*url.URL, error) {
	if port == "" {
		for _, c := range pod.Spec.Containers {
			if len(c.Ports) > 0 {
				port = strconv.Itoa(int(c.Ports[0].ContainerPort))
				break
			}
		}
	}
	if err := proxyableIP(pod.Status.PodIP, allowLoopback); err != nil {
		return nil, err
	}
	u := &url.URL{Scheme: scheme, Host: pod.Status.PodIP}
	if port != "" {
		u.Host = net.JoinHostPort(pod.Status.PodIP, port)
	}
	if u.Scheme == "" {
		u.Scheme = "http"
	}
	return u, nil
}

// proxyableIP rejects what Kubernetes' proxy does not dial: anything but a
// global unicast address (loopback only when allowed, for tests).
func proxyableIP(s string, allowLoopback bool) error {
	ip := net.ParseIP(s)
	if ip == nil || !(ip.IsGlobalUnicast() || allowLoopback && ip.IsLoopback()) {
		return errBadRequest("address not allowed")
	}
	return nil
}

// serviceProxyLocation is where services/{id}/proxy goes: a random ready
// address of the service's endpoints, on the endpoint port of the service
// port named (by name or number; the unnamed port if none is).
func serviceProxyLocation(svc *api.Service, eps *api.Endpoints, scheme, port string, allowLoopback bool, pick func(int) int) (*url.URL, error) {
	if n, err := strconv.Atoi(port); err == nil {
		found := false
		for _, p := range svc.Spec.Ports {
			if int(p.Port) == n {
				port, found = p.Name, true
				break
			}
		}
		if !found {
			return nil, newStatusError(http.StatusServiceUnavailable, "ServiceUnavailable", fmt.Sprintf("no service port %d found for service %q", n, svc.Name), nil)
		}
	}
	if scheme == "" {
		scheme = "http"
	}
	if eps == nil || len(eps.Subsets) == 0 {
		return nil, newStatusError(http.StatusServiceUnavailable, "ServiceUnavailable", fmt.Sprintf("no endpoints available for service %q", svc.Name), nil)
	}
	seed := pick(len(eps.Subsets))
	for i := range eps.Subsets {
		ss := eps.Subsets[(seed+i)%len(eps.Subsets)]
		if len(ss.Addresses) == 0 {
			continue
		}
		for _, p := range ss.Ports {
			if p.Name != port {
				continue
			}
			aseed := pick(len(ss.Addresses))
			for try := range ss.Addresses {
				addr := ss.Addresses[(aseed+try)%len(ss.Addresses)]
				if proxyableIP(addr.IP, allowLoopback) != nil {
					continue
				}
				return &url.URL{Scheme: scheme, Host: net.JoinHostPort(addr.IP, strconv.Itoa(int(p.Port)))}, nil
			}
		}
	}
	return nil, newStatusError(http.StatusServiceUnavailable, "ServiceUnavailable", fmt.Sprintf("no endpoints available for service %q", svc.Name), nil)
}

// proxyRest is the part of the request path after {name}/proxy ("/" if none).
func proxyRest(path, name string) string {
	marker := "/" + name + "/proxy"
	i := strings.Index(path, marker)
	if i < 0 {
		return "/"
	}
	rest := path[i+len(marker):]
	if rest == "" {
		return "/"
	}
	return rest
}

// servePodProxy serves pods/{[scheme:]name[:port]}/proxy[/path].
func (s *Server) servePodProxy(w http.ResponseWriter, r *http.Request, rt route) error {
	scheme, name, port, ok := splitSchemeNamePort(rt.name)
	if !ok {
		return errBadRequest(fmt.Sprintf("invalid pod request %q", rt.name))
	}
	obj, _, err := s.getObject(r.Context(), rt.info, rt.namespace, name)
	if err != nil {
		return mapStoreError(err, route{info: rt.info, namespace: rt.namespace, name: name})
	}
	loc, err := podProxyLocation(obj.(*api.Pod), scheme, port, s.opts.ProxyAllowLoopback)
	if err != nil {
		return err
	}
	s.proxyHTTP(w, r, loc, proxyRest(r.URL.Path, rt.name))
	return nil
}

// serveServiceProxy serves services/{[scheme:]name[:port]}/proxy[/path].
func (s *Server) serveServiceProxy(w http.ResponseWriter, r *http.Request, rt route) error {
	scheme, name, port, ok := splitSchemeNamePort(rt.name)
	if !ok {
		return errBadRequest(fmt.Sprintf("invalid service request %q", rt.name))
	}
	obj, _, err := s.getObject(r.Context(), rt.info, rt.namespace, name)
	if err != nil {
		return mapStoreError(err, route{info: rt.info, namespace: rt.namespace, name: name})
	}
	var eps *api.Endpoints
	epInfo, _ := api.ForResource("", "v1", "endpoints")
	if o, _, err := s.getObject(r.Context(), epInfo, rt.namespace, name); err == nil {
		eps = o.(*api.Endpoints)
	}
	loc, err := serviceProxyLocation(obj.(*api.Service), eps, scheme, port, s.opts.ProxyAllowLoopback, rand.IntN)
	if err != nil {
		return err
	}
	s.proxyHTTP(w, r, loc, proxyRest(r.URL.Path, rt.name))
	return nil
}

// proxyHTTP forwards r to loc with path rest (and r's query), dialling from
// the lab's network namespace when the apiserver has one. A backend that
// cannot be reached is a 503 Status, as Kubernetes answers.
func (s *Server) proxyHTTP(w http.ResponseWriter, r *http.Request, loc *url.URL, rest string) {
	tr := &http.Transport{DisableKeepAlives: true, DialContext: s.labDial}
	if loc.Scheme == "https" {
		// Pods serve self-signed certificates: as Kubernetes' proxy
		// transport, do not verify them.
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec
	}
	rp := &httputil.ReverseProxy{
		Transport: tr,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = loc.Scheme
			pr.Out.URL.Host = loc.Host
			pr.Out.URL.Path = rest
			pr.Out.URL.RawPath = ""
			pr.Out.Host = loc.Host
			pr.SetXForwarded()
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeError(w, newStatusError(http.StatusServiceUnavailable, "ServiceUnavailable", fmt.Sprintf("error trying to reach service: %v", err), nil))
		},
	}
	rp.ServeHTTP(w, r)
}

// labDial dials from the lab's network namespace (KubeletDialNetns) if
// the apiserver has one, else from its own.
func (s *Server) labDial(ctx context.Context, network, addr string) (net.Conn, error) {
	if ns := s.opts.KubeletDialNetns; ns != "" {
		return netnsdial.Dial(ctx, ns, network, addr)
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}
