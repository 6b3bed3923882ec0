package apiserver

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"minik8s/pkg/api"
)

// kubeletClient is the HTTP client of the apiserver's requests to kubelets:
// HTTPS with the apiserver's client certificate when the kubelet client
// flags are set (kubelet_tls.go), else plain HTTP.
func (s *Server) kubeletClient() *http.Client {
	tr := &http.Transport{DisableKeepAlives: true, DialContext: s.labDial}
	if !s.kubeletTLSEnabled() {
		return &http.Client{Transport: tr}
	}
	cfg, err := s.kubeletTLSConfig()
	if err != nil {
		return &http.Client{Transport: failingTransport{err}}
	}
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr}
}

// kubeletURL is the kubelet address of the node a pod runs on.
func (s *Server) kubeletURL(ctx context.Context, pod *api.Pod) (*url.URL, error) {
	if pod.Spec.NodeName == "" {
		return nil, errBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name))
	}
	info, _ := api.ForResource("", "v1", "nodes")
	obj, _, err := s.getObject(ctx, info, "", pod.Spec.NodeName)
	if err != nil {
		return nil, errBadRequest(fmt.Sprintf("node %s of pod %s: %v", pod.Spec.NodeName, pod.Name, err))
	}
	return s.kubeletNodeURL(obj.(*api.Node))
}

// kubeletNodeURL is kubeletNodeURLScheme with the scheme the kubelet
// client speaks.
func (s *Server) kubeletNodeURL(node *api.Node) (*url.URL, error) {
	scheme := "http"
	if s.kubeletTLSEnabled() {
		scheme = "https"
	}
	return kubeletNodeURLScheme(node, scheme)
}

// kubeletNodeURLScheme is the kubelet address of a node: its InternalIP
// and the kubelet's daemon endpoint port (10250 when unset).
func kubeletNodeURLScheme(node *api.Node, scheme string) (*url.URL, error) {
	host := ""
	for _, a := range node.Status.Addresses {
		if a.Type == api.NodeInternalIP {
			host = a.Address
		}
	}
	if host == "" {
		return nil, errBadRequest(fmt.Sprintf("node %s has no InternalIP", node.Name))
	}
	port := 10250
	if d := node.Status.DaemonEndpoints; d != nil && d.KubeletEndpoint.Port > 0 {
		port = int(d.KubeletEndpoint.Port)
	}
	return &url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(port))}, nil
}

// podContainer is the container a log or exec request names (the only
// one if the request names none).
func podContainer(pod *api.Pod, name string) (string, error) {
	if name != "" {
		for _, c := range append(append([]api.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
			if c.Name == name {
				return name, nil
			}
		}
		return "", errBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
	}
	if len(pod.Spec.Containers) == 1 {
		return pod.Spec.Containers[0].Name, nil
	}
	var names []string
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	return "", errBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: [%s]", pod.Name, strings.Join(names, " ")))
}

// servePodLog proxies GET pods/{name}/log to the kubelet of the pod's node.
func (s *Server) servePodLog(w http.ResponseWriter, r *http.Request, rt route) error {
	q := r.URL.Query()
	kq, err := podLogQuery(rt.name, q) // options first, as Kubernetes' LogREST
	if err != nil {
		return err
	}
	obj, _, err := s.getObject(r.Context(), rt.info, rt.namespace, rt.name)
	if err != nil {
		return mapStoreError(err, route{info: rt.info, namespace: rt.namespace, name: rt.name})
	}
	pod := obj.(*api.Pod)
	container, err := podContainer(pod, q.Get("container"))
	if err != nil {
		return err
	}
	u, err := s.kubeletURL(r.Context(), pod)
	if err != nil {
		return err
	}
	u.Path = "/containerLogs/" + url.PathEscape(rt.namespace) + "/" + url.PathEscape(rt.name) + "/" + url.PathEscape(container)
	u.RawQuery = kq.Encode()
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, u.String(), nil)
	if err != nil {
		return errInternal(err)
	}
	resp, err := s.kubeletClient().Do(req)
	if err != nil {
		return newStatusError(http.StatusBadGateway, reasonInternal, fmt.Sprintf("Get %q: %v", u.String(), err), nil)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return errBadRequest(strings.TrimSpace(string(b)))
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return nil
			}
			if fl != nil {
				fl.Flush()
			}
		}
		if err != nil {
			return nil
		}
	}
}
