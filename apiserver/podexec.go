package apiserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"minik8s/pkg/api"
)

// isPodExec says whether a path is a pods/{name}/exec, attach or
// portforward request: a long-running stream the request timeout must not cut.
func isPodExec(path string) bool {
	if !strings.HasPrefix(path, "/api/v1/namespaces/") || strings.Count(path, "/") != 7 || strings.Split(path, "/")[5] != "pods" {
		return false
	}
	return strings.HasSuffix(path, "/exec") || strings.HasSuffix(path, "/attach") || strings.HasSuffix(path, "/portforward")
}

// isFollowedLog is `pods/{name}/log?follow=true`: a stream, like a watch,
// that the request timeout must not cut.
func isFollowedLog(r *http.Request, path string) bool {
	return strings.HasPrefix(path, "/api/v1/namespaces/") && strings.HasSuffix(path, "/log") &&
		strings.Count(path, "/") == 7 && strings.Split(path, "/")[5] == "pods" && queryBool(r.URL.Query().Get("follow"))
}

// podExecTarget checks a pods/{name}/exec request against the pod and
// returns the container it runs in: the named one, or the only one.
func podExecTarget(pod *api.Pod, container string) (string, error) {
	return podStreamTarget(pod, container, "exec into")
}

// podStreamTarget is podExecTarget for a verb ("exec into", "attach").
func podStreamTarget(pod *api.Pod, container, verb string) (string, error) {
	c, err := podContainer(pod, container)
	if err != nil {
		return "", err
	}
	switch pod.Status.Phase {
	case api.PodRunning:
		return c, nil
	case api.PodSucceeded, api.PodFailed:
		return "", errBadRequest(fmt.Sprintf("cannot %s a container in a completed pod; current phase is %s", verb, pod.Status.Phase))
	default:
		if pod.Spec.NodeName == "" {
			return "", errBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name))
		}
		phase := pod.Status.Phase
		if phase == "" {
			phase = api.PodPending
		}
		return "", errBadRequest(fmt.Sprintf("pod %s is not running; current phase is %s", pod.Name, phase))
	}
}

// servePodExec proxies GET/POST pods/{name}/exec to the kubelet of the
// pod's node: the request (a WebSocket upgrade, subprotocol
// v5.channel.k8s.io) goes to the kubelet's /exec/{ns}/{pod}/{container},
// and once the kubelet switches protocols the two connections are joined
// byte for byte. The kubelet speaks the streaming protocol; a kubelet
// refusal comes back as a Status with the kubelet's code and message.
func (s *Server) servePodExec(w http.ResponseWriter, r *http.Request, rt route) error {
	return s.servePodStream(w, r, rt, "exec", "exec into")
}

// servePodAttach proxies GET/POST pods/{name}/attach to the kubelet's
// /attach/{ns}/{pod}/{container}, as servePodExec does.
func (s *Server) servePodAttach(w http.ResponseWriter, r *http.Request, rt route) error {
	return s.servePodStream(w, r, rt, "attach", "attach")
}

// servePodStream proxies a container stream (exec, attach) to the kubelet.
func (s *Server) servePodStream(w http.ResponseWriter, r *http.Request, rt route, kubeletPath, verb string) error {
	obj, _, err := s.getObject(r.Context(), rt.info, rt.namespace, rt.name)
	if err != nil {
		return mapStoreError(err, route{info: rt.info, namespace: rt.namespace, name: rt.name})
	}
	pod := obj.(*api.Pod)
	q := r.URL.Query()
	container, err := podStreamTarget(pod, q.Get("container"), verb)
	if err != nil {
		return err
	}
	q.Del("container")
	return s.proxyUpgrade(w, r, pod, "/"+kubeletPath+"/"+url.PathEscape(rt.namespace)+"/"+url.PathEscape(rt.name)+"/"+url.PathEscape(container), q)
}

