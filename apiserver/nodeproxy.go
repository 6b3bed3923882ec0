package apiserver

// nodes/proxy: HTTP to a node's kubelet, as Kubernetes' node
// ResourceLocation: /api/v1/nodes/{name[:port]}/proxy/{path}; the kubelet
// port (the node's daemon endpoint, or none given) goes over the
// apiserver's kubelet client (HTTPS with its client certificate when
// configured), any other port is plain HTTP to the node's InternalIP.

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"

	"minik8s/pkg/api"
)

// serveNodeProxy serves nodes/{name[:port]}/proxy[/path].
func (s *Server) serveNodeProxy(w http.ResponseWriter, r *http.Request, rt route) error {
	scheme, name, port, ok := splitSchemeNamePort(rt.name)
	if !ok {
		return errBadRequest(fmt.Sprintf("invalid node request %q", rt.name))
	}
	obj, _, err := s.getObject(r.Context(), rt.info, "", name)
	if err != nil {
		return mapStoreError(err, route{info: rt.info, name: name})
	}
	loc, err := s.kubeletNodeURL(obj.(*api.Node))
	if err != nil {
		return err
	}
	client := s.kubeletClient()
	if _, kport, _ := net.SplitHostPort(loc.Host); port != "" && port != kport {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return errBadRequest(fmt.Sprintf("invalid node request %q: port %q", rt.name, port))
		}
		host, _, _ := net.SplitHostPort(loc.Host)
		loc = &url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}
		if scheme != "" {
			loc.Scheme = scheme
		}
		client = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, DialContext: s.labDial}}
	}
	rest := proxyRest(r.URL.Path, rt.name)
	rp := &httputil.ReverseProxy{
		Transport: client.Transport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = loc.Scheme
			pr.Out.URL.Host = loc.Host
			pr.Out.URL.Path = rest
			pr.Out.URL.RawPath = ""
			pr.Out.Host = loc.Host
			// The caller's credentials are for the apiserver, not the
			// kubelet (which authenticates the apiserver's certificate).
			pr.Out.Header.Del("Authorization")
			pr.SetXForwarded()
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			writeError(w, newStatusError(http.StatusServiceUnavailable, "ServiceUnavailable", fmt.Sprintf("error trying to reach service: %v", err), nil))
		},
	}
	rp.ServeHTTP(w, r)
	return nil
}