// servePodPortForward proxies GET/POST pods/{name}/portforward (a SPDY
// upgrade, or a WebSocket tunnelling SPDY) to the kubelet's
// /portForward/{ns}/{pod}.
func (s *Server) servePodPortForward(w http.ResponseWriter, r *http.Request, rt route) error {
	obj, _, err := s.getObject(r.Context(), rt.info, rt.namespace, rt.name)
	if err != nil {
		return mapStoreError(err, route{info: rt.info, namespace: rt.namespace, name: rt.name})
	}
	pod := obj.(*api.Pod)
	if pod.Status.Phase != api.PodRunning {
		return errBadRequest(fmt.Sprintf("unable to forward port because pod is not running. Current status=%s", pod.Status.Phase))
	}
	return s.proxyUpgrade(w, r, pod, "/portForward/"+url.PathEscape(rt.namespace)+"/"+url.PathEscape(rt.name), r.URL.Query())
}

// proxyUpgrade sends an upgrade request to the kubelet of the pod's node
// at path with query q and, once the kubelet switches protocols, joins the
// two connections byte for byte. A kubelet refusal comes back as a Status
// with the kubelet's code and message.
func (s *Server) proxyUpgrade(w http.ResponseWriter, r *http.Request, pod *api.Pod, path string, q url.Values) error {
	u, err := s.kubeletURL(r.Context(), pod)
	if err != nil {
		return err
	}
	u.Path = path
	u.RawQuery = q.Encode()
	// A WebSocket handshake is a GET, whatever verb the client routed by;
	// a SPDY upgrade keeps its verb (kubectl sends POST).
	method := http.MethodGet
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		method = r.Method
	}
	req, err := http.NewRequestWithContext(r.Context(), method, u.String(), nil)
	if err != nil {
		return errInternal(err)
	}
	for k, vs := range r.Header {
		req.Header[k] = append([]string(nil), vs...)
	}
	resp, err := s.kubeletClient().Do(req)
	if err != nil {
		return newStatusError(http.StatusBadGateway, reasonInternal, fmt.Sprintf("error dialing backend: %v", err), nil)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return kubeletError(resp.StatusCode, strings.TrimSpace(string(b)))
	}
	backend, ok := resp.Body.(io.ReadWriteCloser)
	if !ok {
		resp.Body.Close()
		return errInternal(fmt.Errorf("kubelet upgrade: the connection is not writable"))
	}
	client, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		backend.Close()
		return errInternal(fmt.Errorf("hijack: %w", err))
	}
	if err := writeSwitchingProtocols(buf.Writer, resp); err != nil {
		client.Close()
		backend.Close()
		return nil
	}
	joinConns(r, client, buf.Reader, backend)
	return nil
}

// kubeletError is the Status of a kubelet's refusal.
func kubeletError(code int, msg string) error {
	if msg == "" {
		msg = fmt.Sprintf("the kubelet answered %d %s", code, http.StatusText(code))
	}
	switch code {
	case http.StatusNotFound:
		return newStatusError(code, reasonNotFound, msg, nil)
	case http.StatusBadRequest:
		return errBadRequest(msg)
	default:
		if code < 400 {
			code = http.StatusBadGateway
		}
		return newStatusError(code, reasonInternal, msg, nil)
	}
}

// writeSwitchingProtocols relays the kubelet's 101 answer to the client.
func writeSwitchingProtocols(w *bufio.Writer, resp *http.Response) error {
	if _, err := fmt.Fprintf(w, "HTTP/1.1 101 Switching Protocols\r\n"); err != nil {
		return err
	}
	if err := resp.Header.Write(w); err != nil {
		return err
	}
	if _, err := w.WriteString("\r\n"); err != nil {
		return err
	}
	return w.Flush()
}

// joinConns copies both ways until either side ends (or the server stops),
// then closes both. clientIn holds what the client sent past the request.
func joinConns(r *http.Request, client net.Conn, clientIn io.Reader, backend io.ReadWriteCloser) {
	var once sync.Once
	closeBoth := func() {
		once.Do(func() {
			client.Close()
			backend.Close()
		})
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(backend, clientIn); closeBoth(); done <- struct{}{} }()
	go func() { _, _ = io.Copy(client, backend); closeBoth(); done <- struct{}{} }()
	select {
	case <-done:
	case <-r.Context().Done(): // the apiserver is stopping
	}
	closeBoth()
	<-done
	<-done
}
